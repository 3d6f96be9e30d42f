"""The simulated hardware (boards/sim/hardware.py: EVs, power stage, meters, cables,
faults) and the card reader, served as an I/O controller on a UART would serve them
(docs/hwlink.md), on a byte stream: QEMU's socket for the emulated board's UART, or a TCP
connection from a device process on the host (boards/uart_link/sim_device.py).

    bridge = UartBridge(hardware)
    hardware.link = bridge      # in place of the JSON link: the same members
    await bridge.serve("127.0.0.1", 0)      # or serve_unix(path), or run_stream(r, w)

It has the members of hardware.ControllerLink that the launcher and the control port use
(serve, ask, send_io, control, connected, closed), so the control port works unchanged:
cables, EVs and faults are the hardware's; `tap` goes to this I/O controller's reader;
`status`, `net` and `heap` are service commands the controller carries out.

One controller at a time, as on a UART: a new connection replaces the old one. `cut`
(True: the wire is cut, nothing passes either way) and `inject(data)` (line noise towards
the controller) are for tests.
"""
import asyncio
import json
import time

from hwlink import messages as m
from hwlink.hardware_end import SILENCE_MS, HardwareEnd

TIMER_STEP_S = 0.1  # how often the fail-safe's silence is checked
ASK_TIMEOUT_S = 5
READ_CHUNK_BYTES = 256
# Bytes waiting for a controller that does not read, at most: a UART's transmitter does not
# wait for its receiver either; beyond this they are dropped (the receiver resynchronises).
SEND_BACKLOG_MAX = 16384
NO_ERROR = "NoError"


class _Model:
    """hwlink's view of the simulated hardware (hardware_end.py names the members)."""

    def __init__(self, hardware):
        self._hardware = hardware

    def serials(self):
        return [c.meter.serial for c in self._hardware.connectors]

    def status(self):
        connectors = []
        for c in self._hardware.connectors:
            fault = c.error_code()
            connectors.append(m.ConnectorStatus(
                plugged=c.plugged(), ev_demand=bool(c.ev_demand()),
                fault="" if fault == NO_ERROR else fault, energy_wh=c.energy_wh(),
                power_w=c.power_w(), voltage_mv=round(c.voltage_v() * 1000),
                current_ma=round(c.current_a() * 1000), soc=c.soc(), output_on=c.energized,
                limit_w=c.limit_w))
        return m.Status(connectors, emergency_stop=self.emergency_stop())

    def emergency_stop(self):
        return bool(getattr(self._hardware, "emergency_stop", False))

    def set_output(self, connector_id, on, limit_w):
        connector = self._hardware.connector(connector_id)
        connector.set_energize(on)
        connector.set_limit_w(limit_w)
        return connector.energized, connector.limit_w

    def all_off(self):
        for connector in self._hardware.connectors:
            connector.set_energize(False)
            connector.set_limit_w(None)


class UartBridge:
    def __init__(self, hardware, silence_ms=SILENCE_MS):
        """`silence_ms`: the fail-safe's, hwlink/hardware_end.py."""
        self._hardware = hardware
        self._model = _Model(hardware)
        self.end = HardwareEnd(self._model, _ticks_diff, silence_ms)
        self.control = None  # unused: the control port's commands come through ask()
        self.connected = asyncio.Event()  # a controller is in session
        self.closed = asyncio.Event()  # the last controller's stream ended
        self.cut = False
        self.dropped_bytes = 0
        self._writer = None
        self._inputs = None  # the inputs last told to the controller
        self._timer = None

    # ---- streams ------------------------------------------------------------------------

    async def serve(self, host="127.0.0.1", port=0):
        """Listens on TCP; returns the server (its port: sockets[0].getsockname()[1])."""
        return await asyncio.start_server(self.run_stream, host, port)

    async def serve_unix(self, path):
        return await asyncio.start_unix_server(self.run_stream, path)

    async def run_stream(self, reader, writer):
        """Serves the controller on this stream until it ends."""
        if self._writer is not None:  # the controller restarted: the old stream is dead
            self._writer.close()  # (on loopback, anyone who connects is taken for it)
        self._writer = writer
        self.closed.clear()
        if self._timer is None:
            self._timer = asyncio.ensure_future(self._watch_silence())
        try:
            while True:
                data = await reader.read(READ_CHUNK_BYTES)
                if not data:
                    break
                if self.cut:
                    continue
                self.end.receive_data(data, _now_ms())
                self._flush()
        except OSError:
            pass
        finally:
            if self._writer is writer:
                self._writer = None
                self.end.lost()
                self._track_session()
                self.closed.set()
            writer.close()

    async def _watch_silence(self):
        while True:
            await asyncio.sleep(TIMER_STEP_S)
            self.end.poll(_now_ms())
            self._flush()

    def inject(self, data):
        """Line noise: `data` reaches the controller as if it came down the wire."""
        if self._writer is not None:
            self._writer.write(data)

    def _flush(self):
        self._track_session()
        data = self.end.data_to_send()
        if not data or self._writer is None:
            return
        transport = self._writer.transport
        if self.cut or transport.get_write_buffer_size() > SEND_BACKLOG_MAX:
            self.dropped_bytes += len(data)
            return
        self._writer.write(bytes(data))

    def _track_session(self):
        if self.end.session:
            self.connected.set()
        else:
            self.connected.clear()
            self._inputs = None

    # ---- what hardware.py and control.py call ------------------------------------------

    def send_io(self):
        """The hardware's inputs or readings changed: an EVENT when an input did (the
        readings go with the controller's next POLL)."""
        inputs = [(c.plugged(), c.error_code(), bool(c.ev_demand()))
                  for c in self._hardware.connectors]
        inputs.append(self._model.emergency_stop())
        if inputs != self._inputs and self.end.session:
            self._inputs = inputs
            self.end.inputs_changed()
            self._flush()

    async def ask(self, command):
        """A control-port command for the controller's side; returns its reply (a dict)."""
        if command.startswith("tap "):
            if not self.end.tap(command[4:]):
                return {"ok": False, "error": "reader busy: earlier cards not read yet"}
            self._flush()
            return {"ok": True}
        try:
            await asyncio.wait_for(self.connected.wait(), ASK_TIMEOUT_S)
        except asyncio.TimeoutError:
            return {"ok": False, "error": "the controller is not running"}
        seq = self.end.send_command(command)
        if seq is None:
            return {"ok": False, "error": "too many commands waiting for the controller"}
        self._flush()
        answers = self.end.answers
        for _ in range(ASK_TIMEOUT_S * 100):
            if answers.get(seq) is not None:
                break
            await asyncio.sleep(0.01)
        text = answers.pop(seq, None)
        try:
            reply = json.loads(text) if text is not None else None
        except ValueError:
            reply = None
        if type(reply) is not dict:
            return {"ok": False, "error": "the controller did not answer"}
        return reply


def _now_ms():
    return time.monotonic_ns() // 1000000


def _ticks_diff(end, start):
    return end - start
