"""Prints a PEM CSR from lib/x509/csr for a new P-256 key: csr_probe.py ORGANIZATION CN.
Runs under MicroPython and CPython."""
import sys

from x509 import p256
from x509.csr import certificate_request_pem

private, public = p256.new_private_key()
sys.stdout.write(certificate_request_pem(private, public, sys.argv[1], sys.argv[2]))
