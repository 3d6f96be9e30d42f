"""The control port of the simulated station: the world outside the controller (cables,
EVs, cards, faults, the network, the mains) driven one text command per line, answered
with one JSON object per line. boards/sim/README.md lists the commands.

It runs in the launcher's process beside the hardware (boards/sim/hardware.py). Cables,
EVs, faults and the mains are the hardware's; `status`, `tap`, `net` and `heap` are carried
out by the controller (its own view, its reader input, its Ethernet link, its heap) over
the hardware link. `await Control.execute(line)` is the whole command set as a call;
`Control.serve()` puts it on TCP. Neither ever raises.
"""
import asyncio
import json
import os

from boards.sim.connector import ERROR_CODES

TAG_MAX_CHARS = 20  # an OCPP 1.6 IdToken is CiString20

MAX_LINE_BYTES = 512
MAX_CLIENTS = 4
READ_CHUNK_BYTES = 256
REPLY_TIMEOUT_S = 5
# A client silent for this long gives its place up (there are only MAX_CLIENTS).
CLIENT_IDLE_S = 600
# Port 0 asks for any free port. MicroPython's server does not tell the port it bound, so
# free ports are tried at random below Linux's ephemeral range (no outgoing connection
# takes them).
FREE_PORT_FIRST = 20000
FREE_PORT_COUNT = 12000
FREE_PORT_TRIES = 50

MAX_CAPACITY_WH = 1000000
MAX_EV_POWER_W = 1000000


class CommandError(Exception):
    """A command that cannot be carried out; its text is the reply's error."""


class Control:
    def __init__(self, hardware, power_off):
        """`power_off()`: the mains fail (ends the controller and this process)."""
        self.hardware = hardware
        self._power_off = power_off
        self.clients = 0
        self._server = None
        self._commands = {
            "status": self._status, "plug": self._plug, "unplug": self._unplug,
            "tap": self._tap, "ev": self._ev, "fault": self._fault, "clear": self._clear,
            "switch": self._switch, "net": self._net, "power": self._power,
            "heap": self._heap, "alloc": self._alloc,
        }

    # ---- commands --------------------------------------------------------------------------

    async def execute(self, line):
        """Carries out one command line (str or bytes); returns the reply as a dict."""
        reply = self.resolve(line)
        if type(reply) is str:
            return await self.hardware.link.ask(reply)
        return reply

    def resolve(self, line):
        """Carries out a hardware command and returns its reply (a dict), or checks a
        command of the controller's and returns it, normalised, as a str to send it."""
        try:
            if type(line) is not str:
                line = bytes(line).decode()
            words = line.split()
            if not words:
                return _error("empty command")
            command = self._commands.get(words[0])
            if command is None:
                return _error("unknown command: " + _clip(words[0]))
            reply = command(words[1:])
            return reply if reply is not None else {"ok": True}
        except CommandError as e:
            return _error(str(e))
        except UnicodeError:
            return _error("not UTF-8 text")
        except Exception as e:  # a bug here must not reach the station
            return _error("internal error: %s: %s" % (type(e).__name__, _clip(str(e))))

    def _status(self, args):
        _arguments(args, 0, "status")
        return "status"

    def _plug(self, args):
        self._set_plugged(args, "plug", True)

    def _unplug(self, args):
        self._set_plugged(args, "unplug", False)

    def _set_plugged(self, args, name, plugged):
        _arguments(args, 1, name + " N")
        self._connector(args[0]).is_plugged = plugged
        self.hardware.input_changed()

    def _tap(self, args):
        _arguments(args, 1, "tap IDTAG")
        tag = args[0]
        if len(tag) > TAG_MAX_CHARS or not _printable(tag):
            raise CommandError("an id tag is 1 to %d printable ASCII characters" % TAG_MAX_CHARS)
        return "tap " + tag

    def _ev(self, args):
        usage = "ev N suspend|resume|soc PERCENT|capacity KWH|maxpower KW"
        if len(args) < 2:
            raise CommandError("usage: " + usage)
        ev = self._connector(args[0]).ev
        action = args[1]
        if action in ("suspend", "resume"):
            _arguments(args, 2, usage)
            ev.suspended = action == "suspend"
        elif action == "soc":
            _arguments(args, 3, usage)
            percent = _number(args[2], 1)
            if percent is None or percent > 100:
                raise CommandError("soc is a whole percent 0..100")
            ev.set_soc(percent)
        elif action == "capacity":
            _arguments(args, 3, usage)
            capacity_wh = _number(args[2], 1000)
            if not capacity_wh or capacity_wh > MAX_CAPACITY_WH:
                raise CommandError("capacity is kWh above 0 and up to %d"
                                   % (MAX_CAPACITY_WH // 1000))
            ev.set_capacity_wh(capacity_wh)
        elif action == "maxpower":
            _arguments(args, 3, usage)
            power_w = _number(args[2], 1000)
            if not power_w or power_w > MAX_EV_POWER_W:
                raise CommandError("maxpower is kW above 0 and up to %d" % (MAX_EV_POWER_W // 1000))
            ev.max_power_w = power_w
        else:
            raise CommandError("usage: " + usage)
        self.hardware.input_changed()

    def _fault(self, args):
        _arguments(args, 2, "fault N ERRORCODE")
        connector = self._connector(args[0])
        if args[1] not in ERROR_CODES:
            raise CommandError("unknown ChargePointErrorCode: " + _clip(args[1]))
        connector.fault = args[1]
        self.hardware.input_changed()

    def _clear(self, args):
        _arguments(args, 1, "clear N")
        self._connector(args[0]).fault = "NoError"
        self.hardware.input_changed()

    def _switch(self, args):
        _arguments(args, 2, "switch N stuck|ok")
        connector = self._connector(args[0])
        if args[1] not in ("stuck", "ok"):
            raise CommandError("usage: switch N stuck|ok")
        connector.switch_stuck = args[1] == "stuck"
        self.hardware.input_changed()

    def _net(self, args):
        _arguments(args, 1, "net down|up")
        if args[0] not in ("down", "up"):
            raise CommandError("usage: net down|up")
        return "net " + args[0]

    def _power(self, args):
        if args != ["off"]:
            raise CommandError("usage: power off")
        self._power_off()

    def _heap(self, args):
        _arguments(args, 0, "heap")
        return "heap"

    def _alloc(self, args):
        if args not in (["start"], ["stop"]):
            raise CommandError("usage: alloc start|stop")
        return "alloc " + args[0]

    def _connector(self, text):
        count = len(self.hardware.connectors)
        if not text.isdigit() or not 1 <= int(text) <= count:
            raise CommandError("no connector %s (1..%d)" % (_clip(text), count))
        return self.hardware.connector(int(text))

    # ---- the TCP port ----------------------------------------------------------------------

    async def serve(self, host, port):
        """Listens on host:port (0: any free port); returns the port."""
        if port:
            self._server = await asyncio.start_server(self._client, host, port)
            return port
        error = None
        for _ in range(FREE_PORT_TRIES):
            candidate = FREE_PORT_FIRST + int.from_bytes(os.urandom(2), "big") % FREE_PORT_COUNT
            try:
                self._server = await asyncio.start_server(self._client, host, candidate)
                return candidate
            except OSError as e:
                error = e
        raise error

    async def _client(self, reader, writer):
        try:
            if self.clients >= MAX_CLIENTS:
                await _reply(writer, _error("too many control clients"))
                return
            self.clients += 1
            try:
                await self._converse(reader, writer)
            finally:
                self.clients -= 1
        except Exception:  # the client went away, stalled, or never read its replies
            pass
        finally:
            await _close(writer)

    async def _converse(self, reader, writer):
        pending = b""
        skipping = False  # inside a line already answered as too long
        while True:
            data = await asyncio.wait_for(reader.read(READ_CHUNK_BYTES), CLIENT_IDLE_S)
            if not data:
                return
            pending += data
            while True:
                end = pending.find(b"\n")
                if end < 0:
                    if len(pending) > MAX_LINE_BYTES:
                        pending = b""
                        if not skipping:
                            skipping = True
                            await _reply(writer, _error("line too long"))
                    break
                line = pending[:end]
                pending = pending[end + 1:]
                if skipping:
                    skipping = False
                elif len(line) > MAX_LINE_BYTES:
                    await _reply(writer, _error("line too long"))
                else:
                    await _reply(writer, await self.execute(line))


async def _reply(writer, reply):
    writer.write((json.dumps(reply) + "\n").encode())
    await asyncio.wait_for(writer.drain(), REPLY_TIMEOUT_S)


async def _close(writer):
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), REPLY_TIMEOUT_S)
    except Exception:  # already gone
        pass


def _error(text):
    return {"ok": False, "error": text}


def _arguments(args, count, usage):
    if len(args) != count:
        raise CommandError("usage: " + usage)


def _clip(text):
    return text if len(text) <= 40 else text[:40] + "..."


def _printable(text):
    for char in text:
        if not "!" <= char <= "~":
            return False
    return True


def _number(text, scale):
    """Non-negative decimal text (at most 3 decimals) times `scale`, as an int; None when
    it is not such a number or has more decimals than `scale` keeps."""
    whole, dot, fraction = text.partition(".")
    if not whole.isdigit() or len(text) > 12:
        return None
    if not dot:
        return int(whole) * scale
    if not fraction.isdigit() or len(fraction) > 3:
        return None
    value = int(whole + fraction) * scale
    divisor = 10 ** len(fraction)
    return value // divisor if value % divisor == 0 else None
