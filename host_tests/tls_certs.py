"""Test PKI for the ws TLS tests (CPython only): a CA, server certificates that are valid,
for the wrong host, expired, or from another CA, and a client certificate; all DER."""
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_NOW = datetime.datetime.now(datetime.timezone.utc)
_DAY = datetime.timedelta(days=1)


class Issued:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.key_der = key.private_bytes(serialization.Encoding.DER,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem = key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(common_name))
            .issuer_name(_name(common_name)).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_NOW - _DAY).not_valid_after(_NOW + 30 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    return Issued(cert, key)


def issue(ca, common_name, dns=(), ips=(), expired=False, client=False):
    key = ec.generate_private_key(ec.SECP256R1())
    if expired:
        before, after = _NOW - 10 * _DAY, _NOW - 2 * _DAY
    else:
        before, after = _NOW - _DAY, _NOW + 30 * _DAY
    names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i))
                                              for i in ips]
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (x509.CertificateBuilder().subject_name(_name(common_name))
               .issuer_name(ca.cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(before).not_valid_after(after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


class Pki:
    def __init__(self):
        self.ca = make_ca("ws test CA")
        self.other_ca = make_ca("ws other CA")
        self.server = issue(self.ca, "ws test server", dns=["localhost"], ips=["127.0.0.1"])
        self.wrong_host = issue(self.ca, "other.example", dns=["other.example"])
        self.expired = issue(self.ca, "127.0.0.1", dns=["localhost"], ips=["127.0.0.1"],
                             expired=True)
        self.foreign = issue(self.other_ca, "127.0.0.1", dns=["localhost"], ips=["127.0.0.1"])
        self.client = issue(self.ca, "CP1", client=True)
