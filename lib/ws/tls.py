"""TLS client contexts for wss:// that always verify the server (OCPP security profiles
2 and 3), from DER certificates and keys, on MicroPython and CPython.

Why the two paths: MicroPython's TLS (its core module `tls`, which micropython-lib's
`ssl` only wraps, so a firmware without micropython-lib has it too) takes DER bytes
directly (PEM did not load in this build) and defaults to no verification; CPython's
load_cert_chain only reads PEM files, so there the client certificate and key go through
a short-lived temporary file.
Cipher names are the runtime's own: mbedTLS names on MicroPython
("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"), OpenSSL names on CPython
("ECDHE-ECDSA-AES128-GCM-SHA256"); a list also caps CPython at TLS 1.2.
"""
import sys

_MICROPYTHON = sys.implementation.name == "micropython"
if _MICROPYTHON:
    import tls as ssl  # the same names: SSLContext, PROTOCOL_TLS_CLIENT, CERT_REQUIRED
else:
    import ssl
_KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")


def client_context(ca_der, cert_der=None, key_der=None, ciphers=None):
    """An SSLContext that requires a server certificate issued by one of the CAs
    (`ca_der`: one DER certificate or a list of them) for the host name it connects to;
    with cert_der and key_der it also presents a client certificate (mutual TLS): one DER
    certificate, or a list of them, the station's first and then the CAs that issued it,
    which the server may need to reach its root; `ciphers` is an optional list of cipher
    suite names."""
    if type(ca_der) is bytes or type(ca_der) is bytearray:
        ca_der = [ca_der]
    if not ca_der:
        raise ValueError("at least one CA certificate is required")
    if (cert_der is None) != (key_der is None):
        raise ValueError("a client certificate needs both cert_der and key_der")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
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
    if ciphers:
        try:
            if _MICROPYTHON:
                ctx.set_ciphers(list(ciphers))
            else:
                ctx.set_ciphers(":".join(ciphers))
                # The list only governs TLS 1.2 (what MicroPython speaks); without this
                # cap CPython would negotiate TLS 1.3 with suites outside the list.
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
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
