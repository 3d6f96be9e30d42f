"""lib/x509/p256 and lib/x509/csr against the `cryptography` package, on MicroPython and
CPython (mp_scripts/p256_probe.py, csr_probe.py): public keys from private scalars,
signatures each way, tampered messages, signatures and points refused, and a CSR that
cryptography reads and whose signature it verifies."""
import os
import subprocess
import sys

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "p256_probe.py")
MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
RUNTIMES = {"micropython": ([MICROPYTHON], {"MICROPYPATH": ".frozen:lib"}),
            "cpython": ([sys.executable], {"PYTHONPATH": "lib"})}
ROUNDS = 5


def probe(runtime, lines):
    command, env = RUNTIMES[runtime]
    done = subprocess.run(command + [PROBE], cwd=ROOT, input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def point_hex(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint).hex()


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_signatures_verify_both_ways_and_tampering_is_refused(runtime):
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(ROUNDS)]
    messages = [os.urandom(20 + i * 50) for i in range(ROUNDS)]
    lines = []
    for key, message in zip(keys, messages):
        d = key.private_numbers().private_value
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        lines += ["public %d" % d, "sign %d %s" % (d, message.hex()),
                  "verify %s %s %d %d" % (point_hex(key), message.hex(), r, s),
                  "verify %s %s %d %d" % (point_hex(key), (message + b"x").hex(), r, s),
                  "verify %s %s %d %d" % (point_hex(key), message.hex(), r, s + 1)]
    answers = probe(runtime, lines)
    for i, (key, message) in enumerate(zip(keys, messages)):
        public, signed, good, other_message, other_s = answers[5 * i:5 * i + 5]
        assert public == point_hex(key)
        r, s = (int(n) for n in signed.split())
        key.public_key().verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        with pytest.raises(InvalidSignature):
            key.public_key().verify(encode_dss_signature(r, s), message + b"x",
                                    ec.ECDSA(hashes.SHA256()))
        assert (good, other_message, other_s) == ("True", "False", "False")


def test_points_off_the_curve_are_refused():
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    from x509 import p256

    good = bytes.fromhex(point_hex(ec.generate_private_key(ec.SECP256R1())))
    for bad in (good[:-1], b"\x02" + good[1:], good[:-1] + bytes([good[-1] ^ 1])):
        with pytest.raises(ValueError):
            p256.public_from_bytes(bad)
    assert not p256.verify((1, 2), b"m", (1, 1))


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_a_certificate_signing_request_that_cryptography_reads_and_verifies(runtime):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    command, env = RUNTIMES[runtime]
    done = subprocess.run(command + [os.path.join(ROOT, "host_tests", "mp_scripts",
                                                  "csr_probe.py"), "OpenVolt CPO \u00e9", "SIM-CP001"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    csr = x509.load_pem_x509_csr(done.stdout.encode())
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == \
        "OpenVolt CPO \u00e9"
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SIM-CP001"
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
    assert csr.public_key().curve.name == "secp256r1"
