"""The simulated station's hardware outside the controller: two connectors with fixed
cables (1 = CCS2, 2 = CCS1) and no cable lock, an EV model at each cable, a 240 kW power
stage shared by both and a DC meter per connector.

It runs in the launcher's process (boards/sim/station, CPython), not on the controller:
a real board's EV, power stage and meters are not in the microcontroller's memory either.
The controller (boards/sim/board.py) reaches it over a local TCP link, as a board reaches
its meter over a UART: one JSON object per line.

  hardware -> controller  {"io": [[plugged, errorCode, evDemand, energyWh, powerW, voltageV,
                                    currentA, soc], ...]}   the inputs and readings, per
                          connector, whenever they change (first io line on connect)
                          {"meters": [serial, ...]}  the meters' serial numbers, per
                          connector (first line on connect)
                          {"id": N, "do": "status" | "tap TAG" | "net up|down" | "heap" | "alloc start|stop"}
                          a control command the controller carries out
  controller -> hardware  {"controller": 1}                   first line
                          {"id": N, "reply": {...}}          its answer
                          {"energize": [connector, bool]}, {"limit": [connector, W|null]}
The controller's field console sends `hw("plug 2")` on a connection of its own, first line
{"hw": "plug 2"}, answered {"reply": {...}} or, for a command of the controller's,
{"do": "tap TAG"} for it to carry out itself.

`hw/` of the state folder keeps what the hardware keeps across a power cut (meter
registers, EVs, cables, faults).
"""
import asyncio
import json

from boards.sim.connector import SimConnector
from boards.sim.ev import EV
from boards.sim.meter import Meter
from boards.sim.power_stage import PowerStage, connector_ask_w, ramped_w
from store.atomic import ensure_dir, read_or_none, write_atomic

PHYSICS_STEP_MS = 250
# A stalled loop (GC, a slow host) integrates at most this much at once.
MAX_STEP_MS = 2000
# How often the EVs' state of charge is saved while they charge.
HW_SAVE_INTERVAL_MS = 5000
# A control command the controller has not answered in this long gets an error reply.
ASK_TIMEOUT_S = 5

# Per connector: cable, and the EV that arrives at it: capacity Wh, SoC %, max power W, class V.
CONNECTORS = (("CCS2", (77000, 20, 135000, 400)), ("CCS1", (98000, 20, 235000, 800)))
METER_SERIAL = "OVDCM-%04d"  # of connector N's meter


def ticks_diff(end, start):
    return end - start


class Hardware:
    """`speed`: how many times faster than real time energy flows (the launcher's
    --speed): a long charge in a short test or demo, the controller's own clock unchanged."""

    def __init__(self, state_root=None, speed=1):
        self.speed = speed
        self.power_stage = PowerStage()
        self._hw_path = None
        hw_dir = None
        if state_root is not None:
            hw_dir = state_root + "/hw"
            ensure_dir(hw_dir)
            self._hw_path = hw_dir + "/connectors.json"
        self.connectors = []
        for connector_id, (cable, ev) in enumerate(CONNECTORS, 1):
            meter_path = None if hw_dir is None else "%s/meter%d" % (hw_dir, connector_id)
            meter = Meter(meter_path, ticks_diff, METER_SERIAL % connector_id)
            self.connectors.append(SimConnector(connector_id, cable, EV(*ev), meter))
        self._load_hw()
        self._hw_saved_at_ms = 0
        self._stepped_ms = 0  # the time of the last physics step
        self._physics = None
        self.link = ControllerLink(self)
        self.notified = 0  # input changes signalled to the controller

    def connector(self, connector_id):
        return self.connectors[connector_id - 1]

    def io(self):
        """What the controller sees of each connector, as the link sends it."""
        return [[c.plugged(), c.error_code(), c.ev_demand(), c.energy_wh(), c.power_w(),
                 c.voltage_v(), c.current_a(), c.soc()] for c in self.connectors]

    def input_changed(self, saved=True):
        """An input changed (cable, fault, EV); `saved`: also keep the hardware state."""
        # A cable pulled or a protection tripped stops the current at once, and for good
        # (a cable plugged back before the next step finds no current left in the output);
        # the meter shows every Wh before the controller can read the current as zero
        # (boards/README.md), not at the next step.
        for connector in self.connectors:
            if not connector.acceptance_w():
                connector.delivered_w = 0
            if connector.power_w() == 0:
                connector.meter.flow_stopped(self._stepped_ms)
        if saved:
            self._save_hw(self._hw_saved_at_ms)
        self.notified += 1
        self.link.send_io()

    def apply(self, message):
        """A controller output: energize or limit a connector."""
        for key in ("energize", "limit"):
            value = message.get(key)
            if type(value) is list and len(value) == 2 and value[0] in (1, 2):
                connector = self.connector(value[0])
                if key == "energize":
                    connector.set_energize(value[1])
                else:
                    connector.set_limit_w(value[1])

    def start(self):
        """Starts the physics on its own task (the event loop must be running)."""
        self._physics = asyncio.create_task(self._run_physics())

    async def _run_physics(self):
        loop = asyncio.get_running_loop()
        last_ms = int(loop.time() * 1000)
        while True:
            await asyncio.sleep(PHYSICS_STEP_MS / 1000)
            now_ms = int(loop.time() * 1000)
            self.step(min(now_ms - last_ms, MAX_STEP_MS) * self.speed, now_ms)
            last_ms = now_ms

    def step(self, dt_ms, now_ms):
        """Energy flows for dt_ms at the power set at the last step (none where the cable
        left or a protection tripped since), then the power of the next step is shared out
        from what the EVs accept and the controller allows, an output switched off ramping
        down (power_stage.py); a meter whose current stops shows its register at once."""
        self._stepped_ms = now_ms
        charging = False
        demand = [c.ev_demand() for c in self.connectors]
        for connector in self.connectors:
            power_w = connector.power_w()
            connector.meter.integrate(power_w, dt_ms, now_ms)
            connector.ev.charge(power_w * dt_ms)
            charging = charging or power_w > 0
        asks = [connector_ask_w(c.switched_on(), c.acceptance_w(), c.limit_w)
                for c in self.connectors]
        for connector, share_w in zip(self.connectors, self.power_stage.share(asks)):
            connector.delivered_w = ramped_w(connector.delivered_w, share_w, dt_ms) \
                if connector.acceptance_w() else 0
            if connector.power_w() == 0:
                connector.meter.flow_stopped(now_ms)
        if [c.ev_demand() for c in self.connectors] != demand:
            self.input_changed(saved=False)
        else:
            self.link.send_io()  # readings: sent only when they differ from the last sent
        if charging and now_ms - self._hw_saved_at_ms >= HW_SAVE_INTERVAL_MS:
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


class ControllerLink:
    """The hardware's end of the link to the controller (one controller at a time)."""

    def __init__(self, hardware):
        self._hardware = hardware
        self._writer = None
        self._sent = None
        self._asks = {}
        self._next_id = 0
        self.control = None  # the control port's commands, for the controller's console
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()

    async def serve(self, host="127.0.0.1", port=0):
        """Listens for the controller; returns the server (its port: sockets[0])."""
        return await asyncio.start_server(self._accept, host, port)

    async def _accept(self, reader, writer):
        try:
            first = json.loads(await reader.readline())
        except (ValueError, OSError):
            first = None
        if type(first) is dict and "hw" in first and self.control is not None:
            await self._console_command(writer, first["hw"])
        elif first == {"controller": 1} and self._writer is None:
            await self._converse(reader, writer)
        else:  # not the controller, or a second one: this hardware has one
            writer.close()

    async def _console_command(self, writer, line):
        # The controller's console, blocked until the answer: a command of its own comes
        # back checked for it to carry out (asking it would wait on a blocked console).
        reply = self.control.resolve(line) if type(line) is str else {"ok": False}
        writer.write(json.dumps({"do": reply} if type(reply) is str else
                                {"reply": reply}).encode() + b"\n")
        try:
            await writer.drain()
            writer.close()
        except OSError:
            pass

    async def _converse(self, reader, writer):
        self._writer = writer
        self._sent = None
        self._send({"meters": [c.meter.serial for c in self._hardware.connectors]})
        self.send_io()
        self.connected.set()
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if type(message) is not dict:
                    continue
                if "reply" in message:
                    waiter = self._asks.pop(message.get("id"), None)
                    if waiter is not None:
                        waiter.append(message["reply"])
                else:
                    self._hardware.apply(message)
        except OSError:
            pass
        finally:
            self._writer = None
            self.connected.clear()
            for connector in self._hardware.connectors:  # a stopped controller drives nothing
                connector.set_energize(False)
                connector.set_limit_w(None)
            self.closed.set()
            try:
                writer.close()
            except OSError:
                pass

    def _send(self, message):
        if self._writer is not None:
            self._writer.write(json.dumps(message).encode() + b"\n")

    def send_io(self):
        if self._writer is None:
            return
        io = self._hardware.io()
        if io != self._sent:
            self._sent = io
            self._send({"io": io})

    async def ask(self, command):
        """Has the controller carry out a control command; returns its reply."""
        if self._writer is None:  # starting, or restarting after a reset
            try:
                await asyncio.wait_for(self.connected.wait(), ASK_TIMEOUT_S)
            except asyncio.TimeoutError:
                return {"ok": False, "error": "the controller is not running"}
        self._next_id += 1
        ask_id = self._next_id
        answer = []
        self._asks[ask_id] = answer
        self._send({"id": ask_id, "do": command})
        for _ in range(ASK_TIMEOUT_S * 100):
            await asyncio.sleep(0.01)
            if answer:
                return answer[0]
            if self._writer is None:
                break
        self._asks.pop(ask_id, None)
        return {"ok": False, "error": "the controller did not answer"}
