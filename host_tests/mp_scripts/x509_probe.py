"""Reads certificates with lib/x509 and prints one JSON line per argument: the fields and
the CertificateHashData, or {"error": ...}. Each argument is CERT.der or CERT.der,ISSUER.der
(without an issuer the certificate is its own). Runs under MicroPython and CPython."""
import json
import sys

from x509.cert import Certificate, hash_data
from x509.verify import signed_by


def read(path):
    with open(path, "rb") as f:
        return f.read()


def describe(argument):
    paths = argument.split(",")
    try:
        cert = Certificate(read(paths[0]))
        issuer = Certificate(read(paths[1])) if len(paths) > 1 else cert
    except ValueError as error:
        return {"error": str(error)}
    return {"hash": hash_data(cert, issuer.public_key), "ca": cert.is_ca,
            "signedBy": signed_by(cert, issuer),
            "selfIssued": cert.self_issued, "notBefore": cert.not_before,
            "notAfter": cert.not_after}


for argument in sys.argv[1:]:
    print(json.dumps(describe(argument)))
