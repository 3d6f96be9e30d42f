"""Whether a certificate was signed by an issuer's key: ECDSA with SHA-256 on P-256 and RSA
PKCS#1 v1.5 with SHA-256 (RFC 8017 8.2.2), the algorithms the security whitepaper's CAs use
(A00.FR.505, A00.FR.506). Anything else is refused as unsupported, never accepted."""
import hashlib

from x509 import der, p256

_ECDSA_WITH_SHA256 = b"\x2a\x86\x48\xce\x3d\x04\x03\x02"
_SHA256_WITH_RSA = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"
_EC_PUBLIC_KEY = b"\x2a\x86\x48\xce\x3d\x02\x01"
_RSA_ENCRYPTION = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
_PRIME256V1 = b"\x2a\x86\x48\xce\x3d\x03\x01\x07"
# DigestInfo of SHA-256 (RFC 8017 9.2, note 1), before the 32-byte digest.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def signed_by(cert, issuer):
    """True when `cert` (x509.cert.Certificate) carries a valid signature by the key of
    `issuer` (also a Certificate); False for a wrong or unsupported one."""
    try:
        if cert.signature_algorithm == _ECDSA_WITH_SHA256:
            return _ecdsa(cert, issuer)
        if cert.signature_algorithm == _SHA256_WITH_RSA:
            return _rsa(cert, issuer)
    except (ValueError, IndexError):
        return False
    return False


def _ecdsa(cert, issuer):
    if issuer.key_algorithm != _EC_PUBLIC_KEY or issuer.key_parameters != _PRIME256V1:
        return False
    data = cert.signature
    outer = der.expect(der.element(data, 0), der.SEQUENCE, "ECDSA signature")
    r, s = [int.from_bytes(data[start:end], "big") for _, start, end, _ in
            der.children(data, outer[1], outer[2])]
    return p256.verify(p256.public_from_bytes(issuer.public_key), cert.signed_part, (r, s))


def _rsa(cert, issuer):
    if issuer.key_algorithm != _RSA_ENCRYPTION:
        return False
    key = issuer.public_key
    outer = der.expect(der.element(key, 0), der.SEQUENCE, "RSA public key")
    n_part, e_part = der.children(key, outer[1], outer[2])
    n = int.from_bytes(key[n_part[1]:n_part[2]], "big")
    e = int.from_bytes(key[e_part[1]:e_part[2]], "big")
    size = (len(key[n_part[1]:n_part[2]].lstrip(b"\x00")))
    signature = int.from_bytes(cert.signature, "big")
    if len(cert.signature) != size or signature >= n:
        return False
    encoded = pow(signature, e, n).to_bytes(size, "big")
    expected_tail = _SHA256_DIGEST_INFO + hashlib.sha256(cert.signed_part).digest()
    padding = size - 3 - len(expected_tail)
    return padding >= 8 and encoded == b"\x00\x01" + b"\xff" * padding + b"\x00" + expected_tail
