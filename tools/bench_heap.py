"""Heap figures of `make bench` (issue 6): a scripted session of the station under
MicroPython through the launcher (boards/sim/station) and its control port, and the smallest
--heap with which it completes, found by bisection to 4 KB, for the .mpy build, the ROMFS
image (--heap is then the RAM beside the image) on the 64-bit and on the 32-bit MicroPython
(the compliance tests' board, host_tests/tc.py), and the .mpy build over wss://.

The session: boot; card tap on connector 1 and RemoteStartTransaction on connector 2, both
charging with MeterValues; GetConfiguration of every key; RemoteStopTransaction on 2; a soft
Reset, which stops the transaction on 1; complete once the station has booted again and
delivered everything, with no MemoryError or "out of memory" on its console. The heap in
use (after a collection) is read once the boot is reported (idle) and while both connectors
charge. Near the limit, completing depends on fragmentation and timing: a bisection lands
within a step or two of where a session completes half the time.

Over wss:// the TLS handshake is timed at the Central System, from the TCP accept (the
server's TLS object is made then) to the WebSocket upgrade, over reconnects after the
control port's `net down` / `net up`.
"""
import logging
import os
import ssl
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from certs import issue, make_ca  # noqa: E402
from harness import CentralThread, StationProcess, wait_until  # noqa: E402
from ocpp.v16 import call  # noqa: E402

from tools.bench_report import figure, stats  # noqa: E402
from tools.bench_timing import HEAP, requests_since  # noqa: E402
from tools.csms import StationLink  # noqa: E402
from tools.romfs_build import IMAGE  # noqa: E402

from tc import MICROPYTHON32  # noqa: E402 (the boards' 32-bit interpreter)

ROOMY_HEAP = 512 * 1024  # where the session is measured before the bisection
BISECT_STEP = 4096
SAMPLE_INTERVAL_S = 5  # MeterValueSampleInterval: the station's minimum
HANDSHAKES = 10
# A CALLERROR near the heap limit is an outcome here, not a warning to print.
logging.getLogger("ocpp").setLevel(logging.CRITICAL)


class SessionFailed(Exception):
    pass


def out_of_heap(line):
    return "MemoryError" in line or "out of memory" in line


def wait(station, predicate, what, timeout_s=15):
    """wait_until, but ends at once when the station died or ran out of heap."""
    def probe():
        if not station.alive or any(out_of_heap(line) for line in station.lines):
            raise SessionFailed(what)
        return predicate()
    return wait_until(probe, timeout_s, what)


class ScriptedSession:
    """The steps of the scripted session on a running `station`, each waiting for what it
    brings; the caller reads the heap between them (the unix ports here, the emulated board
    in tools/bench_board.py). `boot_timeout_s`: how long a boot may take."""

    def __init__(self, cs, station, identity, boot_timeout_s=15):
        self.cs = cs
        self.station = station
        self.identity = identity
        self.boot_timeout_s = boot_timeout_s
        self.start = len(cs.central.traffic)
        self.link = None

    def control(self, line):
        return self.station.control(line)

    def transaction(self, connector_id):
        return self.control("status")["connectors"][connector_id].get("transactionId")

    def received(self, action, count, what, timeout_s=15):
        wait(self.station, lambda: len(requests_since(self.cs, self.identity, self.start,
                                                      action)) >= count, what, timeout_s)

    def booted(self):
        wait(self.station, lambda: any("control: listening" in line
                                       for line in self.station.lines),
             "the device attached", self.boot_timeout_s)
        self.received("StatusNotification", 3, "the boot statuses", self.boot_timeout_s)
        wait(self.station, lambda: self.control("status")["queued"] == 0, "boot reported")

    def both_charging(self):
        """A local start on 1, a remote start on 2, MeterValues of both."""
        cs, station, control = self.cs, self.station, self.control
        self.link = link = cs.link(self.identity)
        cs.run(link.call(call.ChangeConfiguration(key="MeterValueSampleInterval",
                                                  value=str(SAMPLE_INTERVAL_S))))
        control("plug 1")
        control("tap BENCH1")
        wait(station, lambda: self.transaction(1), "a local start on 1")
        control("plug 2")
        cs.run(link.call(call.RemoteStartTransaction(id_tag="BENCH2", connector_id=2)))
        wait(station, lambda: self.transaction(2), "a remote start on 2")
        metered = len(requests_since(cs, self.identity, self.start, "MeterValues"))
        wait(station, lambda: {p["connectorId"] for p, _ in requests_since(
            cs, self.identity, self.start, "MeterValues")[metered:]} == {1, 2},
             "MeterValues of both connectors")

    def finish(self):
        """Every key read, a remote stop, a soft reset, everything delivered."""
        cs, station, link, control = self.cs, self.station, self.link, self.control
        if cs.run(link.call(call.GetConfiguration())) is None:  # a CALLERROR
            raise SessionFailed("GetConfiguration of every key")
        cs.run(link.call(call.RemoteStopTransaction(transaction_id=self.transaction(2))))
        wait(station, lambda: not self.transaction(2), "a remote stop on 2")
        cs.run(link.call(call.Reset(type="Soft")))
        self.received("BootNotification", 2, "the boot after the reset", self.boot_timeout_s)
        wait(station, lambda: control("status")["registration"] == "Accepted"
             and control("status")["queued"] == 0, "booted again, everything delivered")
        wait(station, lambda: True, "nothing out of heap")


def session(cs, identity, build, heap, url, extra=(), interpreter=None):
    """Runs the scripted session; returns the heap in use {"idle", "charging"} in bytes
    (for ROMFS, beyond the image), or None when the session did not complete."""
    station = StationProcess(url, identity=identity, control=True, interpreter=interpreter,
                             extra=["--build", build, "--heap", str(heap)] + list(extra))
    script = ScriptedSession(cs, station, identity)
    image = os.path.getsize(IMAGE) if build == "romfs" else 0
    try:
        script.booted()
        idle = script.control("heap")["allocBytes"] - image
        script.both_charging()
        charging = script.control("heap")["allocBytes"] - image
        script.finish()
        return {"idle": idle, "charging": charging}
    except Exception as e:  # out of heap: the station died, stopped answering or gave up
        if os.environ.get("BENCH_DEBUG"):
            print("bench: %s session at %d: %s: %s" % (build, heap, type(e).__name__, e))
        return None
    finally:
        station.stop()


def smallest_heap(completes, low, high):
    """The smallest heap, to BISECT_STEP, with which `completes(heap)`: `high` does, `low`
    does not."""
    while high - low > BISECT_STEP:
        middle = (low + high) // 2 // BISECT_STEP * BISECT_STEP
        if completes(middle):
            high = middle
        else:
            low = middle
    return high


def heap_figure(job):
    """The session at a roomy heap, then the bisection; a figure in bytes."""
    name, cs, identity, build, url, extra, budget_bytes, interpreter = job

    def run(heap):
        return session(cs, identity, build, heap, url, extra, interpreter)

    in_use = run(ROOMY_HEAP)
    if in_use is None:
        sys.exit("bench: the %s session did not complete at %d bytes of heap" % (name, ROOMY_HEAP))
    # The heap in use while charging is a lower bound: a session needs at least that much.
    low = in_use["charging"] // BISECT_STEP * BISECT_STEP
    minimum = smallest_heap(lambda heap: run(heap) is not None, low, ROOMY_HEAP)
    return figure(name, "bytes", dict(in_use, minimum=minimum),
                  budget=budget_bytes and {"minimum": budget_bytes})


class TimedContext(ssl.SSLContext):
    """A server context that notes when each connection's TLS object is made: at TCP accept."""
    accepted = []

    def wrap_bio(self, *args, **kwargs):
        self.accepted.append(time.monotonic())
        return super().wrap_bio(*args, **kwargs)


class TimedLink(StationLink):
    """Made by the Central System once the WebSocket upgrade is done."""
    upgraded = []

    def __init__(self, *args):
        self.upgraded.append(time.monotonic())
        super().__init__(*args)


def handshake_times_ms(cs, url, extra):
    """TCP accept -> WebSocket upgrade at the Central System: the boot's connection and
    HANDSHAKES - 1 reconnects."""
    connected = len(TimedLink.upgraded)
    station = StationProcess(url, identity="HANDSHAKE", control=True,
                             extra=["--build", "mpy", "--heap", HEAP] + list(extra))
    try:
        for n in range(HANDSHAKES):
            if n:
                station.control("net down")
                station.control("net up")
            wait(station, lambda: len(TimedLink.upgraded) > connected + n, "a connection", 10)
    finally:
        station.stop()
    return [(upgrade - max(t for t in TimedContext.accepted if t <= upgrade)) * 1000
            for upgrade in TimedLink.upgraded[connected:]]


def heap_figures():
    """Yields the minimum heap from .mpy, from ROMFS and over TLS, bisected side by side
    (the stations mostly wait for their MeterValues), then the TLS handshake alone."""
    with tempfile.TemporaryDirectory() as folder:
        ca = make_ca()
        tls = ["--ca", ca.write(folder, "ca")[0]]
        context = TimedContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*issue(ca, "localhost").write(folder, "server"))
        # A call the station dropped for want of heap fails its session after 3 s, not 10.
        with CentralThread(heartbeat_interval_s=30, response_timeout_s=3) as cs, \
                CentralThread(ssl_context=context, heartbeat_interval_s=30,
                              response_timeout_s=3, link_class=TimedLink) as tls_cs:
            wss = tls_cs.url(host="localhost", scheme="wss")
            jobs = [("minimum heap, .mpy", cs, "MPY", "mpy", cs.url(), (), 96 * 1024, None),
                    ("minimum heap beyond the image, ROMFS", cs, "ROMFS", "romfs", cs.url(), (),
                     48 * 1024, None),
                    ("minimum heap beyond the image, ROMFS, 32-bit", cs, "ROMFS32", "romfs",
                     cs.url(), (), 48 * 1024, MICROPYTHON32),
                    ("minimum heap, frozen, 32-bit", cs, "FROZEN32", "frozen", cs.url(), (),
                     48 * 1024, None),
                    ("minimum heap, .mpy over wss://", tls_cs, "TLS", "mpy", wss, tls, None,
                     None),
                    ("minimum heap beyond the image, ROMFS over wss://, 32-bit", tls_cs,
                     "TLS32", "romfs", wss, tls, None, MICROPYTHON32)]
            with ThreadPoolExecutor(len(jobs)) as pool:
                yield from pool.map(heap_figure, jobs)
            yield figure("TLS handshake", "ms", stats(handshake_times_ms(tls_cs, wss, tls)),
                         note="TCP accept -> WebSocket upgrade, at the Central System")


if __name__ == "__main__":
    from tools.bench_report import show

    for result in heap_figures():
        print(show(result), flush=True)
