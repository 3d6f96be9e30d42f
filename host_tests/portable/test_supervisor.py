# Issue 16: an exception from a board callable is logged, counted, and the station goes on
# (firmware/board_reads.py); a background task that ends is started again, and the board's
# watchdog is fed only while the event loop runs and the hardware is watched
# (firmware/supervisor.py).
import asyncio

from firmware import supervisor
from firmware.supervisor import Supervisor
from scratch import fresh_folder


class FakeTime:
    """Board ticks that a sleep advances at once: the supervisor's seconds pass in a few
    turns of the event loop."""

    def __init__(self):
        self.ms = 0
        self.slept = []

    def ticks_ms(self):
        return self.ms

    @staticmethod
    def ticks_diff(a, b):
        return a - b

    async def sleep(self, seconds):
        self.slept.append(seconds)
        self.ms += int(seconds * 1000)
        await asyncio.sleep(0)


async def turns(count):
    for _ in range(count):
        await asyncio.sleep(0)


async def test_an_ended_task_is_logged_and_started_again_later_each_time():
    time = FakeTime()
    lines = []
    keeper = Supervisor(log=lines.append, ticks_ms=time.ticks_ms, ticks_diff=time.ticks_diff)
    runs = []
    forever = asyncio.Event()

    async def flaky():
        runs.append(len(runs))
        if len(runs) == 1:
            raise OSError(5, "EIO")
        if len(runs) <= 3:
            return  # returned although it runs for ever: ended too
        await forever.wait()

    entry = keeper.keep("flaky", flaky)
    restarted_after_s = []
    for _ in range(20):  # a second each: a task failing at once takes ever less of the loop
        await turns(2)
        before = len(runs)
        keeper.check()
        await turns(1)
        if len(runs) > before:
            restarted_after_s.append(time.ms // 1000)
        time.ms += 1000
    assert len(runs) == 4 and keeper.restarts == 3
    assert restarted_after_s == [1, 4, 9]  # ended at 0, 2, 5; waited 1, 2, 4 s
    assert len([line for line in lines if "flaky ended" in line]) == 3, lines
    keeper.drop(entry)  # cancelled, it ends for good
    await turns(3)
    keeper.check()
    assert len(runs) == 4 and keeper.restarts == 3


async def test_the_watchdog_is_fed_only_while_the_hardware_watcher_reports_progress():
    time = FakeTime()
    fed = []
    keeper = Supervisor(log=lambda line: None, ticks_ms=time.ticks_ms, ticks_diff=time.ticks_diff,
                        feed=lambda: fed.append(time.ms), sleep=time.sleep)
    feeding = asyncio.create_task(keeper.run())
    for _ in range(10):  # the watcher passes every second: fed every second
        keeper.progress()
        await turns(1)
    healthy = len(fed)
    assert healthy >= 9
    await turns(20)  # no pass any more (it fails, or waits for ever): no feeding after a while
    assert len(fed) - healthy <= supervisor.PROGRESS_MAX_S
    stopped = len(fed)
    await turns(10)
    assert len(fed) == stopped
    feeding.cancel()


async def test_a_feed_watchdog_that_raises_is_logged_once_and_tried_again():
    time = FakeTime()
    lines = []
    failing = [True]

    def feed():
        if failing[0]:
            raise OSError(19, "ENODEV")

    keeper = Supervisor(log=lines.append, ticks_ms=time.ticks_ms, ticks_diff=time.ticks_diff,
                        feed=feed, sleep=time.sleep)
    feeding = asyncio.create_task(keeper.run())
    await turns(3)
    failing[0] = False
    keeper.progress()
    await turns(2)
    feeding.cancel()
    assert len([line for line in lines if "feed_watchdog" in line]) == 1 and keeper.feeds >= 1


def raising(*args):
    raise OSError(5, "EIO")


def station_on_sim_board(name, feed_watchdog=None):
    import firmware.station
    from boards.sim.board import SimBoard

    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None,
                     fresh_folder("test_supervisor", name))
    if feed_watchdog is not None:
        board.feed_watchdog = feed_watchdog
    lines = []
    board.log = lines.append
    return firmware.station.Station(board), board, lines


def test_board_reads_that_raise_are_logged_counted_and_the_station_goes_on():
    station, board, lines = station_on_sim_board("reads")
    io = board.connectors[0]
    io.io = [True, "NoError", True, 0, 0, 0.0, 0.0, None]  # plugged, the EV asks for energy
    station._read_inputs()
    assert station.status.connectors[1].status == "Preparing"
    board.read_tag = io.plugged = io.error_code = io.ev_demand = raising
    for _ in range(3):
        station._read_inputs()
    assert station.reads.failures == 12
    assert len([line for line in lines if "raised OSError" in line]) == 4, lines
    state = station.status.connectors[1]
    # The fault state unknown: Faulted, InternalError; the plug as it was last read.
    assert (state.status, state.error_code) == ("Faulted", "InternalError")
    assert station.inputs[0].plugged and not station.inputs[0].ev_demand
    del board.read_tag, io.plugged, io.error_code, io.ev_demand
    station._read_inputs()
    assert len([line for line in lines if "works again" in line]) == 4
    assert station.status.connectors[1].status == "Preparing"


async def test_the_running_station_restarts_an_ended_task_and_feeds_the_watchdog():
    fed = []
    station, board, lines = station_on_sim_board("run", lambda: fed.append(1))
    sampler = station.transactions.sample_forever
    runs = []

    async def sampling_that_fails_once():
        runs.append(1)
        if len(runs) == 1:
            raise MemoryError()
        await sampler()

    station.transactions.sample_forever = sampling_that_fails_once
    running = asyncio.create_task(station.run())
    for _ in range(80):  # real time: noticed within CHECK_S, restarted RESTART_DELAY_S later
        await asyncio.sleep(0.05)
        if len(runs) == 2 and fed:
            break
    running.cancel()
    for entry in list(station.supervisor._kept):
        station.supervisor.drop(entry)
    await asyncio.sleep(0)
    assert len(runs) == 2 and fed, lines
    assert len([line for line in lines if "sampling ended" in line]) == 1, lines
    assert len([line for line in lines if "raised MemoryError" in line]) == 1, lines
