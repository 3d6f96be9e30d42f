"""The simulated board: the reference station's hardware as seen by the firmware, on a host.

Two DC connectors with fixed cables (1 = CCS2, 2 = CCS1) and no cable lock, an EV model at
each cable, a 240 kW power stage shared by both, a DC meter per connector, one RFID reader
and an Ethernet link. Runs under MicroPython's unix port and under CPython.

Its flash is a state directory: `flash/` is the firmware's (`state_dir`), `hw/` holds what
the hardware itself keeps across a power cut (meter registers, EVs, cables, faults). Without
a state directory nothing is kept.
"""
import asyncio
import json
import os
import time

from boards.sim.connector import SimConnector
from boards.sim.ev import EV
from boards.sim.meter import Meter
from boards.sim.network import Network
from boards.sim.power_stage import PowerStage, connector_ask_w
from boards.sim.reader import TagReader
from logring import LogRing
from store.atomic import ensure_dir, read_or_none, write_atomic

VENDOR = "OpenVolt"
MODEL = "DCFC-240-2"
FIRMWARE_VERSION = "0.1.0"
METER_TYPE = "OpenVolt sim DC meter"

PHYSICS_STEP_MS = 250
# A stalled loop (GC, a slow host) integrates at most this much at once.
MAX_STEP_MS = 2000
# How often the EVs' state of charge is saved while they charge.
HW_SAVE_INTERVAL_MS = 5000

# Per connector: cable, and the EV that arrives at it: capacity Wh, SoC %, max power W, class V.
CONNECTORS = (("CCS2", (77000, 20, 135000, 400)), ("CCS1", (98000, 20, 235000, 800)))

if hasattr(time, "ticks_ms"):
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
else:  # CPython: a monotonic millisecond counter with the same interface
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(end, start):
        return end - start


def power_cut():
    """The mains fail: this process ends at once, nothing more is sent or written."""
    try:
        import signal
    except ImportError:  # MicroPython's unix port: no signal, os.getpid or os._exit
        os.system("kill -9 $PPID")  # the shell's parent is this interpreter
    else:
        os.kill(os.getpid(), signal.SIGKILL)


class SimBoard:
    def __init__(self, identity_name, csms_url, password=None, ca_der=None, state_root=None):
        self.identity_name = identity_name
        self.csms_url = csms_url
        self.password = password
        self.ca_der = ca_der
        self.ticks_ms = ticks_ms
        self.ticks_diff = ticks_diff
        self.changed = asyncio.Event()
        self.log_ring = LogRing()  # what the field console's log() shows
        self.network = Network()
        self.reader = TagReader()
        self.power_stage = PowerStage()
        self.state_dir = None
        self._hw_path = None
        hw_dir = None
        if state_root is not None:
            self.state_dir = state_root + "/flash"
            hw_dir = state_root + "/hw"
            ensure_dir(self.state_dir)
            ensure_dir(hw_dir)
            self._hw_path = hw_dir + "/connectors.json"
        self.connectors = []
        for connector_id, (cable, ev) in enumerate(CONNECTORS, 1):
            meter_path = None if hw_dir is None else "%s/meter%d" % (hw_dir, connector_id)
            self.connectors.append(SimConnector(connector_id, cable, EV(*ev),
                                                Meter(meter_path, ticks_diff)))
        self._load_hw()
        self._demand = [c.ev_demand() for c in self.connectors]
        self._hw_saved_at_ms = ticks_ms()
        self._physics = None
        self._main_task = None
        self.reset_requested = None  # "hard" or "soft" once the firmware asked for a reset

    # ---- the firmware's side (boards/README.md) ----------------------------------------

    def log(self, line):
        self.log_ring.append(line)
        print(line)

    def boot_payload(self):
        return {
            "chargePointVendor": VENDOR,
            "chargePointModel": MODEL,
            "chargePointSerialNumber": "SIM-" + self.identity_name,
            "chargeBoxSerialNumber": "SIM-" + self.identity_name,
            "firmwareVersion": FIRMWARE_VERSION,
            "meterType": METER_TYPE,
        }

    async def open_connection(self, host, port, ssl=None, server_hostname=None):
        return await self.network.open_connection(host, port, ssl, server_hostname)

    def read_tag(self):
        return self.reader.read()

    # ---- the hardware's side -------------------------------------------------------------

    def connector(self, connector_id):
        return self.connectors[connector_id - 1]

    def input_changed(self, saved=True):
        """An input the firmware watches changed; `saved`: also keep the hardware state."""
        self._demand = [c.ev_demand() for c in self.connectors]
        if saved:
            self._save_hw(self.ticks_ms())
        self.changed.set()

    def reset(self, hard):
        """The firmware restarts the controller: the hardware state is kept and the main
        task ends, after which the device process exits with REBOOT_EXIT_STATUS and the
        launcher starts it again with the same state (a soft and a hard reset look alike
        here: the whole simulated controller restarts)."""
        self.reset_requested = "hard" if hard else "soft"
        self.log("board: %s reset" % self.reset_requested)
        self._save_hw(self.ticks_ms())
        if self._main_task is not None:
            self._main_task.cancel()

    def power_off(self):
        power_cut()

    def start(self):
        """Starts the physics on its own task; called from the main task, which a reset
        ends (the event loop must be running)."""
        self._main_task = asyncio.current_task()
        self._physics = asyncio.create_task(self._run_physics())

    async def _run_physics(self):
        last_ms = self.ticks_ms()
        while True:
            await asyncio.sleep(PHYSICS_STEP_MS / 1000)
            now_ms = self.ticks_ms()
            self.step(min(self.ticks_diff(now_ms, last_ms), MAX_STEP_MS), now_ms)
            last_ms = now_ms

    def step(self, dt_ms, now_ms):
        """Energy flows for dt_ms at the power set at the last step (none where the cable
        left, a fault tripped or the firmware switched off since), then the power of the
        next step is shared out from what the EVs accept and the firmware allows."""
        charging = False
        for connector in self.connectors:
            power_w = connector.power_w()
            connector.meter.integrate(power_w, dt_ms, now_ms)
            connector.ev.charge(power_w * dt_ms)
            charging = charging or power_w > 0
        asks = [connector_ask_w(c.energized, c.acceptance_w(), c.limit_w)
                for c in self.connectors]
        for connector, power_w in zip(self.connectors, self.power_stage.share(asks)):
            connector.delivered_w = power_w
        if [c.ev_demand() for c in self.connectors] != self._demand:
            self.input_changed(saved=False)
        if charging and self.ticks_diff(now_ms, self._hw_saved_at_ms) >= HW_SAVE_INTERVAL_MS:
            self._save_hw(now_ms)

    def _load_hw(self):
        if self._hw_path is None:
            return
        try:
            saved = json.loads(read_or_none(self._hw_path) or b"null")
        except ValueError:  # nothing usable kept: the hardware as it leaves the factory
            return
        if type(saved) is not dict:
            return
        for connector in self.connectors:
            state = saved.get(str(connector.connector_id))
            if type(state) is dict:
                connector.restore(state)

    def _save_hw(self, now_ms):
        self._hw_saved_at_ms = now_ms
        if self._hw_path is None:
            return
        state = {}
        for connector in self.connectors:
            state[str(connector.connector_id)] = connector.state()
        write_atomic(self._hw_path, json.dumps(state).encode())
