"""Files in flash that read back whole (their CRC or their JSON holds) but are not what the
firmware wrote: each is rejected with a log line and the station boots, connects with TLS
and its own certificate as before, and runs what its first connection reads from flash
(issue 16: never a boot loop). The station is the sim board's, on the board's interpreter
and on CPython (mp_scripts/boot_probe.py), over a state folder a clean boot made."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import certs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.path.join(ROOT, "host_tests", "mp_scripts", "boot_probe.py")
MICROPYTHON32 = os.environ.get("MICROPYTHON32") or os.path.join(ROOT, ".venv", "bin",
                                                                "micropython32")
RUNTIMES = {"micropython32": ([MICROPYTHON32], {"MICROPYPATH": ".frozen:lib:."}),
            "cpython": ([sys.executable], {"PYTHONPATH": "lib:."})}
CS_ROOT = "CentralSystemRootCertificate"
HASH = {"hashAlgorithm": "SHA256", "issuerNameHash": "00", "issuerKeyHash": "00",
        "serialNumber": "1"}
START = {"tx": [1, 3, "TAG3", 0, 1795593600], "q": 1, "a": "StartTransaction", "r": 1,
         "p": {"connectorId": 3, "idTag": "TAG3", "meterStart": 0,
               "timestamp": "2026-11-25T08:00:00Z"}}


def journal_bytes(*records):
    sys.path.insert(0, os.path.join(ROOT, "lib"))
    from store.journal import frame

    return b"".join(frame(json.dumps(record).encode()) for record in records)


# (file under the flash folder, its content, what the log says of it)
DAMAGED = [
    ("certs/cp.json", b"{not json", "cp.json is malformed"),
    ("certs/cp.json", b'{"chain": "3000", "key": "00"}', "cp.json is malformed"),
    ("certs/cp.json", b'{"chain": ["zz"], "key": "00"}', "cp.json is malformed"),
    ("certs/cp.json", b'{"chain": [5], "key": "00"}', "cp.json is malformed"),
    ("certs/cp.json", b'{"chain": ["3000"]}', "cp.json is malformed"),
    ("certs/index.json", json.dumps([{"use": CS_ROOT, "file": "../config.json",
                                      "subject": "00", "hash": HASH}]).encode(),
     "1 malformed index entries left out"),
    ("certs/index.json", json.dumps([{"use": CS_ROOT, "file": "0.der", "subject": "00",
                                      "hash": "00"}]).encode(),
     "1 malformed index entries left out"),
    ("certs/0.der", b"\x30\x82\x05\x00 torn", "0.der is missing or not DER"),
    ("firmware_install.json", b"requestId=1", "firmware_install.json is not JSON"),
    ("config.json", b"[1, 2]", "config.json is not an object"),
    ("config.json", b'{"HeartbeatInterval": 5}', "stored HeartbeatInterval invalid"),
    ("availability.json", b'{"inoperative": "12"}', "availability.json malformed"),
    ("availability.json", b'{"inoperative": [7]}', "availability.json malformed"),
    ("auth_cache.json", b'{"tags": {"A": ["Accepted", "x", null, 1]}}',
     "1 malformed cache entries dropped"),
    ("security.log", journal_bytes([1, 1795593600, "StartupOfTheDevice", [1]]),
     "1 malformed records in the log ignored"),
    ("tx.journal", journal_bytes(START), "rejected: bad tx"),
]


def boot(runtime, state, pki):
    command, env = RUNTIMES[runtime]
    done = subprocess.run(command + [PROBE, state, "wss://127.0.0.1:9/ocpp"] + pki, cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env))
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_a_damaged_file_is_rejected_with_a_log_line_and_the_station_boots(runtime, tmp_path):
    ca = certs.make_ca()
    client = certs.issue(ca, "CP001", client=True)
    pki = []
    for name, data in (("ca.der", ca.cert_der), ("client.der", client.cert_der),
                       ("client.key", client.key_der)):
        pki.append(str(tmp_path / name))
        (tmp_path / name).write_bytes(data)
    clean = str(tmp_path / "clean")
    code, output = boot(runtime, clean, pki)
    assert code == 0 and "booted profile=3 tls=True" in output, output
    failures = []
    for number, (name, data, said) in enumerate(DAMAGED):
        state = str(tmp_path / ("case%d" % number))
        shutil.copytree(clean, state)
        with open(os.path.join(state, "flash", name), "wb") as f:
            f.write(data)
        code, output = boot(runtime, state, pki)
        if code != 0 or "booted profile=3 tls=True" not in output or said not in output:
            failures.append("%s %r:\n%s" % (name, data, output[-1500:]))
    assert failures == [], "\n\n".join(failures)
