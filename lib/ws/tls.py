"""TLS client contexts for wss:// that always verify the server (OCPP security profiles
2 and 3), from DER certificates and keys, on MicroPython and CPython.

Why the two paths: MicroPython's TLS (its core module `tls`, which micropython-lib's
`ssl` only wraps, so a firmware without micropython-lib has it too) takes DER bytes
directly (PEM did not load in this build) and defaults to no verification; CPython's
load_cert_chain only reads PEM files, so there the client certificate and key go through
a short-lived temporary file.
The suites offered, unless a caller names others, are OFFER_MBEDTLS or OFFER_OPENSSL, in
each runtime's names; never TLS below 1.2 (A00.FR.312): mbedTLS 3 has nothing older, and
CPython is held to it here whatever the host's OpenSSL configuration allows.
"""
import sys

_MICROPYTHON = sys.implementation.name == "micropython"
if _MICROPYTHON:
    import tls as ssl  # the same names: SSLContext, PROTOCOL_TLS_CLIENT, CERT_REQUIRED
else:
    import ssl
# In order of preference: the forward-secret AEAD suites (ECDHE with an ECDSA, then an RSA
# certificate; AES-GCM, then ChaCha20-Poly1305), which a server with an RSA certificate and
# OpenSSL's defaults needs (it takes no TLS_RSA suite); then A00.FR.318's TLS_RSA pair for
# Central Systems with only those. Never CBC, SHA-1, RC4 or 3DES (A00.FR.319). TLS 1.3's suites
# are all AEAD and forward-secret. A build that lacks some leaves them out (client_context):
# the MicroPython builds measured have neither ChaCha20 nor TLS 1.3 (docs/tls.md).
OFFER_MBEDTLS = ("TLS1-3-AES-128-GCM-SHA256", "TLS1-3-AES-256-GCM-SHA384",
                 "TLS1-3-CHACHA20-POLY1305-SHA256",
                 "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
                 "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
                 "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
                 "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384",
                 "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
                 "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256",
                 "TLS-RSA-WITH-AES-128-GCM-SHA256", "TLS-RSA-WITH-AES-256-GCM-SHA384")
# TLS 1.2's: OpenSSL has no list for TLS 1.3 here and offers its own three.
OFFER_OPENSSL = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                 "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                 "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
                 "AES128-GCM-SHA256", "AES256-GCM-SHA384")
_KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")


def client_context(ca_der, cert_der=None, key_der=None, ciphers=None):
    """An SSLContext that requires a server certificate issued by one of the CAs
    (`ca_der`: one DER certificate or a list of them) for the host name it connects to;
    with cert_der and key_der it also presents a client certificate (mutual TLS): one DER
    certificate, or a list of them, the station's first and then the CAs that issued it,
    which the server may need to reach its root. `ciphers`, cipher suite names in order of
    preference, replaces the offer; names the runtime's TLS lacks are left out, as OpenSSL
    leaves out unknown names of a cipher string (ValueError when none is left)."""
    if type(ca_der) is bytes or type(ca_der) is bytearray:
        ca_der = [ca_der]
    if not ca_der:
        raise ValueError("at least one CA certificate is required")
    if (cert_der is None) != (key_der is None):
        raise ValueError("a client certificate needs both cert_der and key_der")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    if not _MICROPYTHON:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    for der in ca_der:
        if _MICROPYTHON:
            ctx.load_verify_locations(bytes(der))  # positional: DER data, never a file
        else:
            ctx.load_verify_locations(cadata=bytes(der))
    if cert_der is not None:
        chain = [cert_der] if type(cert_der) is bytes or type(cert_der) is bytearray \
            else cert_der
        if _MICROPYTHON:
            # Each call parses one DER certificate and appends it to the context's own
            # chain (mbedtls_x509_crt_parse), the key parsed again with it.
            for der in chain:
                ctx.load_cert_chain(bytes(der), bytes(key_der))
        else:
            _load_cert_chain_via_files(ctx, chain, key_der)
    ciphers = ciphers or (OFFER_MBEDTLS if _MICROPYTHON else OFFER_OPENSSL)
    try:
        if _MICROPYTHON:
            # set_ciphers refuses a whole list for one name this build lacks; with none
            # left, the list as given meets that refusal.
            available = ctx.get_ciphers()
            ctx.set_ciphers([name for name in ciphers if name in available] or list(ciphers))
        else:
            ctx.set_ciphers(":".join(ciphers))
    except OSError as e:
        raise ValueError("cipher suites %s not available: %s" % (",".join(ciphers), e))
    return ctx


def _load_cert_chain_via_files(ctx, chain, key_der):
    import os
    import tempfile

    from x509.pem import der_to_pem

    # The PEM label of a DER key is not known without parsing it; OpenSSL accepts the
    # right one, so each is tried.
    error = None
    for label in _KEY_LABELS:
        fd, path = tempfile.mkstemp(suffix=".pem")
        try:
            with os.fdopen(fd, "w") as f:
                for der in chain:
                    f.write(der_to_pem(der, "CERTIFICATE"))
                f.write(der_to_pem(key_der, label))
            ctx.load_cert_chain(path)
            return
        except ssl.SSLError as e:
            error = e
        finally:
            os.remove(path)
    raise ValueError("client certificate or key not loadable: %s" % error)
