"""lib/x509/p256 under the runtime that runs this: reads lines "verify PUBHEX MSGHEX R S" or
"sign D MSGHEX" or "public D" on stdin and prints one answer line each (True/False, "r s",
the public point in hex)."""
import sys

from x509 import p256

for line in sys.stdin.read().splitlines():
    words = line.split()
    if words[0] == "verify":
        public = p256.public_from_bytes(bytes.fromhex(words[1]))
        print(p256.verify(public, bytes.fromhex(words[2]), (int(words[3]), int(words[4]))))
    elif words[0] == "sign":
        r, s = p256.sign(int(words[1]), bytes.fromhex(words[2]))
        print("%d %d" % (r, s))
    elif words[0] == "public":
        print(p256.public_to_bytes(p256.multiply(int(words[1]))).hex())
