# The security extension's code is loaded only when used (issue 5): a booted, idle station
# keeps none of its modules, and answering its requests leaves the modules as they were.
import asyncio
import sys

from scratch import fresh_path

# The extension's code, and what only it imports (tools/bench_security_heap.py measures the
# heap this keeps out of an idle station).
SECURITY_CODE = ("firmware.security.services", "firmware.security.requests",
                 "firmware.security.changes", "firmware.security.log",
                 "firmware.security.certificates", "firmware.security.charge_point_certificate",
                 "firmware.security.get_log", "firmware.security.firmware_update", "x509",
                 "transfer")


def security_code(modules):
    return sorted(name for name in modules if name.split(".")[0] in SECURITY_CODE
                  or name.rsplit(".", 1)[0] in SECURITY_CODE or name in SECURITY_CODE)


async def accepted(action, payload):  # the link's call, as a Central System answers
    return {}


async def booted_station():
    import firmware.station
    from boards.sim.board import SimBoard

    folder = fresh_path("test_security_on_demand", "station")[:-len(".json")]
    station = firmware.station.Station(SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None,
                                                folder))
    station.link.call = accepted
    station.online = lambda: True

    await station.security.run("after_boot")  # StartupOfTheDevice recorded...
    station.sender = asyncio.create_task(station.outbound.send_forever(accepted))  # ...sent
    while station.security.pending:
        await asyncio.sleep(0)
    return station


def request(station, action, payload):
    from ocppj.rpc import ANY_ACTION

    handler = station.handlers.get(action) or station.handlers[ANY_ACTION](action)
    return handler(payload)


async def test_an_idle_station_keeps_no_security_code_and_its_requests_leave_none():
    before = set(sys.modules)
    station = await booted_station()
    idle = set(sys.modules)
    assert security_code(idle - before) == []
    hash_data = {"hashAlgorithm": "SHA256", "issuerNameHash": "00", "issuerKeyHash": "00",
                 "serialNumber": "1"}
    assert request(station, "GetInstalledCertificateIds",
                   {"certificateType": "CentralSystemRootCertificate"})["status"] == "NotFound"
    assert request(station, "InstallCertificate", {
        "certificateType": "CentralSystemRootCertificate",
        "certificate": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"
    })["status"] == "Rejected"
    assert request(station, "DeleteCertificate",
                   {"certificateHashData": hash_data})["status"] == "NotFound"
    names = [entry["key"] for entry in station.config.listing(None)[0]]
    assert "SecurityProfile" in names and "AuthorizationKey" not in names  # write-only
    for _ in range(10):  # the event the rejected root raised is sent
        await asyncio.sleep(0)
    assert not station.security.pending
    station.sender.cancel()
    assert set(sys.modules) == idle
