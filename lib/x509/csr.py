"""PKCS#10 certificate signing requests (RFC 2986) for the station's own P-256 key, as the
security whitepaper's SignCertificate.req carries them (A02.FR.03, A02.FR.13, A00.FR.511):
subject O = CpoName, CN = the station's serial number; signed with ECDSA-SHA256."""
from x509 import der_write as d
from x509 import p256
from x509.pem import der_to_pem

_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_PRIME256V1 = "1.2.840.10045.3.1.7"
_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
_ORGANIZATION = "2.5.4.10"
_COMMON_NAME = "2.5.4.3"


def _name(organization, common_name):
    return d.sequence(
        d.set_of(d.sequence(d.oid(_ORGANIZATION), d.utf8_string(organization))),
        d.set_of(d.sequence(d.oid(_COMMON_NAME), d.utf8_string(common_name))))


def certificate_request(private, public, organization, common_name):
    """The DER of a CSR for `public`, signed with `private`."""
    info = d.sequence(
        d.integer(0),
        _name(organization, common_name),
        d.sequence(d.sequence(d.oid(_EC_PUBLIC_KEY), d.oid(_PRIME256V1)),
                   d.bit_string(p256.public_to_bytes(public))),
        d.encode(0xA0, b""))  # attributes: none
    r, s = p256.sign(private, info)
    return d.sequence(info, d.sequence(d.oid(_ECDSA_WITH_SHA256)),
                      d.bit_string(d.sequence(d.integer(r), d.integer(s))))


def certificate_request_pem(private, public, organization, common_name):
    return der_to_pem(certificate_request(private, public, organization, common_name),
                      "CERTIFICATE REQUEST")
