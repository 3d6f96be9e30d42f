"""What the station needs of an X.509 certificate (RFC 5280): its names, serial number,
validity, public key and CA flag, its signature (x509.verify checks it), and the OCPP
CertificateHashData that identifies it.

`Certificate(der)` raises ValueError for anything that is not a well-formed certificate.
Names are kept as their DER bytes (tag and length included): the hashes of the security
whitepaper are computed over exactly those, and names are compared byte for byte.
"""
import hashlib

from x509 import der

# 2.5.29.19, basicConstraints
_BASIC_CONSTRAINTS = b"\x55\x1d\x13"
# The version field of tbsCertificate: [0] EXPLICIT
_VERSION_TAG = 0xA0
_EXTENSIONS_TAG = 0xA3


class Certificate:
    def __init__(self, data):
        data = bytes(data)
        self.der = data
        try:
            self._parse(data)
        except (IndexError, TypeError, UnicodeError) as error:  # a field of the wrong shape
            raise ValueError("certificate: malformed (%s)" % (error,))

    def _parse(self, data):
        outer = der.expect(der.element(data, 0), der.SEQUENCE, "certificate")
        if outer[2] != len(data):
            raise ValueError("DER: bytes after the certificate")
        parts = der.children(data, outer[1], outer[2])
        if len(parts) != 3:
            raise ValueError("certificate: %d parts, expected 3" % len(parts))
        tbs = der.expect(parts[0], der.SEQUENCE, "tbsCertificate")
        self.signed_part = data[tbs[3]:tbs[2]]
        algorithm = _inside(data, parts[1], der.SEQUENCE, "signatureAlgorithm")
        oid = der.expect(algorithm[0], der.OID, "signature algorithm")
        self.signature_algorithm = data[oid[1]:oid[2]]
        signature = der.expect(parts[2], der.BIT_STRING, "signatureValue")
        if signature[2] - signature[1] < 2 or data[signature[1]] != 0:
            raise ValueError("signatureValue: not a whole number of bytes")
        self.signature = data[signature[1] + 1:signature[2]]
        fields = der.children(data, tbs[1], tbs[2])
        if fields and fields[0][0] == _VERSION_TAG:
            fields = fields[1:]
        if len(fields) < 6:
            raise ValueError("tbsCertificate: %d fields, expected at least 6" % len(fields))
        serial = der.expect(fields[0], der.INTEGER, "serialNumber")
        self.serial = data[serial[1]:serial[2]]
        issuer = der.expect(fields[2], der.SEQUENCE, "issuer")
        self.issuer = data[issuer[3]:issuer[2]]
        validity = _inside(data, fields[3], der.SEQUENCE, "validity")
        if len(validity) != 2:
            raise ValueError("validity: %d times, expected 2" % len(validity))
        self.not_before = _time(data, validity[0])
        self.not_after = _time(data, validity[1])
        subject = der.expect(fields[4], der.SEQUENCE, "subject")
        self.subject = data[subject[3]:subject[2]]
        key_info = _inside(data, fields[5], der.SEQUENCE, "subjectPublicKeyInfo")
        if len(key_info) != 2:
            raise ValueError("subjectPublicKeyInfo: %d parts, expected 2" % len(key_info))
        key_algorithm = _inside(data, key_info[0], der.SEQUENCE, "algorithm")
        oid = der.expect(key_algorithm[0], der.OID, "key algorithm")
        self.key_algorithm = data[oid[1]:oid[2]]
        self.key_parameters = None  # the named curve of an EC key
        if len(key_algorithm) > 1 and key_algorithm[1][0] == der.OID:
            self.key_parameters = data[key_algorithm[1][1]:key_algorithm[1][2]]
        key = der.expect(key_info[1], der.BIT_STRING, "subjectPublicKey")
        if key[2] - key[1] < 2 or data[key[1]] != 0:
            raise ValueError("subjectPublicKey: not a whole number of bytes")
        self.public_key = data[key[1] + 1:key[2]]
        self.is_ca = False
        for field in fields[6:]:
            if field[0] == _EXTENSIONS_TAG:
                self._read_extensions(data, field)

    def _read_extensions(self, data, field):
        extensions = der.expect(der.element(data, field[1], field[2]), der.SEQUENCE,
                                "extensions")
        for extension in der.children(data, extensions[1], extensions[2]):
            parts = _inside(data, extension, der.SEQUENCE, "extension")
            if len(parts) < 2:
                raise ValueError("extension: %d parts" % len(parts))
            oid = der.expect(parts[0], der.OID, "extnID")
            if data[oid[1]:oid[2]] != _BASIC_CONSTRAINTS:
                continue
            value = der.expect(parts[-1], der.OCTET_STRING, "extnValue")
            constraints = der.expect(der.element(data, value[1], value[2]), der.SEQUENCE,
                                     "basicConstraints")
            inner = der.children(data, constraints[1], constraints[2])
            self.is_ca = bool(inner) and inner[0][0] == der.BOOLEAN and \
                data[inner[0][1]:inner[0][2]] != b"\x00"

    @property
    def self_issued(self):
        return self.issuer == self.subject

    def serial_hex(self):
        """The serial number in hex without leading zeroes, as CertificateHashData has it."""
        return self.serial.hex().upper().lstrip("0") or "0"


def sha256_hex(data):
    return hashlib.sha256(data).digest().hex()


def hash_data(certificate, issuer_public_key):
    """CertificateHashData (SHA256) of a certificate whose issuer has that public key."""
    return {"hashAlgorithm": "SHA256", "issuerNameHash": sha256_hex(certificate.issuer),
            "issuerKeyHash": sha256_hex(issuer_public_key),
            "serialNumber": certificate.serial_hex()}


def _inside(data, child, tag, what):
    """The elements inside `child`, which must have `tag`."""
    der.expect(child, tag, what)
    return der.children(data, child[1], child[2])


def _time(data, child):
    """An ISO 8601 UTC time ('2026-12-02T13:00:00Z') from a UTCTime or GeneralizedTime."""
    text = bytes(data[child[1]:child[2]]).decode()
    if child[0] == der.UTC_TIME and len(text) == 13:
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text  # RFC 5280 4.1.2.5.1
    elif child[0] != der.GENERALIZED_TIME or len(text) != 15:
        raise ValueError("validity: unsupported time %r" % text)
    if text[-1] != "Z" or not text[:-1].isdigit():
        raise ValueError("validity: unsupported time %r" % text)
    return "%s-%s-%sT%s:%s:%sZ" % (text[:4], text[4:6], text[6:8], text[8:10], text[10:12],
                                   text[12:14])
