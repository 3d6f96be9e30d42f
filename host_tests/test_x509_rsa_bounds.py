"""RSA keys outside sane bounds are refused before any arithmetic (issue 16, "Certificates":
a 4096-bit public exponent took 1.6 s on a PC, minutes on a microcontroller): x509.verify
checks a signature only with a modulus of 2048 (A00.FR.502) to 4096 bits, odd, and an odd
exponent from 3 to 2^32 - 1. Each refused key here carries a signature that is valid for it
(the exponent 1 one is a forgery: the signature is its own message), so only the bound
refuses it; keys within the bounds verify. The keys and signatures are made from the
`cryptography` package's primes, the DER around them by hand (it builds no such key);
checked under the board's MicroPython and CPython (mp_scripts/x509_probe.py,
filesig_probe.py)."""
import hashlib
import math
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import certs
from tc import MICROPYTHON32
from x509 import der
from x509.der_write import bit_string, encode, integer, oid, sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
RUNTIMES = {"micropython": ([MICROPYTHON32], {"MICROPYPATH": ".frozen:" + LIB}),
            "cpython": ([sys.executable], {"PYTHONPATH": LIB})}
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
NULL = b"\x05\x00"


class Key:
    """An RSA public key (n, e) with the private exponent d that signs for it."""

    def __init__(self, n, e, d):
        self.n, self.e, self.d = n, e, d
        self.size = (n.bit_length() + 7) // 8

    def sign_digest(self, digest):
        """PKCS#1 v1.5 with SHA-256 (RFC 8017 8.2.1)."""
        tail = SHA256_DIGEST_INFO + digest
        message = b"\x00\x01" + b"\xff" * (self.size - 3 - len(tail)) + b"\x00" + tail
        return pow(int.from_bytes(message, "big"), self.d, self.n).to_bytes(self.size, "big")


def odd_coprime(start, modulus):
    e = start | 1
    while math.gcd(e, modulus) != 1:
        e += 2
    return e


def key(bits, e=65537, above=False):
    """A key of n = p * q with `bits` bits and exponent e (the first odd one from e that fits
    when above is set)."""
    numbers = rsa.generate_private_key(65537, bits).private_numbers()
    p, q = numbers.p, numbers.q
    order = math.lcm(p - 1, q - 1)
    e = odd_coprime(e, order) if above else e
    return Key(p * q, e, pow(e, -1, order) if e > 1 else 1)


def even_key(bits):
    """n = 2 * q, q prime: a signature made with it verifies (mod 2 every power of m is m)."""
    q = rsa.generate_private_key(65537, 2 * (bits - 1)).private_numbers().p
    return Key(2 * q, 65537, pow(65537, -1, q - 1))


def elements(data, start, end):
    return [data[header:stop] for _, _, stop, header in der.children(data, start, end)]


def with_public_key(cert_der, public):
    """The certificate with its subjectPublicKeyInfo replaced by the RSA key (its own
    signature no longer matches: only its key is used here)."""
    outer = der.element(cert_der, 0)
    tbs, algorithm, signature = elements(cert_der, outer[1], outer[2])
    inner = der.element(tbs, 0)
    fields = elements(tbs, inner[1], inner[2])
    fields[6] = sequence(sequence(oid("1.2.840.113549.1.1.1"), NULL),
                         bit_string(sequence(integer(public.n), integer(public.e))))
    return sequence(encode(der.SEQUENCE, b"".join(fields)), algorithm, signature)


def signed_with(cert_der, signer):
    """The certificate (sha256WithRSAEncryption) with a signature by signer's key."""
    outer = der.element(cert_der, 0)
    tbs, algorithm, _ = elements(cert_der, outer[1], outer[2])
    return sequence(tbs, algorithm, bit_string(signer.sign_digest(hashlib.sha256(tbs).digest())))


def run(runtime, script, folder, arguments):
    """Runs the probe in `folder`, so that its arguments name the files there by their names:
    MicroPython's unix port aborts on an argument of 256 bytes or more, which two or three
    absolute paths can reach under a deep temporary folder (pytest -n adds a level)."""
    command, env = RUNTIMES[runtime]
    done = subprocess.run(command + [os.path.join(ROOT, "host_tests", "mp_scripts", script)]
                          + arguments, cwd=folder, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")[:-1]


@pytest.fixture(scope="module")
def keys():
    """name -> (key, whether a signature made with it is accepted)."""
    return {"2048 bits, e 65537": (key(2048), True),
            "2048 bits, e 3": (key(2048, 3, above=True), True),
            "2048 bits, e just under 2^32": (key(2048, 2 ** 32 - 1025, above=True), True),
            "4096 bits, e 65537": (key(4096), True),
            "1024 bits (A00.FR.502)": (key(1024), False),
            "4104 bits": (key(4104), False),
            "2048 bits, e just over 2^32": (key(2048, 2 ** 32 + 1, above=True), False),
            "2048 bits, e of 2048 bits": (key(2048, 2 ** 2047 + 1, above=True), False),
            "2048 bits, e 1: a forgery": (key(2048, 1), False),
            "2048 bits, even modulus": (even_key(2048), False)}


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_certificate_signatures_by_keys_out_of_bounds_are_refused(runtime, keys, tmp_path):
    ca = certs.make_ca("rsa bounds", kind="rsa")
    leaf = certs.issue(ca, "leaf", hosts=(), kind="rsa")
    arguments = []
    for i, (public, _) in enumerate(keys.values()):
        (tmp_path / ("issuer%d.der" % i)).write_bytes(with_public_key(ca.cert_der, public))
        (tmp_path / ("cert%d.der" % i)).write_bytes(signed_with(leaf.cert_der, public))
        arguments.append("cert%d.der,issuer%d.der" % (i, i))
    seen = [line.split('"signedBy": ')[1].split(",")[0]
            for line in run(runtime, "x509_probe.py", tmp_path, arguments)]
    assert dict(zip(keys, seen)) == {name: "true" if accepted else "false"
                                     for name, (_, accepted) in keys.items()}


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_file_signatures_by_keys_out_of_bounds_are_refused(runtime, keys, tmp_path):
    ca = certs.make_ca("rsa bounds", kind="rsa")
    image = tmp_path / "image.bin"
    image.write_bytes(os.urandom(5000))
    digest = hashlib.sha256(image.read_bytes()).digest()
    arguments = []
    for i, (public, _) in enumerate(keys.values()):
        (tmp_path / ("signer%d.der" % i)).write_bytes(with_public_key(ca.cert_der, public))
        (tmp_path / ("image%d.sig" % i)).write_bytes(public.sign_digest(digest))
        arguments.append("signer%d.der,image.bin,image%d.sig" % (i, i))
    seen = run(runtime, "filesig_probe.py", tmp_path, arguments)
    assert dict(zip(keys, seen)) == {name: str(accepted) for name, (_, accepted) in keys.items()}
