"""lib/x509 against the `cryptography` package: signatures (x509.verify), CertificateHashData
as the security
whitepaper defines it (the OCSP CertID hashes of RFC 6960, which cryptography computes
itself), names, validity and the CA flag, for RSA and EC keys, short and 20-byte serials,
UTCTime and GeneralizedTime, with and without extensions; and malformed input refused with
ValueError -- under MicroPython and CPython (mp_scripts/x509_probe.py)."""
import datetime
import json
import os
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

import certs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "x509_probe.py")
MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(ROOT, ".venv", "bin", "micropython")
LIB = os.path.join(ROOT, "lib")
RUNTIMES = {"micropython": ([MICROPYTHON], {"MICROPYPATH": ".frozen:" + LIB}),
            "cpython": ([sys.executable], {"PYTHONPATH": LIB})}


def probe(runtime, folder, arguments):
    """Runs the probe in `folder`, so that its arguments name the files there by their names:
    MicroPython's unix port aborts on an argument of 256 bytes or more, which two or three
    absolute paths can reach under a deep temporary folder (pytest -n adds a level)."""
    command, env = RUNTIMES[runtime]
    done = subprocess.run(command + [PROBE] + arguments, cwd=folder, capture_output=True,
                          text=True, timeout=30, env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def expected_hash(cert, issuer):
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {"hashAlgorithm": "SHA256", "issuerNameHash": request.issuer_name_hash.hex(),
            "issuerKeyHash": request.issuer_key_hash.hex(),
            "serialNumber": "%X" % request.serial_number}


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def odd_certificate(ca, serial, not_after, extensions=True):
    """A leaf with a chosen serial and end of validity; without extensions an X.509 v3
    certificate that has none at all."""
    key = certs._key("ec")
    builder = (x509.CertificateBuilder().subject_name(certs._name("odd"))
               .issuer_name(ca.cert.subject).public_key(key.public_key())
               .serial_number(serial)
               .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
               .not_valid_after(not_after))
    if extensions:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                        critical=True)
    return certs.Issued(builder.sign(ca.key, hashes.SHA256()), key)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("x509")
    rsa_root = certs.make_ca("x509 RSA root", kind="rsa")
    ec_root = certs.make_ca("x509 EC root", kind="ec")
    leaf = certs.issue(rsa_root, "leaf.example", hosts=["leaf.example"])
    far = odd_certificate(ec_root, 0x1F, datetime.datetime(2051, 6, 1, 12, 30, 5,
                                                            tzinfo=datetime.timezone.utc))
    long_serial = odd_certificate(ec_root, (1 << 159) - 12345,
                                  datetime.datetime(2049, 12, 31, 23, 59, 59,
                                                    tzinfo=datetime.timezone.utc), False)
    chosen = {"rsa_root": rsa_root, "ec_root": ec_root, "leaf": leaf, "far": far,
              "long_serial": long_serial}
    for name, issued in chosen.items():
        (folder / (name + ".der")).write_bytes(issued.cert_der)
    return folder, chosen


CASES = (("rsa_root", "rsa_root"), ("ec_root", "ec_root"), ("leaf", "rsa_root"),
         ("far", "ec_root"), ("long_serial", "ec_root"))


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_hash_data_names_validity_and_ca_flag_match_cryptography(pki, runtime):
    folder, issued = pki
    results = probe(runtime, folder, ["%s.der,%s.der" % (c, i) for c, i in CASES])
    for (name, issuer_name), result in zip(CASES, results):
        cert, issuer = issued[name].cert, issued[issuer_name].cert
        assert result["hash"] == expected_hash(cert, issuer), name
        assert result["notBefore"] == iso(cert.not_valid_before_utc), name
        assert result["notAfter"] == iso(cert.not_valid_after_utc), name
        assert result["selfIssued"] == (name == issuer_name), name
        assert result["ca"] == name.endswith("root"), name
        assert result["signedBy"] is True, name
    # 2051 is past UTCTime's range: GeneralizedTime, read right.
    assert results[3]["notAfter"] == "2051-06-01T12:30:05Z"
    assert results[3]["hash"]["serialNumber"] == "1F"


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_malformed_certificates_are_refused_with_value_error(pki, runtime):
    folder, issued = pki
    good = issued["leaf"].cert_der
    broken = {"empty": b"", "truncated": good[:len(good) // 2], "trailing": good + b"\x00",
              "not_der": b"-----BEGIN CERTIFICATE-----\n", "sequence_of_nothing": b"\x30\x00",
              "huge_length": b"\x30\x84\xff\xff\xff\xff" + good[4:],
              "inner_overrun": good[:4] + b"\x30\x82\xff\xff" + good[8:],
              "indefinite_length": b"\x30\x80" + good[4:]}
    names = []
    for name, data in broken.items():
        names.append("broken_%s.der" % name)
        (folder / names[-1]).write_bytes(data)
    for result in probe(runtime, folder, names):
        assert list(result) == ["error"] and result["error"], result


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_every_truncation_and_byte_flip_gives_an_answer_never_a_crash(pki, runtime):
    folder, issued = pki
    good = issued["leaf"].cert_der
    names = []
    for cut in range(0, len(good), 7):
        variants = [good[:cut], good[:cut] + bytes([good[cut] ^ 0xFF]) + good[cut + 1:]]
        for n, data in enumerate(variants):
            names.append("mutant_%d_%d.der" % (cut, n))
            (folder / names[-1]).write_bytes(data)
    results = probe(runtime, folder, names)  # an escaping exception fails the probe
    assert len(results) == len(names)
    assert all(r.get("error") for r in results[0::2])  # every truncation is refused


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_a_signature_by_another_key_or_over_changed_bytes_is_refused(pki, runtime):
    folder, issued = pki
    forged = bytearray(issued["leaf"].cert_der)
    at = forged.find(b"leaf.example")
    forged[at] ^= 0x01  # a changed subject under the old signature
    (folder / "forged.der").write_bytes(bytes(forged))
    pairs = [("leaf", "ec_root"), ("far", "rsa_root"), ("rsa_root", "ec_root"),
             ("ec_root", "leaf")]
    results = probe(runtime, folder, ["%s.der,%s.der" % (c, i) for c, i in pairs] +
                    ["forged.der,rsa_root.der"])
    assert [r["signedBy"] for r in results] == [False] * 5


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_file_signatures_ecdsa_rsa_pss_and_pkcs1_and_what_must_fail(tmp_path, runtime):
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    image = os.urandom(3000) + b"firmware"
    (tmp_path / "image.bin").write_bytes(image)
    (tmp_path / "other.bin").write_bytes(image + b"!")
    ec_signer = certs.issue(certs.make_ca("fw EC root"), "ec signer", hosts=())
    rsa_signer = certs.issue(certs.make_ca("fw RSA root", kind="rsa"), "rsa signer", hosts=(),
                             kind="rsa")
    der_signature = ec_signer.key.sign(image, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der_signature)
    signatures = {
        "ecdsa_der": (ec_signer, der_signature),
        "ecdsa_raw": (ec_signer, r.to_bytes(32, "big") + s.to_bytes(32, "big")),
        "pss_max": (rsa_signer, rsa_signer.key.sign(image, padding.PSS(
            padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH), hashes.SHA256())),
        "pss_32": (rsa_signer, rsa_signer.key.sign(image, padding.PSS(
            padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())),
        "pkcs1": (rsa_signer, rsa_signer.key.sign(image, padding.PKCS1v15(), hashes.SHA256())),
    }
    arguments = []
    for name, (signer, signature) in signatures.items():
        (tmp_path / (name + ".der")).write_bytes(signer.cert_der)
        (tmp_path / (name + ".sig")).write_bytes(signature)
        arguments += ["%s.der,image.bin,%s.sig" % (name, name),
                      "%s.der,other.bin,%s.sig" % (name, name)]
    # A signature by the other key type, and a flipped byte.
    (tmp_path / "flipped.sig").write_bytes(bytes([der_signature[0]]) + bytes(
        [der_signature[1] ^ 1]) + der_signature[2:])
    arguments += ["pkcs1.der,image.bin,ecdsa_der.sig", "ecdsa_der.der,image.bin,flipped.sig"]
    command, env = RUNTIMES[runtime]
    # In tmp_path, the files by their names: see probe().
    done = subprocess.run(command + [os.path.join(ROOT, "host_tests", "mp_scripts",
                                                  "filesig_probe.py")] + arguments,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"] * len(signatures) + ["False", "False"]
