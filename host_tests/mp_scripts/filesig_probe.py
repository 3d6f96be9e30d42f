"""Prints True or False per argument SIGNER.der,FILE,SIGNATURE: whether lib/x509/verify
accepts the signature of the file by the signer's key (the file hashed as it is read).
Runs under MicroPython and CPython."""
import hashlib
import sys

from x509.cert import Certificate
from x509.verify import file_signed_by


def read(path):
    with open(path, "rb") as f:
        return f.read()


for argument in sys.argv[1:]:
    signer, path, signature = argument.split(",")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        chunk = f.read(512)
        while chunk:
            digest.update(chunk)
            chunk = f.read(512)
    print(file_signed_by(Certificate(read(signer)), digest.digest(), read(signature)))
