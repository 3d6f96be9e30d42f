"""Compliance cases of the security extension's credentials and profiles (OCTT TC_073: a
new AuthorizationKey, whitepaper A01; TC_084: no downgrade, A05), the station running as on a
board (see host_tests/tc.py) against the Central System with Basic authentication on."""
import base64
import datetime

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

import certs
from tc import CentralThread, booted, call, security_station, wait_until
from tools.csms import StationLink

# Keys whose bytes are not text: ':' (3a), NUL, CR LF, DEL, 0xff. The password on the wire is
# these bytes, decoded (OCTT TC_085, 2025 edition); the Central System refuses the digits.
OLD_KEY = "3a00ff0d0a7f80013a3a9bdeadbeef3a"  # 16 bytes
NEW_KEY = "C03A0001FE7F3A0D0AFF80DEADBEEF3A3A00AA55"  # 20 bytes


def relinked(cs, old):
    """The station's next connection after `old`."""
    return wait_until(lambda: cs.central.links.get("CP001") not in (None, old) and
                      cs.central.links["CP001"], 10, "a new connection")


def change(cs, link, key, value):
    return cs.run(link.call(call.ChangeConfiguration(key=key, value=value))).status


def test_TC_073_update_the_basic_authentication_password():
    with CentralThread(heartbeat_interval_s=300, passwords={"CP001": OLD_KEY}) as cs, \
            security_station(cs, ["--password", OLD_KEY]) as station:
        link = booted(cs)
        for refused in ("00112233", "4F43415F4F4354545F61646D696E5F7465737", "Z" * 32,
                        "0" * 42, ""):
            assert change(cs, link, "AuthorizationKey", refused) == "Rejected", refused
        assert cs.central.rejected_auth == 0 and cs.central.links["CP001"] is link

        assert change(cs, link, "AuthorizationKey", NEW_KEY) == "Accepted"
        cs.central.passwords["CP001"] = NEW_KEY  # A01.FR.03: the old one is no longer valid
        link = relinked(cs, link)
        assert len(cs.requests("BootNotification")) == 1  # a reconnect, not a reboot
        answer = cs.run(link.call(call.GetConfiguration(key=["AuthorizationKey"])))
        assert answer.configuration_key in (None, []) and \
            answer.unknown_key == ["AuthorizationKey"]  # write-only
        assert not [line for line in station.lines if NEW_KEY in line]  # A01.FR.12

        # Kept across a reboot: the Central System takes only the new key now.
        assert cs.run(link.call(call.Reset(type="Hard"))).status == "Accepted"
        wait_until(lambda: len(cs.requests("BootNotification")) == 2, 30, "boot after reset")
        assert station.alive


def profile(cs, link):
    answer = cs.run(link.call(call.GetConfiguration(key=["SecurityProfile"])))
    return answer.configuration_key[0]["value"]


def test_TC_084_downgrade_security_profile_rejected(tmp_path):
    ca = certs.make_ca()
    ca_path, _ = ca.write(str(tmp_path), "ca")
    context = certs.issue(ca, "localhost").server_context(str(tmp_path))
    with CentralThread(ssl_context=context, passwords={"CP001": OLD_KEY},
                       heartbeat_interval_s=300) as cs, \
            security_station(cs, ["--password", OLD_KEY, "--ca", ca_path],
                       url=cs.url(host="localhost", scheme="wss")) as station:
        link = booted(cs)
        assert profile(cs, link) == "2"  # provisioned: TLS with Basic auth
        for lower_or_same in ("1", "0", "2"):  # A05.FR.01
            assert change(cs, link, "SecurityProfile", lower_or_same) == "Rejected"
        assert change(cs, link, "SecurityProfile", "3") == "Rejected"  # no CP certificate
        assert change(cs, link, "SecurityProfile", "4") == "Rejected"
        assert profile(cs, link) == "2" and cs.central.links["CP001"] is link
        assert station.alive


def test_raising_the_profile_needs_its_prerequisites():
    with CentralThread(heartbeat_interval_s=300) as cs, security_station(cs):
        link = booted(cs)
        assert profile(cs, link) == "0"
        # A05.FR.02: no valid AuthorizationKey; A05.FR.03: no CS root installed.
        assert change(cs, link, "SecurityProfile", "2") == "Rejected"
        assert cs.run(link.call(call.InstallCertificate(
            certificate_type="CentralSystemRootCertificate",
            certificate=certs.make_ca().cert_pem.decode()))).status == "Accepted"
        assert change(cs, link, "SecurityProfile", "2") == "Rejected"  # the key still
        assert profile(cs, link) == "0" and cs.central.links["CP001"] is link


def events(cs):
    return [(p["type"], p.get("techInfo")) for p in cs.requests("SecurityEventNotification")]


def test_security_events_startup_reset_credentials_and_refused_authentication():
    with CentralThread(heartbeat_interval_s=300, passwords={"CP001": NEW_KEY}) as cs, \
            security_station(cs, ["--password", OLD_KEY]) as station:
        station.wait_for_line("401", 15)  # refused: the event waits in RAM
        cs.central.passwords["CP001"] = OLD_KEY
        link = booted(cs, 30)
        wait_until(lambda: len(events(cs)) >= 2, 10, "the first security events")
        kinds = [kind for kind, _ in events(cs)]
        assert kinds[:2] == ["FailedToAuthenticateAtCentralSystem", "StartupOfTheDevice"]

        assert change(cs, link, "AuthorizationKey", NEW_KEY) == "Accepted"
        cs.central.passwords["CP001"] = NEW_KEY
        link = relinked(cs, link)
        wait_until(lambda: ("ReconfigurationOfSecurityParameters", "AuthorizationKey")
                   in events(cs), 15, "the reconfiguration event")
        assert not [line for line in station.lines if NEW_KEY in line]

        assert cs.run(link.call(call.Reset(type="Soft"))).status == "Accepted"
        # Critical: written before the restart, delivered after it, once.
        wait_until(lambda: ("ResetOrReboot", "Soft") in events(cs), 30, "ResetOrReboot")
        wait_until(lambda: [k for k, _ in events(cs)].count("StartupOfTheDevice") == 2, 10,
                   "the second startup")
        assert [k for k, _ in events(cs)].count("ResetOrReboot") == 1


class TwoCentralSystems:
    """A station on profile 1 at a ws:// Central System, whose --csms-tls is a second one
    serving wss:// with a server certificate from `server_root`."""

    def __init__(self, tmp_path, server_root):
        passwords = {"CP001": OLD_KEY}
        context = certs.issue(server_root, "localhost").server_context(str(tmp_path))
        self.plain = CentralThread(heartbeat_interval_s=300, passwords=passwords)
        self.secure = CentralThread(ssl_context=context, passwords=passwords,
                                    heartbeat_interval_s=300)
        self.station = None

    def __enter__(self):
        self.plain.__enter__()
        self.secure.__enter__()
        self.station = security_station(self.plain, ["--password", OLD_KEY, "--csms-tls",
                                               self.secure.url(host="localhost",
                                                               scheme="wss")]).__enter__()
        return self

    def __exit__(self, *exc):
        self.station.__exit__(*exc)
        self.secure.__exit__(*exc)
        self.plain.__exit__(*exc)

    def install_root(self, link, root):
        return self.plain.run(link.call(call.InstallCertificate(
            certificate_type="CentralSystemRootCertificate",
            certificate=root.cert_pem.decode()))).status


def test_TC_083_upgrade_security_profile_from_1_to_2(tmp_path):
    ca = certs.make_ca("TC_083 root")
    with TwoCentralSystems(tmp_path, ca) as both:
        plain, secure = both.plain, both.secure
        link = booted(plain)
        assert change(plain, link, "SecurityProfile", "2") == "Rejected"  # no CS root yet
        assert both.install_root(link, ca) == "Accepted"
        assert change(plain, link, "SecurityProfile", "2") == "Accepted"
        tls_link = secure.link("CP001")  # a reconnect over TLS, not a reboot
        assert profile(secure, tls_link) == "2"
        assert secure.requests("BootNotification") == []
        assert change(secure, tls_link, "SecurityProfile", "1") == "Rejected"  # TC_084
        # Kept across a reboot: it boots over TLS.
        assert secure.run(tls_link.call(call.Reset(type="Hard"))).status == "Accepted"
        wait_until(lambda: secure.requests("BootNotification"), 30, "the boot over TLS")
        assert len(plain.requests("BootNotification")) == 1
        assert both.station.alive


def test_a_raised_profile_that_cannot_connect_falls_back(tmp_path):
    with TwoCentralSystems(tmp_path, certs.make_ca("the server's root")) as both:
        plain = both.plain
        link = booted(plain)
        assert both.install_root(link, certs.make_ca("not the server's root")) == "Accepted"
        assert change(plain, link, "SecurityProfile", "2") == "Accepted"
        both.station.wait_for_line("back to 1", 15)  # A05.FR.08: the server is not trusted
        link = relinked(plain, link)
        assert profile(plain, link) == "1"
        assert both.secure.central.links == {}
        # Kept in RAM while offline, sent once the link is back.
        wait_until(lambda: "InvalidCentralSystemCertificate" in
                   [p["type"] for p in plain.requests("SecurityEventNotification")], 10,
                   "the event of the untrusted server")
        assert both.station.alive


def peer_certificate(link):
    """The client certificate the station presented on this connection, or None."""
    return link._connection.transport.get_extra_info("peercert") or None


def test_TC_074_and_TC_087_profile_3_with_the_stations_own_certificate(tmp_path):
    import ssl

    from test_tc_security_certificates import certificate_signed, intermediate, sign_request, \
        signed_for

    root = certs.make_ca("profile 3 root")
    root_path, _ = root.write(str(tmp_path), "root")
    context = certs.issue(root, "localhost").server_context(str(tmp_path))
    context.verify_mode = ssl.CERT_OPTIONAL  # profile 2 presents none, profile 3 its own
    context.load_verify_locations(cadata=root.cert_der)
    with CentralThread(ssl_context=context, passwords={"CP001": OLD_KEY},
                       heartbeat_interval_s=300) as cs, \
            security_station(cs, ["--password", OLD_KEY, "--ca", root_path],
                       url=cs.url(host="localhost", scheme="wss")) as station:
        link = booted(cs)
        assert peer_certificate(link) is None and profile(cs, link) == "2"
        assert change(cs, link, "SecurityProfile", "3") == "Rejected"  # no certificate yet
        assert change(cs, link, "CpoName", "OpenVolt CPO") == "Accepted"
        first = signed_for(sign_request(cs, link), root)
        assert certificate_signed(cs, link, first.decode()) == "Accepted"
        assert change(cs, link, "SecurityProfile", "3") == "Accepted"
        link = relinked(cs, link)
        presented = peer_certificate(link)
        assert presented and dict(x[0] for x in presented["subject"])["commonName"] == \
            "SIM-CP001"
        # TC_074: a renewed certificate is used at once: the station reconnects with it.
        # This one is issued by an intermediate CA that the Central System does not know: it
        # reaches the root only because the station presents that CA with it.
        issuing = intermediate(root, "profile 3 issuing CA")
        renewed = signed_for(sign_request(cs, link), issuing) + issuing.cert_pem
        assert certificate_signed(cs, link, renewed.decode()) == "Accepted"
        link = relinked(cs, link)
        assert peer_certificate(link)["serialNumber"] != presented["serialNumber"]
        assert len(cs.requests("BootNotification")) == 1
        # TC_087: after a reset the station boots presenting its certificate.
        assert cs.run(link.call(call.Reset(type="Hard"))).status == "Accepted"
        wait_until(lambda: len(cs.requests("BootNotification")) == 2, 30, "the reboot")
        link = cs.link("CP001")
        assert peer_certificate(link)["serialNumber"] != presented["serialNumber"]
        assert station.alive


def provisioned(cs, tmp_path, root, cert_path, key_path):
    """The station provisioned with `root` as its CS root and its own certificate and key,
    connecting to `cs` over wss://."""
    root_path, _ = root.write(str(tmp_path), "root")
    return security_station(cs, ["--ca", root_path, "--cert", cert_path, "--key", key_path],
                            url=cs.url(host="localhost", scheme="wss"))


def mutual_tls(tmp_path, root):
    """A Central System that requires a client certificate issued under `root`."""
    import ssl

    context = certs.issue(root, "localhost").server_context(str(tmp_path))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=root.cert_der)
    return CentralThread(ssl_context=context, heartbeat_interval_s=300)


def test_a_board_provisioned_with_its_own_certificate_starts_on_profile_3(tmp_path):
    """Nothing but the Central System's root and the station's certificate and key: mutual
    TLS from the first connection, the certificate presented with the CA that issued it."""
    from test_tc_security_certificates import intermediate

    root = certs.make_ca("provisioning root")
    issuing = intermediate(root, "provisioning CA")
    own = certs.issue(issuing, "SIM-CP001", hosts=(), client=True)
    cert_path = str(tmp_path / "cp.pem")
    with open(cert_path, "wb") as f:
        f.write(own.cert_pem + issuing.cert_pem)
    _, key_path = own.write(str(tmp_path), "cp-key")
    with mutual_tls(tmp_path, root) as cs, \
            provisioned(cs, tmp_path, root, cert_path, key_path) as station:
        link = booted(cs)
        assert dict(x[0] for x in peer_certificate(link)["subject"])["commonName"] == \
            "SIM-CP001"
        assert profile(cs, link) == "3"
        assert change(cs, link, "SecurityProfile", "2") == "Rejected"  # A05.FR.01
        assert station.alive


def test_a_key_tls_cannot_use_is_told_and_the_station_runs_on(tmp_path):
    """A corrupt provisioned key: told in one line, the connection made without it (the
    Central System refuses that), the station up and trying."""
    root = certs.make_ca("provisioning root")
    cert_path, _ = certs.issue(root, "SIM-CP001", hosts=(), client=True).write(str(tmp_path),
                                                                               "cp")
    key_path = str(tmp_path / "broken.key")
    with open(key_path, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n")
    with mutual_tls(tmp_path, root) as cs, \
            provisioned(cs, tmp_path, root, cert_path, key_path) as station:
        station.wait_for_line("the station's certificate or key is unusable", 15)
        station.wait_for_line("link:", 15)  # it goes on trying to connect
        assert cs.central.links == {} and station.alive


def test_TC_085_basic_authentication_valid_username_and_password():
    # The Central System answers 101 only to Basic <identity>:<the AuthorizationKey's bytes>.
    with CentralThread(heartbeat_interval_s=300, passwords={"CP001": OLD_KEY}) as cs, \
            security_station(cs, ["--password", OLD_KEY]):
        link = booted(cs)
        assert cs.central.rejected_auth == 0
        assert cs.central.authorizations == [
            "Basic " + base64.b64encode(b"CP001:" + bytes.fromhex(OLD_KEY)).decode()]
        statuses = cs.requests("StatusNotification")[:3]
        assert [s["connectorId"] for s in statuses] == [0, 1, 2]
        assert profile(cs, link) == "1"


def test_TC_086_tls_server_side_certificate_valid_and_the_invalid_ones_refused(tmp_path):
    root = certs.make_ca("TC_086 root")
    root_path, _ = root.write(str(tmp_path), "root")
    valid = certs.issue(root, "localhost").server_context(str(tmp_path), "valid")
    with CentralThread(ssl_context=valid, passwords={"CP001": OLD_KEY}) as cs, \
            security_station(cs, ["--password", OLD_KEY, "--ca", root_path],
                       url=cs.url(host="localhost", scheme="wss")):
        booted(cs)
    refused = {
        "expired": certs.issue(root, "localhost", expired=True),
        "another host": certs.issue(root, "other.example", hosts=["other.example"]),
        "another CA": certs.issue(certs.make_ca("stranger"), "localhost"),
    }
    for what, issued in refused.items():
        context = issued.server_context(str(tmp_path), what.replace(" ", "_"))
        with CentralThread(ssl_context=context, passwords={"CP001": OLD_KEY}) as cs, \
                security_station(cs, ["--password", OLD_KEY, "--ca", root_path],
                           url=cs.url(host="localhost", scheme="wss"),
                           state=str(tmp_path / what.replace(" ", "_"))) as station:
            station.wait_for_line("security event: InvalidCentralSystemCertificate", 15)
            assert cs.requests("BootNotification") == [], what  # A00.FR.310: no talking
            assert station.alive


class ClockTwoHoursAhead(StationLink):
    """Heartbeat.conf puts the station's clock two hours forward."""

    @on(Action.heartbeat)
    def on_heartbeat(self):
        ahead = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
        return call_result.Heartbeat(current_time=ahead.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_a_clock_set_hours_forward_is_the_critical_event_setting_system_time():
    with CentralThread(heartbeat_interval_s=300, link_class=ClockTwoHoursAhead) as cs, \
            security_station(cs):
        link = booted(cs)
        cs.run(link.call(call.TriggerMessage(requested_message="Heartbeat")))
        wait_until(lambda: [p for p in cs.requests("SecurityEventNotification")
                            if p["type"] == "SettingSystemTime"], 10, "SettingSystemTime")
        event = [p for p in cs.requests("SecurityEventNotification")
                 if p["type"] == "SettingSystemTime"][0]
        assert event["techInfo"].startswith("+71") or event["techInfo"].startswith("+72")
