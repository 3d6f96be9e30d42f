"""The sim board's control port end to end: the real station process (MicroPython unless
said otherwise) against the bundled Central System, driven over loopback TCP.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

from harness import STATION, CentralThread, StationProcess, control, wait_until


def connector(reply, connector_id):
    return [c for c in reply["connectors"] if c["id"] == connector_id][0]


def send_raw(port, payload, replies):
    """Sends raw bytes, returns the reply lines that were asked for (parsed)."""
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(payload)
        with sock.makefile("rb") as lines:
            return [json.loads(lines.readline()) for _ in range(replies)]


def flash_files(root):
    """Every file of a state folder with its size and modification time."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), root)] = (stat.st_size,
                                                                         stat.st_mtime_ns)
    return found


def abrupt_clients(port):
    # Connect and leave at once; leave in the middle of a line; reset the connection.
    socket.create_connection(("127.0.0.1", port), 5).close()
    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(b"plu")
    sock = socket.create_connection(("127.0.0.1", port), 5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.sendall(b"status\nstat")
    sock.close()  # RST, with a reply possibly on its way


def test_bad_control_input_never_disturbs_the_station(tmp_path):
    with CentralThread(heartbeat_interval_s=1) as cs, \
            StationProcess(cs.url(), control=True, state=tmp_path) as station:
        port = station.control_port
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "boot")
        assert control(port, "status")["connection"] == "online"
        replies = send_raw(port, b"hello\nplug 9\nev 1 soc 250\n\n\x00\x01\xff\xfe\n"
                                 b"{\"json\": true}\nfault 1 Melted\n", 7)
        assert all(r["ok"] is False and r["error"] for r in replies)
        # 100 KB in one line: answered once, never buffered whole; the next line works.
        replies = send_raw(port, b"tap " + b"A" * 100000 + b"\nstatus\n", 2)
        assert replies[0] == {"ok": False, "error": "line too long"}
        assert replies[1]["ok"] is True
        assert send_raw(port, os.urandom(20000).replace(b"\n", b"") + b"\n", 1)[0]["ok"] is False
        for _ in range(3):
            abrupt_clients(port)
        beats = len(cs.requests("Heartbeat"))
        wait_until(lambda: len(cs.requests("Heartbeat")) >= beats + 2, 10, "heartbeats after")
        status = control(port, "status")
        assert status["ok"] is True and status["connection"] == "online"
        assert [c["id"] for c in status["connectors"]] == [0, 1, 2]
        assert not connector(status, 1)["plugged"] and connector(status, 1)["energyWh"] == 0
        assert connector(status, 1)["errorCode"] == "NoError"
        assert station.alive
        assert len(cs.requests("BootNotification")) == 1


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_power_off_ends_at_once_and_the_meter_survives(tmp_path, runtime):
    with CentralThread(heartbeat_interval_s=30) as cs:
        with StationProcess(cs.url(), runtime, control=True, state=tmp_path) as station:
            port = station.control_port
            # Accepted as the station sees it: the answer is taken a moment after it is sent,
            # and a card before that is ignored (seen under load).
            wait_until(lambda: control(port, "status")["registration"] == "Accepted", 10,
                       "boot accepted")
            assert control(port, "plug 1")["ok"] and control(port, "tap CARD1")["ok"]
            wait_until(lambda: connector(control(port, "status"), 1)["energyWh"] >= 20, 10,
                       "energy on the meter")
            seen_wh = connector(control(port, "status"), 1)["energyWh"]
            sent = len(cs.frames("<-"))
            started = time.monotonic()
            try:
                control(port, "power off", timeout_s=2)
            except (OSError, ValueError):  # the process died before it could answer
                pass
            station.process.wait(5)
            assert time.monotonic() - started < 2
            assert station.process.returncode == -9
            files = flash_files(tmp_path)
            assert "hw/meter1" in files
            time.sleep(0.5)
            assert len(cs.frames("<-")) <= sent + 1  # at most a frame already on its way
            assert flash_files(tmp_path) == files
        with StationProcess(cs.url(), runtime, control=True, state=tmp_path) as again:
            status = wait_until(lambda: control(again.control_port, "status"), 10, "status")
            one = connector(status, 1)
            assert one["energyWh"] >= seen_wh  # kept by the meter across the power cut
            assert one["plugged"] is True  # the EV never left the cable
            wait_until(lambda: len(cs.requests("BootNotification")) == 2, 10, "second boot")


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_net_down_goes_offline_and_net_up_reconnects_without_a_new_boot(tmp_path, runtime):
    with CentralThread(heartbeat_interval_s=1) as cs, \
            StationProcess(cs.url(), runtime, control=True, state=tmp_path) as station:
        port = station.control_port
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "boot")
        wait_until(lambda: control(port, "status")["connection"] == "online", 10, "online")
        assert control(port, "net down") == {"ok": True}
        wait_until(lambda: control(port, "status")["connection"] != "online", 10, "offline")
        time.sleep(1)
        assert control(port, "status")["connection"] != "online"  # and it stays so
        beats = len(cs.requests("Heartbeat"))
        assert control(port, "net up") == {"ok": True}
        wait_until(lambda: control(port, "status")["connection"] == "online", 15, "back online")
        wait_until(lambda: len(cs.requests("Heartbeat")) > beats, 10, "heartbeat after")
        assert len(cs.requests("BootNotification")) == 1
        assert station.alive


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_console_drives_the_same_hardware_as_the_control_port(tmp_path, runtime):
    with CentralThread(heartbeat_interval_s=30) as cs, \
            StationProcess(cs.url(), runtime, control=True, state=tmp_path,
                           console=True) as station:
        port = station.control_port
        wait_until(lambda: cs.answers_to("BootNotification"), 10, "boot")
        station.type('hw("plug 2")')
        wait_until(lambda: connector(control(port, "status"), 2)["plugged"], 10, "plugged")
        station.type('hw("bogus")["ok"]')
        wait_until(lambda: [line for line in station.lines if line.endswith("False")], 10,
                   "the console's answer")
        assert station.alive


@pytest.mark.parametrize("args, reason", [
    (["--csms", "http://127.0.0.1:9000/ocpp"], "ws:// or wss://"),
    (["--csms", "ws://127.0.0.1:99999/ocpp"], "--csms"),
    (["--csms", "ws:///ocpp"], "with a host"),
    (["--csms", "ws://h/ocpp", "--control", "127.0.0.1:http"], "--control"),
    (["--csms", "ws://h/ocpp", "--control", "70000"], "--control"),
    (["--csms", "ws://h/ocpp", "--ca", "/nonexistent/ca.pem"], "--ca"),
    (["--csms", "wss://h/ocpp", "--cert", STATION], "go together"),
    (["--csms", "ws://h/ocpp", "--cert", STATION, "--key", STATION], "wss://"),
    (["--csms", "wss://h/ocpp", "--cert", STATION, "--key", "/nonexistent/key.pem"], "--key"),
    (["--csms", "wss://h/ocpp", "--ca", STATION], "not a certificate"),
    (["--csms", "wss://h/ocpp", "--cert", STATION, "--key", STATION], "not a certificate"),
    (["--csms", "ws://h/ocpp", "--heap", "lots"], "--heap"),
    (["--csms", "ws://h/ocpp", "--speed", "fast"], "--speed"),
    (["--csms", "ws://h/ocpp", "--speed", "0"], "1 to 100"),
    (["--csms", "ws://h/ocpp", "--runtime", "jython"], "--runtime"),
    (["--csms", "ws://h/ocpp", "--id", ""], "--id"),
    (["--csms", "ws://h/ocpp", "--password", "0123456789abcdef"], "--password"),  # 8 bytes
    (["--csms", "ws://h/ocpp", "--password", "0123456789abcdef0123456789abcdeg"],
     "--password"),
    (["--csms", "ws://h/ocpp", "--password", "0" * 33], "--password"),
    (["--id", "CP1"], "--csms"),
    (["--csms", "ws://h/" + "p" * 260], "256 bytes"),
])
def test_launcher_refuses_bad_arguments_with_one_line(args, reason):
    done = subprocess.run([sys.executable, STATION] + args, capture_output=True, text=True,
                          timeout=10)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("station: ") and reason in lines[0], lines
