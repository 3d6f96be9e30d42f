# Stand-ins shared by the test_tx_* modules: a connector's I/O, a settable clock, a
# recording Central System call, and a station made of the real transaction services on a
# flash folder that can be "rebooted" (built again on the same folder).
import binascii
import os

from firmware.clock import Clock
from firmware.config import Configuration
from firmware.connector import Inputs
from firmware.outbound import Outbound
from firmware.core.transactions import Transactions
from firmware.core.tx_messages import TransactionMessages
from ocppj.errors import CallErrorReceived
from store.atomic import ensure_dir

# Per run: another run of the suite may be using the build folder at the same time.
ROOT = "build/test_tx/" + binascii.hexlify(os.urandom(4)).decode()
START_S = 1795593600  # 2026-11-25T08:00:00Z


class FakeIo:
    """A connector's power stage and DC meter as the hardware contract describes them: the
    test sets what flows (`power`, W at 400 V) and the register (`wh`); `failure`, an
    exception the meter's bus raises at each read; `serial`, the meter's serial number."""

    def __init__(self, connector_id):
        self.connector_id = connector_id
        self.wh = 1000 * connector_id
        self.power = 0
        self.soc_percent = 40
        self.energized = False
        self.failure = None
        self.serial = "DCM-%d" % connector_id

    def energy_wh(self):
        if self.failure is not None:
            raise self.failure
        return self.wh

    def meter_serial(self):
        return self.serial

    def power_w(self):
        return self.power

    def voltage_v(self):
        return 400.0

    def current_a(self):
        return self.power / 400.0

    def soc(self):
        return self.soc_percent

    def set_energize(self, on):
        self.energized = on


class FakeTime:
    def __init__(self):
        self.ms = 0

    def ticks_ms(self):
        return self.ms

    @staticmethod
    def ticks_diff(a, b):
        return a - b


class Central:
    """Answers like a Central System; `refuse[action]` CALLERRORs left for that action."""

    def __init__(self, keep=True):
        """`keep`: remember what was sent (long runs leave it off to spare the heap)."""
        self.keep = keep
        self.sent = []
        self.next_id = 100
        self.refuse = {}
        self.status = "Accepted"

    async def call(self, action, payload):
        self.sent.append((action, payload if self.keep else None))
        if self.refuse.get(action, 0) > 0:
            self.refuse[action] -= 1
            raise CallErrorReceived("InternalError", "refused")
        if action == "StartTransaction":
            self.next_id += 1
            return {"transactionId": self.next_id, "idTagInfo": {"status": self.status}}
        return {}

    def actions(self):
        return [a for a, _ in self.sent]


def folder(name):
    path = ROOT + "/" + name
    ensure_dir(path)
    for file_name in os.listdir(path):
        os.remove(path + "/" + file_name)
    return path


class Rig:
    """The transaction services of one station on flash folder `path` (durable=False: the
    message queue in RAM only), delivered by an outbound queue whose retry waits are
    recorded in `sleeps` and pass at once on the fake time."""

    def __init__(self, path, ios=None, time=None, settings=None, durable=True):
        self.path = path
        self.ios = ios or [FakeIo(1), FakeIo(2)]
        self.time = time or FakeTime()
        self.lines = []
        self.changes = 0
        config_path = path + "/config.json"
        self.sleeps = []
        self.config = Configuration(path=config_path, log=self.lines.append)
        self.clock = Clock(ticks_ms=self.time.ticks_ms, ticks_diff=self.time.ticks_diff)
        self.clock.set_iso8601("2026-11-25T08:00:00Z")
        self.outbound = Outbound(log=self.lines.append, ticks_ms=self.time.ticks_ms,
                                 ticks_diff=self.time.ticks_diff, config=self.config,
                                 wait=self._wait)
        self.messages = TransactionMessages(log=self.lines.append,
                                            path=path + "/tx.journal" if durable else None,
                                            connector_count=len(self.ios))
        self.outbound.add(self.messages)
        self.inputs = [Inputs() for _ in self.ios]
        self.transactions = Transactions(config=self.config, connectors_io=self.ios,
                                         clock=self.clock, messages=self.messages,
                                         log=self.lines.append, on_change=self._changed,
                                         ticks_ms=self.time.ticks_ms,
                                         ticks_diff=self.time.ticks_diff)
        for name, value in (settings or {}).items():
            assert self.config.change(name, value) == "Accepted", name

    async def _wait(self, event, seconds):
        if seconds is None:  # nothing to send until something is queued
            await event.wait()
            return
        self.sleeps.append(seconds)
        self.time.ms += int(seconds * 1000)

    def _changed(self):
        """The station's refresh as far as the outputs go: no fault, nothing but the
        transaction's own state to stop the energy."""
        self.changes += 1
        for connector_id, inputs in enumerate(self.inputs, 1):
            transaction = self.transactions.on_connector(connector_id)
            inputs.in_transaction = transaction is not None
            inputs.stopping = inputs.in_transaction and transaction.stopping is not None
            inputs.tx_authorized = not (inputs.in_transaction and transaction.suspended)
            self.transactions.switch_output(connector_id, inputs)

    def advance(self, seconds):
        """Time passes in ticks of a quarter second, as the sampler sees it."""
        for _ in range(int(seconds * 4)):
            self.time.ms += 250
            self.transactions.tick()

    def reboot(self):
        return Rig(self.path, self.ios, FakeTime())


async def deliver(rig, central, rounds=400):
    """Runs the rig's sender until its queue is empty (or `rounds` event-loop turns)."""
    import asyncio
    task = asyncio.create_task(rig.outbound.send_forever(central.call))
    for _ in range(rounds):
        await asyncio.sleep(0)
        if len(rig.messages) == 0:
            break
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
