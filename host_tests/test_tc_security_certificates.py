"""Compliance cases of the security extension's certificate management (OCTT TC_075_1,
TC_075_2 install, TC_076 delete; whitepaper M03, M04, M05) and the refusals around them,
the station running as on a board (see host_tests/tc.py). The hash data the station
reports is checked against cryptography's own OCSP CertID computation, as OCTT checks it
with its own."""
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

import certs
from tc import CentralThread, booted, call, security_station, wait_until

CS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"


def hash_data(issued, issuer=None):
    """CertificateHashData with the field names the ocpp package uses (it converts them to
    and from the wire's camelCase)."""
    issuer = issuer or issued
    request = ocsp.OCSPRequestBuilder().add_certificate(issued.cert, issuer.cert,
                                                        hashes.SHA256()).build()
    return {"hash_algorithm": "SHA256", "issuer_name_hash": request.issuer_name_hash.hex(),
            "issuer_key_hash": request.issuer_key_hash.hex(),
            "serial_number": "%X" % request.serial_number}


def install(cs, link, use, pem):
    text = pem.decode() if type(pem) is bytes else pem
    return cs.run(link.call(call.InstallCertificate(certificate_type=use,
                                                    certificate=text))).status


def installed(cs, link, use):
    answer = cs.run(link.call(call.GetInstalledCertificateIds(certificate_type=use)))
    return answer.status, answer.certificate_hash_data or []


def delete(cs, link, hash_data):
    return cs.run(link.call(call.DeleteCertificate(certificate_hash_data=hash_data))).status


def intermediate(ca, common_name):
    """A CA certificate issued by `ca` (not self-issued)."""
    key = certs._key("ec")
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(certs._name(common_name))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(ca.key, hashes.SHA256()))
    return certs.Issued(cert, key)


def expired_ca():
    key = certs._key("ec")
    day = datetime.timedelta(days=1)
    now = datetime.datetime.now(datetime.timezone.utc)
    name = certs._name("expired root")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - 30 * day).not_valid_after(now - day)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return certs.Issued(cert, key)


@pytest.mark.parametrize("use", [MANUFACTURER_ROOT, CS_ROOT])
def test_TC_075_install_a_certificate(use):
    """TC_075_1 (ManufacturerRootCertificate) and TC_075_2 (CentralSystemRootCertificate)."""
    root = certs.make_ca("TC_075 " + use, kind="rsa")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        assert installed(cs, link, use) == ("NotFound", [])
        assert install(cs, link, use, root.cert_pem) == "Accepted"
        assert installed(cs, link, use) == ("Accepted", [hash_data(root)])
        other = MANUFACTURER_ROOT if use == CS_ROOT else CS_ROOT
        assert installed(cs, link, other) == ("NotFound", [])
        assert install(cs, link, use, root.cert_pem) == "Accepted"  # again: stored once
        assert len(installed(cs, link, use)[1]) == 1
        assert station.alive


def test_TC_076_delete_a_specific_certificate_and_the_store_survives_a_reboot():
    first, second = certs.make_ca("TC_076 first"), certs.make_ca("TC_076 second", kind="rsa")
    maker = certs.make_ca("TC_076 maker")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        for issued in (first, second):
            assert install(cs, link, CS_ROOT, issued.cert_pem) == "Accepted"
        assert install(cs, link, MANUFACTURER_ROOT, maker.cert_pem) == "Accepted"
        status, ids = installed(cs, link, CS_ROOT)
        assert status == "Accepted" and ids == [hash_data(first), hash_data(second)]
        lowered = dict(ids[0], serial_number=ids[0]["serial_number"].lower())  # a CiString
        assert delete(cs, link, lowered) == "Accepted"
        assert installed(cs, link, CS_ROOT) == ("Accepted", [hash_data(second)])
        assert delete(cs, link, hash_data(first)) == "NotFound"  # gone already
        # AQ-1 = no: the last CentralSystemRootCertificate stays.
        assert delete(cs, link, hash_data(second)) == "Failed"
        assert delete(cs, link, hash_data(maker)) == "Accepted"  # the last manufacturer root
        assert installed(cs, link, MANUFACTURER_ROOT) == ("NotFound", [])

        assert cs.run(link.call(call.Reset(type="Soft"))).status == "Accepted"
        wait_until(lambda: len(cs.requests("BootNotification")) == 2, 30, "the reboot")
        link = cs.link("CP001")
        assert installed(cs, link, CS_ROOT) == ("Accepted", [hash_data(second)])
        assert station.alive


def test_a_ca_issued_by_an_installed_one_gets_its_issuers_key_hash():
    root = certs.make_ca("chain root")
    sub = intermediate(root, "chain sub CA")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs):
        link = booted(cs)
        assert install(cs, link, MANUFACTURER_ROOT, sub.cert_pem) == "Rejected"  # issuer unknown
        assert install(cs, link, MANUFACTURER_ROOT, root.cert_pem) == "Accepted"
        assert install(cs, link, MANUFACTURER_ROOT, sub.cert_pem) == "Accepted"
        assert installed(cs, link, MANUFACTURER_ROOT)[1] == [hash_data(root),
                                                             hash_data(sub, root)]


def test_invalid_certificates_are_rejected_and_nothing_stored_is_lost():
    kept = certs.make_ca("kept root")
    leaf = certs.issue(kept, "not a CA")
    good_pem = kept.cert_pem.decode()
    body = good_pem.splitlines()
    refused = {
        "a leaf, not a CA": leaf.cert_pem.decode(),
        "expired": expired_ca().cert_pem.decode(),
        "two certificates": good_pem + certs.make_ca("second").cert_pem.decode(),
        "no PEM": "hello",
        "bad base64": "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "no END line": "\n".join(body[:-1]),
        "DER garbage": "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n",
        "truncated DER": "\n".join(body[:3] + body[-1:]),
        # Names the installed root as its issuer, but another key with that name signed it.
        "forged issuer": intermediate(certs.make_ca("kept root"), "forged sub").cert_pem.decode(),
    }
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        assert install(cs, link, CS_ROOT, good_pem) == "Accepted"
        for what, pem in refused.items():
            assert install(cs, link, CS_ROOT, pem) == "Rejected", what
        assert installed(cs, link, CS_ROOT) == ("Accepted", [hash_data(kept)])
        other_hash = dict(hash_data(kept), hash_algorithm="SHA384")
        assert delete(cs, link, other_hash) == "NotFound"
        unknown = dict(hash_data(kept), serial_number="ABC")
        assert delete(cs, link, unknown) == "NotFound"
        assert station.alive


def test_the_store_is_bounded_by_certificate_store_max_length():
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs):
        link = booted(cs)
        listing = cs.run(link.call(call.GetConfiguration(
            key=["CertificateStoreMaxLength", "AdditionalRootCertificateCheck"])))
        values = {k["key"]: (k["value"], k["readonly"]) for k in listing.configuration_key}
        assert values["AdditionalRootCertificateCheck"] == ("false", True)
        maximum, readonly = values["CertificateStoreMaxLength"]
        assert readonly
        roots = [certs.make_ca("bound %d" % i) for i in range(int(maximum) + 1)]
        for root in roots[:-1]:
            assert install(cs, link, MANUFACTURER_ROOT, root.cert_pem) == "Accepted"
        assert install(cs, link, CS_ROOT, roots[-1].cert_pem) == "Rejected"  # M05.FR.03
        assert len(installed(cs, link, MANUFACTURER_ROOT)[1]) == int(maximum)


def test_a_wss_link_trusts_the_installed_central_system_roots(tmp_path):
    """The board's root is installed on the first boot; once the Central System has put
    another root in its place, a server certificate from the old one is refused."""
    factory = certs.make_ca("factory root")
    factory_path, _ = factory.write(str(tmp_path), "factory")
    context = certs.issue(factory, "localhost").server_context(str(tmp_path))
    replacement = certs.make_ca("replacement root")
    with CentralThread(ssl_context=context, heartbeat_interval_s=300) as cs, \
            security_station(cs, ["--ca", factory_path],
                       url=cs.url(host="localhost", scheme="wss")) as station:
        link = booted(cs)
        assert installed(cs, link, CS_ROOT) == ("Accepted", [hash_data(factory)])
        assert install(cs, link, CS_ROOT, replacement.cert_pem) == "Accepted"
        assert delete(cs, link, hash_data(factory)) == "Accepted"
        assert cs.run(link.call(call.Reset(type="Soft"))).status == "Accepted"
        station.wait_for_line("station: the board reset", 30)
        failed = station.wait_for_line("link: offline", 30)  # TLS refuses the server
        assert "certificate" in failed.lower() or "verif" in failed.lower(), failed
        assert len(cs.requests("BootNotification")) == 1
        assert station.alive


def events(cs, kind=None):
    return [p for p in cs.requests("SecurityEventNotification")
            if kind is None or p["type"] == kind]


def test_TC_078_invalid_central_system_certificate_security_event():
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        assert install(cs, link, CS_ROOT, expired_ca().cert_pem) == "Rejected"
        event = wait_until(lambda: events(cs, "InvalidCentralSystemCertificate"), 10,
                           "the security event")[0]
        assert "validity" in event["techInfo"]
        # Not for a manufacturer root: that is no Central System certificate.
        assert install(cs, link, MANUFACTURER_ROOT, expired_ca().cert_pem) == "Rejected"
        assert station.alive


def signed_for(csr_pem, ca, days=365):
    """The certificate a CA makes from the station's CSR (the test is the CA server)."""
    request = x509.load_pem_x509_csr(csr_pem.encode())
    assert request.is_signature_valid
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(request.subject)
            .issuer_name(ca.cert.subject).public_key(request.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca.key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def certificate_signed(cs, link, chain_pem):
    return cs.run(link.call(call.CertificateSigned(certificate_chain=chain_pem))).status


def sign_request(cs, link):
    seen = len(cs.requests("SignCertificate"))
    assert cs.run(link.call(call.ExtendedTriggerMessage(
        requested_message="SignChargePointCertificate"))).status == "Accepted"
    return wait_until(lambda: cs.requests("SignCertificate")[seen:], 10, "a CSR")[0]["csr"]


def test_TC_074_and_TC_077_charge_point_certificate_by_request_of_the_central_system():
    root = certs.make_ca("TC_074 root", kind="rsa")
    sub = intermediate(root, "TC_074 issuing CA")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        # A02 prerequisite: CpoName is set.
        assert cs.run(link.call(call.ExtendedTriggerMessage(
            requested_message="SignChargePointCertificate"))).status == "Rejected"
        assert cs.run(link.call(call.ChangeConfiguration(key="CpoName",
                                                         value="OpenVolt CPO"))).status == \
            "Accepted"
        assert install(cs, link, CS_ROOT, root.cert_pem) == "Accepted"
        csr = sign_request(cs, link)
        request = x509.load_pem_x509_csr(csr.encode())
        names = {a.oid._name: a.value for a in request.subject}
        assert names == {"organizationName": "OpenVolt CPO", "commonName": "SIM-CP001"}
        # TC_077: a certificate that is not for this request, or not under a trusted root.
        other_key_csr = x509.CertificateSigningRequestBuilder().subject_name(
            request.subject).sign(certs._key("ec"), hashes.SHA256())
        wrong = {
            "another key": signed_for(other_key_csr.public_bytes(
                serialization.Encoding.PEM).decode(), root),
            "an untrusted CA": signed_for(csr, certs.make_ca("stranger")),
            "garbage": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "a chain that skips a link": signed_for(csr, sub),
        }
        for what, pem in wrong.items():
            assert certificate_signed(cs, link, pem.decode()) == "Rejected", what
        wait_until(lambda: len(events(cs, "InvalidChargePointCertificate")) == len(wrong), 10,
                   "InvalidChargePointCertificate events")
        # TC_074: signed by the issuing CA under the installed root, with its chain.
        chain = signed_for(csr, sub) + sub.cert_pem
        assert certificate_signed(cs, link, chain.decode()) == "Accepted"
        assert station.alive


def ready_for_a_csr(cs, link, root):
    """A02's prerequisites: CpoName set, a CS root to sign the certificate under."""
    assert cs.run(link.call(call.ChangeConfiguration(key="CpoName", value="CPO"))).status \
        == "Accepted"
    assert install(cs, link, CS_ROOT, root.cert_pem) == "Accepted"


def reconnected(cs, station):
    """The link goes down and up again: the station's next connection."""
    old = cs.central.links.get("CP001")
    station.control("net down")
    wait_until(lambda: station.control("status")["connection"] != "online", 10, "offline")
    station.control("net up")
    return wait_until(lambda: cs.central.links.get("CP001") not in (None, old) and
                      station.control("status")["connection"] == "online" and
                      cs.central.links["CP001"], 20, "a new connection")


DAILY_CHECKS_DONE = "security: daily checks done"


def reconnected_and_checked(cs, station):
    """A new connection, once the station has made the checks it makes at each: a negative
    check after it is about a station that looked, not one that was slow to."""
    checks = sum(DAILY_CHECKS_DONE in line for line in station.lines)
    link = reconnected(cs, station)
    wait_until(lambda: sum(DAILY_CHECKS_DONE in line for line in station.lines) > checks, 20,
               "the checks at the new connection")
    return link


def test_A03_the_station_renews_its_certificate_a_month_before_it_expires():
    root = certs.make_ca("A03 root")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        ready_for_a_csr(cs, link, root)
        csr = sign_request(cs, link)
        # A year's certificate is not due: a reconnection asks for nothing.
        assert certificate_signed(cs, link, signed_for(csr, root).decode()) == "Accepted"
        asked = len(cs.requests("SignCertificate"))
        link = reconnected_and_checked(cs, station)
        assert len(cs.requests("SignCertificate")) == asked
        csr = sign_request(cs, link)
        # One that expires in ten days is renewed by the station itself at its next check.
        asked = len(cs.requests("SignCertificate"))
        assert certificate_signed(cs, link, signed_for(csr, root, days=10).decode()) == \
            "Accepted"
        reconnected(cs, station)
        renewal = wait_until(lambda: cs.requests("SignCertificate")[asked:], 20,
                             "the station's own CSR")[0]["csr"]
        names = {a.oid._name: a.value
                 for a in x509.load_pem_x509_csr(renewal.encode()).subject}
        assert names == {"organizationName": "CPO", "commonName": "SIM-CP001"}
        # Not asked again while that request is on its way (a day, A03's retry).
        link = reconnected_and_checked(cs, station)
        assert len(cs.requests("SignCertificate")) == asked + 1
        assert certificate_signed(cs, link, signed_for(renewal, root).decode()) == "Accepted"
        assert any("expires soon: renewing it" in line for line in station.lines)
        assert station.alive


def test_a_flash_getting_full_is_told_once_a_day_as_memory_exhaustion(tmp_path):
    with CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs, state=tmp_path) as station:
        booted(cs)
        assert events(cs, "MemoryExhaustion") == []
        # Something else fills the board's 2 MB data partition past 90 %.
        with open(str(tmp_path / "flash" / "other.bin"), "wb") as f:
            f.write(b"\xff" * (1900 * 1024))
        reconnected(cs, station)
        event = wait_until(lambda: events(cs, "MemoryExhaustion"), 10, "MemoryExhaustion")
        assert event[0]["techInfo"].startswith("flash 19") and "of 2048 KB" in event[0]["techInfo"]
        reconnected_and_checked(cs, station)
        assert len(events(cs, "MemoryExhaustion")) == 1  # not at every connection
        assert station.alive


def test_M05_additional_root_certificate_check(tmp_path):
    """One CS root at a time, replaced only by one it signed (M05.FR.08-11); the old one is
    the fallback while the Central System still uses it (M05.FR.13) and goes once a
    connection verified with the new one (M05.FR.12)."""
    old = certs.make_ca("old CS root")
    old_path, _ = old.write(str(tmp_path), "old")
    context = certs.issue(old, "localhost").server_context(str(tmp_path), "old-server")
    new = intermediate(old, "new CS root")  # signed by the old one
    with CentralThread(ssl_context=context, heartbeat_interval_s=300) as cs, \
            security_station(cs, ["--ca", old_path, "--additional-root-check"],
                             url=cs.url(host="localhost", scheme="wss")) as station:
        link = booted(cs)
        check = cs.run(link.call(call.GetConfiguration(key=["AdditionalRootCertificateCheck"])))
        assert check.configuration_key[0]["value"] == "true"
        assert install(cs, link, CS_ROOT, certs.make_ca("stranger").cert_pem) == "Rejected"
        assert install(cs, link, CS_ROOT, new.cert_pem) == "Accepted"
        serial = lambda hash_data: hash_data["serial_number"]  # noqa: E731
        assert sorted(installed(cs, link, CS_ROOT)[1], key=serial) == \
            sorted([hash_data(new, old), hash_data(old)], key=serial)
        assert delete(cs, link, hash_data(new, old)) == "Failed"  # in use: replaced only
        # The Central System still presents its old chain: verified with the fallback.
        link = reconnected(cs, station)
        assert len(installed(cs, link, CS_ROOT)[1]) == 2
        wait_until(lambda: events(cs, "InvalidCentralSystemCertificate"), 10,
                   "the new root's failure, before the fallback was tried")
        # It moves to the new root: the fallback goes after the first connection with it.
        new.write(str(tmp_path), "new")
        server = certs.issue(new, "localhost")
        server_cert, server_key = server.write(str(tmp_path), "new-server")
        context.load_cert_chain(server_cert, server_key)
        link = reconnected(cs, station)
        wait_until(lambda: installed(cs, link, CS_ROOT)[1] == [hash_data(new, old)], 10,
                   "the fallback removed")
        assert any("fallback CentralSystemRootCertificate removed" in line
                   for line in station.lines)
        assert station.alive


def test_an_oversized_certificate_chain_is_rejected():
    root = certs.make_ca("oversized root")
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        ready_for_a_csr(cs, link, root)
        leaf = signed_for(sign_request(cs, link), root)
        padding = "\n" * (8001 - len(leaf))  # over CertificateSignedMaxChainSize (8000)
        assert certificate_signed(cs, link, leaf.decode() + padding) == "Rejected"
        event = wait_until(lambda: events(cs, "InvalidChargePointCertificate"), 10, "event")
        assert "CertificateSignedMaxChainSize" in event[0]["techInfo"]
        assert certificate_signed(cs, link, leaf.decode()) == "Accepted"  # still pending
        assert station.alive


def test_bad_security_requests_get_answers_and_nothing_stored_is_lost():
    """Payloads the schemas allow but that make no sense: every one answered, the station
    keeps what it has."""
    root = certs.make_ca("kept through bad input")
    junk_pem = "-----BEGIN CERTIFICATE-----\n" + "QUFB" * 1300 + "\n-----END CERTIFICATE-----\n"
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        link = booted(cs)
        assert install(cs, link, CS_ROOT, root.cert_pem) == "Accepted"
        assert install(cs, link, MANUFACTURER_ROOT, junk_pem) == "Rejected"
        assert install(cs, link, CS_ROOT, "") == "Rejected"
        assert install(cs, link, CS_ROOT, "\x00" * 100) == "Rejected"
        for bad in ({"hash_algorithm": "SHA256", "issuer_name_hash": "", "issuer_key_hash": "",
                     "serial_number": ""},
                    dict(hash_data(root), serial_number="0" * 40)):
            assert delete(cs, link, bad) in ("NotFound", "Failed")
        # CertificateSigned without a request, with junk, with a CA certificate.
        for chain in (root.cert_pem.decode(), junk_pem, "x", root.cert_pem.decode() * 3):
            assert certificate_signed(cs, link, chain) == "Rejected"
        for location in ("", "ftp://", "http://[::1", "ftp://u:p@127.0.0.1:0/", "x" * 512):
            answer = get_log_status(cs, link, location)
            assert answer in ("Accepted", "AcceptedCanceled"), location
        with pytest.raises(Exception) as refused:  # the payload check answers it
            cs.run(link.call(call.GetLog(
                log={"remote_location": "http://127.0.0.1:9/",
                     "oldest_timestamp": "2026-13-45T99:00:00Z"},
                log_type="SecurityLog", request_id=99), suppress=False))
        assert "PropertyConstraintViolation" in repr(refused.value)
        assert installed(cs, link, CS_ROOT) == ("Accepted", [hash_data(root)])
        assert station.alive


def get_log_status(cs, link, location):
    return cs.run(link.call(call.GetLog(log={"remote_location": location},
                                        log_type="SecurityLog", request_id=1, retries=0))).status
