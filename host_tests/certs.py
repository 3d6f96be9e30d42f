"""Test PKI made with the `cryptography` package (CPython only): CAs, server certificates for
loopback (valid, expired, for another host, from another CA) and client certificates, as
DER and PEM, plus the files and server contexts the tests need.
"""
import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_NAMES = ("localhost", "127.0.0.1")
_DAY = datetime.timedelta(days=1)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenVolt Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _key_bytes(key, encoding):
    return key.private_bytes(encoding, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class Issued:
    """A certificate with its private key, in both encodings, and helpers to save or serve it."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.key_der = _key_bytes(key, serialization.Encoding.DER)
        self.key_pem = _key_bytes(key, serialization.Encoding.PEM)

    def write(self, folder, stem):
        """Writes stem.pem (certificate) and stem.key (key); returns both paths."""
        cert_path = os.path.join(folder, stem + ".pem")
        key_path = os.path.join(folder, stem + ".key")
        with open(cert_path, "wb") as f:
            f.write(self.cert_pem)
        with open(key_path, "wb") as f:
            f.write(self.key_pem)
        return cert_path, key_path

    def server_context(self, folder, stem="server"):
        cert_path, key_path = self.write(folder, stem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context


def make_ca(common_name="OpenVolt Test Root", kind="ec"):
    key = _key(kind)
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY).not_valid_after(now + 3650 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return Issued(cert, key)


def issue(ca, common_name, hosts=LOOPBACK_NAMES, expired=False, client=False, kind="ec"):
    """A leaf certificate signed by `ca` for `hosts` (DNS names and IP addresses)."""
    key = _key(kind)
    now = _now()
    if expired:
        not_before, not_after = now - 30 * _DAY, now - _DAY
    else:
        not_before, not_after = now - _DAY, now + 365 * _DAY
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (x509.CertificateBuilder()
               .subject_name(_name(common_name)).issuer_name(ca.cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


class Pki:
    """Everything the TLS tests connect with or must refuse."""

    def __init__(self):
        self.ca = make_ca("ws test CA")
        self.other_ca = make_ca("ws other CA")
        self.server = issue(self.ca, "ws test server")
        self.wrong_host = issue(self.ca, "other.example", hosts=["other.example"])
        self.expired = issue(self.ca, "127.0.0.1", expired=True)
        self.foreign = issue(self.other_ca, "127.0.0.1")
        self.client = issue(self.ca, "CP1", hosts=(), client=True)
