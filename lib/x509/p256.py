"""ECDSA over NIST P-256 with SHA-256 (FIPS 186-4, SEC 1) in plain integers, for the rare
operations of security profile 3 on a board: making the station's key pair, signing its
certificate signing request, verifying a certificate chain. Runs on MicroPython (its ints
are arbitrary precision) and CPython. Not constant-time: a key pair is made and used on the
board itself, and verification handles public data only.

Points are (x, y) tuples, None is the point at infinity; the arithmetic works in Jacobian
coordinates (X, Y, Z) to avoid an inversion per step.
"""
import hashlib
import os

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
_BYTES = 32


def _inverse(value, modulus):
    return pow(value, modulus - 2, modulus)  # both moduli are prime


def _double(point):
    x, y, z = point
    if not y:
        return (0, 1, 0)
    ysq = y * y % P
    s = 4 * x * ysq % P
    zsq = z * z % P
    m = 3 * (x - zsq) * (x + zsq) % P  # a = -3
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    return (nx, ny, 2 * y * z % P)


def _add(p, q):
    if not p[2]:
        return q
    if not q[2]:
        return p
    z1sq, z2sq = p[2] * p[2] % P, q[2] * q[2] % P
    u1, u2 = p[0] * z2sq % P, q[0] * z1sq % P
    s1, s2 = p[1] * z2sq * q[2] % P, q[1] * z1sq * p[2] % P
    if u1 == u2:
        return _double(p) if s1 == s2 else (0, 1, 0)
    h, r = (u2 - u1) % P, (s2 - s1) % P
    hsq = h * h % P
    hcu = hsq * h % P
    nx = (r * r - hcu - 2 * u1 * hsq) % P
    ny = (r * (u1 * hsq - nx) - s1 * hcu) % P
    return (nx, ny, h * p[2] * q[2] % P)


def _affine(point):
    if not point[2]:
        return None
    zinv = _inverse(point[2], P)
    zinv2 = zinv * zinv % P
    return (point[0] * zinv2 % P, point[1] * zinv2 * zinv % P)


def multiply(scalar, point=G):
    """scalar x point (affine in, affine out)."""
    result = (0, 1, 0)
    addend = (point[0], point[1], 1)
    while scalar:
        if scalar & 1:
            result = _add(result, addend)
        addend = _double(addend)
        scalar >>= 1
    return _affine(result)


def _sum(p, q):
    if p is None:
        return q
    if q is None:
        return p
    return _affine(_add((p[0], p[1], 1), (q[0], q[1], 1)))


def on_curve(point):
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - A * x - B) % P == 0


def _random_scalar():
    while True:
        value = int.from_bytes(os.urandom(_BYTES), "big")
        if 0 < value < N:
            return value


def new_private_key():
    """(private scalar, public point)."""
    d = _random_scalar()
    return d, multiply(d)


def _digest_int(message):
    return int.from_bytes(hashlib.sha256(message).digest(), "big")


def sign(private, message):
    """(r, s) of ECDSA-SHA256 over `message` (bytes), with a random k."""
    e = _digest_int(message)
    while True:
        k = _random_scalar()
        r = multiply(k)[0] % N
        if not r:
            continue
        s = _inverse(k, N) * (e + r * private) % N
        if s:
            return r, s


def verify(public, message, signature):
    """True when (r, s) is a valid ECDSA-SHA256 signature of `message` by `public`."""
    return verify_digest(public, hashlib.sha256(message).digest(), signature)


def verify_digest(public, digest, signature):
    """verify() for the SHA-256 `digest` of the message (a file hashed as it streamed)."""
    r, s = signature
    if not (0 < r < N and 0 < s < N) or public is None or not on_curve(public):
        return False
    w = _inverse(s, N)
    e = int.from_bytes(digest, "big")
    point = _sum(multiply(e * w % N), multiply(r * w % N, public))
    return point is not None and point[0] % N == r


def public_from_bytes(data):
    """An uncompressed SEC 1 point (0x04 | x | y), as a certificate's key holds it."""
    if len(data) != 1 + 2 * _BYTES or data[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    point = (int.from_bytes(data[1:1 + _BYTES], "big"), int.from_bytes(data[1 + _BYTES:], "big"))
    if not on_curve(point):
        raise ValueError("the point is not on P-256")
    return point


def public_to_bytes(point):
    return b"\x04" + point[0].to_bytes(_BYTES, "big") + point[1].to_bytes(_BYTES, "big")


def private_key_der(private):
    """The key as an SEC 1 ECPrivateKey (RFC 5915) in DER, as TLS libraries load it."""
    from x509 import der_write as d

    return d.sequence(d.integer(1), d.encode(0x04, private.to_bytes(_BYTES, "big")),
                      d.encode(0xA0, d.oid("1.2.840.10045.3.1.7")),
                      d.encode(0xA1, d.bit_string(public_to_bytes(multiply(private)))))
