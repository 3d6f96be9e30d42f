"""X.509 certificates for the OCPP security extension, read with a small DER reader of our
own (der.py) so the same code runs on MicroPython and CPython. Import the module you need."""
