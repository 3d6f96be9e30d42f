"""Smoke tests of `make run` (tools/demo.py) in a short mode with stdin closed: the station
boots against the Central System, the demo session plays through the control port, and the
demo ends on its own (--linger) instead of waiting for Ctrl-C.
"""
import os
import subprocess
import sys

from harness import CentralThread

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHORT = ["--pause", "0.2", "--linger", "0.5"]


def run_demo(*extra):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "demo.py")] + SHORT
                            + list(extra), cwd=ROOT, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def test_demo_plays_a_charging_session_against_the_bundled_central_system():
    # The demo sets MeterValueSampleInterval to 5 s, which the station's free-running sampler
    # takes up within its current 10 s period: 10 s of charging sees a MeterValues.
    code, out = run_demo("--id", "DEMO-T1", "--demo-seconds", "10")
    assert code == 0, out
    assert "bundled Central System listening on ws://127.0.0.1:" in out
    assert 'Central System: DEMO-T1 ChangeConfiguration answered {"status": "Accepted"}' in out
    assert '"BootNotification"' in out  # the station prints the OCPP traffic
    for outcome in ("plug the EV into connector 1 -> connector 1 Preparing",
                    "tap card DEMO1234 -> connector 1 Charging",
                    "tap card DEMO1234 again to stop -> connector 1 Finishing",
                    "unplug the EV -> connector 1 Available"):
        assert "demo: " + outcome in out, out
    for action in ("Authorize", "StartTransaction", "MeterValues", "StopTransaction"):
        assert '"%s"' % action in out, action
    # The one-line status per connector, with the charging figures while charging.
    charging = [line for line in out.splitlines() if line.startswith("demo: [1] Charging ")]
    assert charging and " kW SoC " in charging[0] and "| [2] Available" in charging[0]
    assert 'the station\'s console is open: try status(), hw("plug 2")' in out
    assert "console: end of input, the station carries on" in out
    assert "Traceback" not in out


def test_demo_uses_the_central_system_given_with_csms():
    with CentralThread(heartbeat_interval_s=60) as cs:
        code, out = run_demo("--id", "DEMO-T2", "--demo-seconds", "1", "--csms", cs.url())
        assert code == 0, out
        assert "bundled Central System" not in out
        assert len(cs.requests("BootNotification")) == 1
        assert cs.requests("StartTransaction") and cs.requests("StopTransaction")


def test_demo_steps_without_effect_are_reported_not_fatal(monkeypatch, capsys):
    """A firmware without transactions yet: the hardware answers, the status never moves."""
    import asyncio
    import json
    from tools import demo

    monkeypatch.setattr(demo, "STEP_TIMEOUT_S", 0.3)
    monkeypatch.setattr(demo, "REGISTRATION_TIMEOUT_S", 0.3)
    status = {"ok": True, "connection": "online", "registration": "Accepted", "queued": 0,
              "connectors": [{"id": 0, "status": "Available"},
                             {"id": 1, "status": "Available", "plugged": False},
                             {"id": 2, "status": "Available", "plugged": False}]}

    async def serve(reader, writer):
        while True:
            line = (await reader.readline()).decode().strip()
            if not line:
                break
            if line == "status":
                reply = status
            elif line.startswith("ev "):
                reply = {"ok": False, "error": "no EV model"}
            else:
                reply = {"ok": True}
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        control = demo.ControlPort(server.sockets[0].getsockname()[1])
        control._reader, control._writer = await asyncio.open_connection("127.0.0.1",
                                                                         control.port)
        await demo.play(control, 0, 0, None, "CP001")
        control.close()
        server.close()

    asyncio.run(main())
    out = capsys.readouterr().out
    assert "'ev 1 capacity 3' refused: no EV model" in out
    assert ("plug the EV into connector 1 had no visible effect: connector 1 is Available, "
            "expected Preparing") in out
    assert "tap card DEMO1234 had no visible effect" in out
    assert "charging for" not in out  # no charging wait when charging never started
    assert "demo: last status: [1] Available | [2] Available" in out
