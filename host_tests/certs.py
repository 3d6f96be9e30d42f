"""Test PKI made with the `cryptography` package: a CA, server certificates for loopback
(valid, expired, for another host), written as PEM files for the servers and the station.
"""
import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

LOOPBACK_NAMES = ("localhost", "127.0.0.1")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenVolt Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class Issued:
    """A certificate with its private key, and the helpers to save or serve it."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    @property
    def der(self):
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self):
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def write(self, folder, stem):
        """Writes stem.pem (certificate) and stem.key (key); returns both paths."""
        cert_path = os.path.join(folder, stem + ".pem")
        key_path = os.path.join(folder, stem + ".key")
        with open(cert_path, "wb") as f:
            f.write(self.pem)
        with open(key_path, "wb") as f:
            f.write(self.key_pem())
        return cert_path, key_path

    def server_context(self, folder, stem="server"):
        cert_path, key_path = self.write(folder, stem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context


def make_ca(common_name="OpenVolt Test Root", kind="rsa"):
    key = _key(kind)
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return Issued(cert, key)


def issue(ca, common_name, hosts=LOOPBACK_NAMES, valid_days=365, expired=False, kind="rsa",
          client=False):
    """A leaf certificate signed by `ca` for `hosts` (DNS names and IP addresses)."""
    key = _key(kind)
    now = _now()
    if expired:
        not_before, not_after = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        not_before, not_after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=valid_days)
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    usage = x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else \
        x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
    builder = (x509.CertificateBuilder()
               .subject_name(_name(common_name)).issuer_name(ca.cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)
