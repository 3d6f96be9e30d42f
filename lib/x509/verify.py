"""Whether a certificate was signed by an issuer's key -- ECDSA with SHA-256 on P-256 and RSA
PKCS#1 v1.5 with SHA-256 (RFC 8017 8.2.2), the algorithms the security whitepaper's CAs use
(A00.FR.505, A00.FR.506) -- and whether a file was signed by a certificate's key (a firmware
image, L01.FR.04: ECDSA P-256, or RSA-PSS / PKCS#1 v1.5, always SHA-256). Anything else is
refused as unsupported, never accepted."""
import hashlib

from x509 import der, p256

_ECDSA_WITH_SHA256 = b"\x2a\x86\x48\xce\x3d\x04\x03\x02"
_SHA256_WITH_RSA = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"
_EC_PUBLIC_KEY = b"\x2a\x86\x48\xce\x3d\x02\x01"
_RSA_ENCRYPTION = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
_PRIME256V1 = b"\x2a\x86\x48\xce\x3d\x03\x01\x07"
# DigestInfo of SHA-256 (RFC 8017 9.2, note 1), before the 32-byte digest.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# The RSA keys a signature is checked with; any other is refused before any arithmetic, so
# that a crafted certificate cannot hold the station (a 4096-bit exponent took 1.6 s on a
# PC, minutes on a microcontroller). At least 2048 bits (A00.FR.502), at most 4096, the
# largest in common use (the time to verify grows with the square of the size). The
# exponent odd, 3 to 2^32 - 1, as Windows CNG accepts (65537 nearly always; 1 would make any
# signature its own message), so that it costs at most 32 squarings.
_RSA_BITS_MIN = 2048
_RSA_BITS_MAX = 4096
_RSA_EXPONENT_BYTES_MAX = 4


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


def issuing_root(cert, root_ders):
    """The root (a Certificate) among the DERs that is `cert` itself or signed it, or None."""
    from x509.cert import Certificate

    for der in root_ders:
        root = Certificate(der)
        if cert.der == root.der or (cert.issuer == root.subject and signed_by(cert, root)):
            return root
    return None


def file_signed_by(signer, digest, signature):
    """True when `signature` (bytes) over a file whose SHA-256 is `digest` verifies with the
    key of `signer` (a Certificate): ECDSA (DER or raw r|s) for a P-256 key, RSA-PSS or
    PKCS#1 v1.5 for an RSA key."""
    try:
        if signer.key_algorithm == _EC_PUBLIC_KEY:
            return _ecdsa_digest(signer, digest, signature)
        if signer.key_algorithm == _RSA_ENCRYPTION:
            encoded, size, bits = _rsa_open(signer, signature)
            return encoded is not None and (_pkcs1_v15(encoded, size, digest) or
                                            _pss(encoded, bits, digest))
    except (ValueError, IndexError):
        return False
    return False


def _ecdsa(cert, issuer):
    return _ecdsa_digest(issuer, hashlib.sha256(cert.signed_part).digest(), cert.signature)


def _ecdsa_digest(signer, digest, data):
    if signer.key_parameters != _PRIME256V1:
        return False
    if len(data) == 64:  # raw r | s: a DER one of P-256 has 6 to 8 bytes more
        r, s = int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big")
    else:
        outer = der.expect(der.element(data, 0), der.SEQUENCE, "ECDSA signature")
        r, s = [int.from_bytes(data[start:end], "big") for _, start, end, _ in
                der.children(data, outer[1], outer[2])]
    return p256.verify_digest(p256.public_from_bytes(signer.public_key), digest, (r, s))


def _rsa(cert, issuer):
    if issuer.key_algorithm != _RSA_ENCRYPTION:
        return False
    encoded, size, _ = _rsa_open(issuer, cert.signature)
    return encoded is not None and _pkcs1_v15(encoded, size,
                                              hashlib.sha256(cert.signed_part).digest())


def _rsa_open(signer, signature):
    """(signature^e mod n as bytes, its size, the bits of n), or (None, 0, 0) for a key
    outside the bounds above or a signature that does not fit it."""
    key = signer.public_key
    outer = der.expect(der.element(key, 0), der.SEQUENCE, "RSA public key")
    n_part, e_part = der.children(key, outer[1], outer[2])
    modulus = key[n_part[1]:n_part[2]].lstrip(b"\x00")
    exponent = key[e_part[1]:e_part[2]].lstrip(b"\x00")
    bits = _bits(modulus)
    if not (_RSA_BITS_MIN <= bits <= _RSA_BITS_MAX and modulus[-1] & 1) or \
            not (0 < len(exponent) <= _RSA_EXPONENT_BYTES_MAX and exponent[-1] & 1):
        return None, 0, 0
    n = int.from_bytes(modulus, "big")
    e = int.from_bytes(exponent, "big")
    value = int.from_bytes(signature, "big")
    if e < 3 or len(signature) != len(modulus) or value >= n:
        return None, 0, 0
    return pow(value, e, n).to_bytes(len(modulus), "big"), len(modulus), bits


def _bits(magnitude):
    """The bits of a big-endian number without leading zero bytes (no int.bit_length on
    MicroPython)."""
    if not magnitude:
        return 0
    bits = 8 * len(magnitude) - 8
    top = magnitude[0]
    while top:
        bits += 1
        top >>= 1
    return bits


def _pkcs1_v15(encoded, size, digest):
    tail = _SHA256_DIGEST_INFO + digest
    padding = size - 3 - len(tail)
    return padding >= 8 and encoded == b"\x00\x01" + b"\xff" * padding + b"\x00" + tail


def _pss(encoded, bits, digest):
    """EMSA-PSS-VERIFY (RFC 8017 9.1.2) with SHA-256 and MGF1-SHA-256, any salt length."""
    em_bits = bits - 1
    em_len = (em_bits + 7) // 8
    em = encoded[len(encoded) - em_len:]
    if len(encoded) > em_len and any(encoded[:len(encoded) - em_len]):
        return False
    if em_len < 32 + 2 or em[-1] != 0xBC:
        return False
    masked, h = em[:em_len - 33], em[em_len - 33:em_len - 1]
    mask = _mgf1(h, len(masked))
    db = bytearray(a ^ b for a, b in zip(masked, mask))
    db[0] &= 0xFF >> (8 * em_len - em_bits)
    one = 0
    while one < len(db) and db[one] == 0:
        one += 1
    if one == len(db) or db[one] != 1:
        return False
    salt = bytes(db[one + 1:])
    return hashlib.sha256(b"\x00" * 8 + digest + salt).digest() == h


def _mgf1(seed, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]
