"""Flash wear of `make bench` (docs/performance.md, "Flash wear"): the writes the station
makes to its flash, counted by the store itself (lib/store/atomic.py: `writes` and
`bytes_written`, every append, file put in place, file made, restored or removed), per hour
of idle and per charging session, against a budget worked out from the endurance of a
board's NOR flash.

    .venv/bin/python tools/bench_flash.py

The station is the real firmware on the simulated board (boards/sim), in this process under
CPython (the writes are the same under MicroPython; the heap is not measured here), on
virtual time: an event loop whose clock jumps to the next timer instead of waiting for it,
which is also the board's tick counter and RTC. So a day runs in seconds. The Central
System is a stand-in on the link's session that checks each request against its schema
and answers at once; the hardware a stand-in that plugs EVs and turns their power into
energy. Measured:
1. idle: IDLE_HOURS hours after the boot's first hour (registration, first heartbeats);
2. a charging session on both connectors at once, SESSION_S long, with
   MeterValueSampleInterval 60 s, then 5 s: plug, card, charge, unplug, until the last
   StopTransaction is delivered.
Each figure: writes, bytes, the transaction journal's share of the writes, and the block
erases they cost at most (each write one, each further block of bytes one more: littlefs
copies a file's partly filled last block into a freshly erased one at each append).
Appended to build/bench.json when a `make bench` made it.
"""
import asyncio
import json
import os
import selectors
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for entry in (ROOT, os.path.join(ROOT, "lib")):
    if entry not in sys.path:
        sys.path.insert(0, entry)
from tools.bench_report import figure, show  # noqa: E402

# The flash (docs/performance.md, "Flash wear"): a 2 MB data partition of 4 KB blocks on
# NOR flash rated for 100,000 erase cycles, littlefs levelling the wear over the blocks it
# allocates -- counted as half of them, the rest holding files that never change (a full
# Local Authorization List takes 490 KB, certificates, configuration) -- for ten years,
# with a safety factor of 2 for littlefs's own metadata commits and compactions.
BLOCK_BYTES = 4096
PARTITION_BYTES = 2 * 1024 * 1024
ERASE_CYCLES = 100000
LEVELLED_SHARE = 0.5
LIFE_DAYS = 3652.5
SAFETY = 2
ERASES_PER_DAY = int(PARTITION_BYTES // BLOCK_BYTES * LEVELLED_SHARE * ERASE_CYCLES
                     / LIFE_DAYS / SAFETY)  # 3,504
# The day it is spent on: a busy site, both connectors charging 12 hours of 24 (12 sessions
# of SESSION_S each), idle the other 12, idle taking at most 5 % of the day's erases.
SESSIONS_PER_DAY = 12
IDLE_HOURS_PER_DAY = 12
IDLE_BUDGET = int(ERASES_PER_DAY * 0.05 / IDLE_HOURS_PER_DAY)  # 14 per hour
SESSION_BUDGET = int((ERASES_PER_DAY - IDLE_HOURS_PER_DAY * IDLE_BUDGET) / SESSIONS_PER_DAY)

START_S = 1795593600  # 2026-11-25T08:00:00Z: the board's RTC at the boot
IDLE_HOURS = 6
SESSION_S = 3600
POWER_W = 50000  # each EV's, while the station lets it draw
TAGS = ("FLASH0001", "FLASH0002")


class VirtualClock:
    s = 0.0


class JumpingSelector(selectors.SelectSelector):
    """Waits no real time: where the loop would wait for its next timer, the virtual clock
    jumps to it. Nothing here does real I/O (the loop's own wake-up pipe only)."""

    def __init__(self, clock):
        super().__init__()
        self._clock = clock

    def select(self, timeout=None):
        ready = super().select(0)
        if not ready:
            if timeout is None:
                raise RuntimeError("bench: the station waits for nothing, for ever")
            self._clock.s += timeout
        return ready


class Central:
    """The link's session as the station's calls reach it: each request checked against its
    schema, answered at once, the answers checked too."""

    def __init__(self, clock):
        self._clock = clock
        self.sent = []
        self._next_id = 0

    def now_iso(self):
        from firmware.clock import format_iso8601

        return format_iso8601(START_S + int(self._clock.s))

    async def call(self, action, payload):
        from ocppj.check import check_request, check_response

        check_request(action, payload)
        self.sent.append(action)
        if action == "BootNotification":
            answer = {"status": "Accepted", "currentTime": self.now_iso(), "interval": 300}
        elif action == "Heartbeat":
            answer = {"currentTime": self.now_iso()}
        elif action == "Authorize":
            answer = {"idTagInfo": {"status": "Accepted"}}
        elif action == "StartTransaction":
            self._next_id += 1
            answer = {"transactionId": self._next_id, "idTagInfo": {"status": "Accepted"}}
        else:
            answer = {}
        check_response(action, answer)
        return answer

    def connection_lost(self):
        pass


class Hardware:
    """The EVs and meters: each connector's io row as boards/sim/board.py keeps it, updated
    every second of virtual time; an EV draws POWER_W while its connector is energized."""

    def __init__(self, board):
        self._board = board
        self.wh = [0, 0]
        self.plugged = [False, False]

    def row(self, index):
        connector = self._board.connectors[index]
        power = POWER_W if connector.energized and self.plugged[index] else 0
        return [self.plugged[index], "NoError", self.plugged[index], self.wh[index], power,
                400.0 if power else 0.0, power / 400.0, 50 if self.plugged[index] else None]

    def update(self):
        for index, connector in enumerate(self._board.connectors):
            connector.io = self.row(index)
        self._board.changed.set()

    async def run(self):
        while True:
            await asyncio.sleep(1)
            for index, connector in enumerate(self._board.connectors):
                self.wh[index] += connector.io[4] // 3600  # 1 s at that power
            self.update()

    def plug(self, index, plugged):
        self.plugged[index] = plugged
        self.update()


def build_station(state_dir, clock, log):
    import firmware.station
    from boards.sim.board import SimBoard
    from firmware.link import ONLINE

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, state_dir)
    board.log = log.append
    board.ticks_ms = lambda: int(clock.s * 1000)
    board.ticks_diff = lambda end, start: end - start
    board.utc_now = lambda: START_S + int(clock.s)
    for index, connector in enumerate(board.connectors):
        connector.serial = "FLASH-%d" % (index + 1)
    station = firmware.station.Station(board)
    central = Central(clock)
    station.link._session = central  # the link as it is once connected: its call goes there
    station.link.state = ONLINE
    return board, station, central


class Counts:
    """The store's counters (lib/store/atomic.py) and the transaction journal's writes."""

    def __init__(self, station):
        self._station = station
        self._at = self._now()

    def _now(self):
        from store import atomic

        return atomic.writes, atomic.bytes_written, self._station.messages.flash_writes

    def since(self, per=1):
        """What was written since the last call, divided by `per`."""
        now = self._now()
        writes, written, journal = [(a - b) / per for a, b in zip(now, self._at)]
        self._at = now
        return {"writes": round(writes, 1), "bytes": int(written),
                "tx_journal_writes": round(journal, 1),
                "erases": round(writes + written / BLOCK_BYTES, 1)}


async def until(predicate, within_s, step_s=1):
    for _ in range(int(within_s / step_s)):
        if predicate():
            return
        await asyncio.sleep(step_s)
    raise RuntimeError("bench: not done within %d s of virtual time" % within_s)


async def session(board, station, hardware, central, interval_s):
    """Both connectors charging SESSION_S at once, MeterValueSampleInterval `interval_s`."""
    for index, tag in enumerate(TAGS):
        hardware.plug(index, True)
        await asyncio.sleep(2)
        board._tags.append(tag)  # the card at the reader (boards/sim/board.py)
        board.changed.set()
        connector_id = index + 1
        await until(lambda: station.transactions.on_connector(connector_id) is not None, 60)
    starts = central.sent.count("StartTransaction")
    await asyncio.sleep(SESSION_S)
    for index in range(len(TAGS)):
        hardware.plug(index, False)
    stops = central.sent.count("StopTransaction")
    await until(lambda: central.sent.count("StopTransaction") == stops + len(TAGS)
                and len(station.messages) == 0, 120)
    meter_values = central.sent.count("MeterValues")
    return starts, meter_values


async def measure(state_dir, clock):
    log = []
    board, station, central = build_station(state_dir, clock, log)
    hardware = Hardware(board)
    hardware.update()
    keep = station.supervisor.keep
    keep("hardware", station._watch_hardware)
    keep("sampling", station.transactions.sample_forever)
    keep("online", station._on_online)
    tasks = [asyncio.create_task(station.supervisor.run()),
             asyncio.create_task(hardware.run())]
    try:
        counts = Counts(station)
        await asyncio.sleep(3600)  # the boot's first hour
        boot = counts.since()
        if not station.registration.accepted:
            raise RuntimeError("bench: the station was not registered: %s" % log[-5:])
        await asyncio.sleep(IDLE_HOURS * 3600)
        idle = counts.since(IDLE_HOURS)
        sessions = {}
        for interval_s in (60, 5):
            if station.config.change("MeterValueSampleInterval", str(interval_s)) != "Accepted":
                raise RuntimeError("bench: MeterValueSampleInterval %d refused" % interval_s)
            await asyncio.sleep(60)
            counts.since()  # the configuration's own write is not the session's
            sent_before = central.sent.count("MeterValues")
            await session(board, station, hardware, central, interval_s)
            sessions[interval_s] = dict(counts.since(),
                                        meter_values=central.sent.count("MeterValues")
                                        - sent_before)
            await asyncio.sleep(600)
            counts.since()
        failed = [line for line in log if "failed" in line or "raised" in line]
        if failed:
            raise RuntimeError("bench: the station logged failures: %s" % failed[:5])
        return {"boot": boot, "idle_per_hour": idle, "sessions": sessions}
    finally:
        for task in tasks:
            task.cancel()


def run():
    clock = VirtualClock()
    folder = tempfile.mkdtemp(prefix="bench_flash")
    loop = asyncio.SelectorEventLoop(JumpingSelector(clock))
    loop.time = lambda: clock.s
    try:
        return loop.run_until_complete(measure(folder, clock))
    finally:
        left = asyncio.all_tasks(loop)  # the station's own: ended before the loop is
        for task in left:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.close()
        shutil.rmtree(folder, ignore_errors=True)


def life_years(erases_per_day):
    """Years until the levelled blocks reach their rated cycles, at this many a day and
    with the budget's safety factor: ten years at ERASES_PER_DAY."""
    blocks = PARTITION_BYTES // BLOCK_BYTES * LEVELLED_SHARE
    return round(blocks * ERASE_CYCLES / SAFETY / max(erases_per_day, 1) / 365.25, 1)


def flash_figures(measured):
    idle = measured["idle_per_hour"]
    yield figure("flash wear, idle, per hour", "writes", idle, budget={"erases": IDLE_BUDGET},
                 note="after the boot's first hour (%d writes, %d B); erases: at most, one a "
                      "write and one a 4 KB block" % (measured["boot"]["writes"],
                                                       measured["boot"]["bytes"]))
    for interval_s, ours in sorted(measured["sessions"].items(), reverse=True):
        day = SESSIONS_PER_DAY * ours["erases"] + IDLE_HOURS_PER_DAY * idle["erases"]
        yield figure("flash wear, session, %d s samples" % interval_s, "writes",
                     dict(ours, life_years=life_years(day)), budget={"erases": SESSION_BUDGET},
                     note="both connectors %d min; life_years: at %d such sessions and %d idle "
                          "hours a day, %d erases a day allowed"
                          % (SESSION_S // 60, SESSIONS_PER_DAY, IDLE_HOURS_PER_DAY,
                             ERASES_PER_DAY))


def main():
    figures = list(flash_figures(run()))
    for result in figures:
        print(show(result), flush=True)
    report = os.path.join(ROOT, "build", "bench.json")
    if os.path.exists(report):  # tools/bench.py's, just written: these figures join it
        with open(report) as f:
            kept = json.load(f)
        names = [result["name"] for result in figures]
        kept["figures"] = [r for r in kept["figures"] if r["name"] not in names] + figures
        with open(report, "w") as f:
            json.dump(kept, f, indent=1)


if __name__ == "__main__":
    main()
