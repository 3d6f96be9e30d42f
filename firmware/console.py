"""Field console: a REPL over the live station, fed one line at a time, beside charging.

No I/O of its own: a board's console adapter reads lines, hands them to `Console.push()`
and prints the prompt it gets back; output goes through the `write` callable it was given.
Expressions print their repr, statements run, a line ending in ':' opens a block that a
blank line closes, `await EXPR` is handed back to the adapter to await. An error prints one
line and the station carries on.

`log()` reads the board's `log_ring` (lib/logring.py) when it has one.
"""
PROMPT = ">>> "
PROMPT_MORE = "... "

HELP = """helpers:
  status()      connectors, link, registration, queued messages
  config()      configuration keys and values; config("Key") one key
  queued()      transaction messages waiting for the Central System
  log(n=20)     the last n log lines
  help()        this text
names: station, board%s
'await EXPR' awaits a coroutine, e.g. await station.link.call("Heartbeat", {})"""


# Statuses that already say an EV is plugged in (OCPP 1.6 ChargePointStatus).
_PLUGGED_STATUSES = ("Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing")


def _kilowatts(watts):
    # Integer arithmetic: floats are single precision on the boards.
    return "%d.%d kW" % (watts // 1000, (watts % 1000) // 100)


def connector_line(c):
    """One connector of a status snapshot on one line, e.g. '[1] Charging 45.2 kW SoC 63%'
    ('limit 50.0 kW' after the power when a charging profile limits it)."""
    parts = ["[%s] %s" % (c.get("id"), c.get("status"))]
    error = c.get("errorCode")
    if error and error != "NoError":
        parts.append(error)
    if c.get("plugged") and c.get("status") not in _PLUGGED_STATUSES:
        parts.append("plugged")
    if c.get("powerW"):
        parts.append(_kilowatts(c["powerW"]))
    if c.get("limitW") is not None:  # the Smart Charging profile's
        parts.append("limit " + _kilowatts(c["limitW"]))
    if c.get("soc") is not None:
        parts.append("SoC %d%%" % c["soc"])
    if c.get("transactionId") is not None:
        if c.get("energyWh") is not None:
            parts.append("%d Wh" % c["energyWh"])
        parts.append("tx %s" % c["transactionId"])
    if c.get("idTag"):
        parts.append("tag " + c["idTag"])
    return " ".join(parts)


def snapshot_lines(snapshot):
    """A status snapshot as text lines: the link, then one line per connector."""
    head = "link %s, registration %s" % (snapshot.get("connection"), snapshot.get("registration"))
    if snapshot.get("queued") is not None:
        head += ", %d queued" % snapshot["queued"]
    lines = [head]
    for c in snapshot.get("connectors") or ():
        lines.append(connector_line(c))
    return lines


def _error_line(error):
    text = str(error)
    return type(error).__name__ + (": " + text if text else "")


class Console:
    def __init__(self, namespace, write=print, log_ring=None):
        self.namespace = namespace
        self._write = write
        self._buffer = None  # lines of an open block
        board = namespace.get("board")
        self._log_ring = log_ring or getattr(board, "log_ring", None)
        self._station = namespace.get("station")
        for name, helper in (("status", self.status), ("config", self.config),
                             ("queued", self.queued), ("log", self.log), ("help", self.help)):
            if name not in namespace:
                namespace[name] = helper

    @property
    def prompt(self):
        return PROMPT if self._buffer is None else PROMPT_MORE

    def push(self, line):
        """Takes one input line. Returns a coroutine when the input awaits something (the
        adapter passes it to `finish()`), else None after running it or buffering it."""
        line = line.rstrip("\r\n")
        if self._buffer is not None:
            if line.strip():
                self._buffer.append(line)
                return None
            source = "\n".join(self._buffer) + "\n"
            self._buffer = None
            return self._run(source)
        stripped = line.rstrip()
        if stripped.endswith(":"):
            self._buffer = [line]
            return None
        if not stripped:
            return None
        return self._run(line)

    def _run(self, source):
        try:
            if source.startswith("await "):
                return self._awaitable(source)
            try:
                code = compile(source, "<console>", "eval")
            except SyntaxError:
                code = None
            if code is None:
                exec(compile(source, "<console>", "exec"), self.namespace)
            else:
                self._show(eval(code, self.namespace))
        except Exception as error:  # the console never stops the station
            self._write(_error_line(error))
        return None

    def _awaitable(self, source):
        exec("async def _console_await():\n return (" + source.strip() + ")\n",
             self.namespace)
        return self.namespace.pop("_console_await")()

    async def finish(self, awaitable):
        """Awaits what `push()` handed back and shows its value like an expression's."""
        try:
            self._show(await awaitable)
        except Exception as error:
            self._write(_error_line(error))

    def _show(self, value):
        if value is not None:
            self.namespace["_"] = value
            self._write(repr(value))

    def _print_lines(self, lines):
        for line in lines:
            self._write(line)

    # Helpers put in the namespace. They print and return None, like help() in the REPL.

    def status(self):
        self._print_lines(snapshot_lines(self._station.snapshot()))

    def config(self, name=None):
        entries, unknown = self._station.config.listing(None if name is None else [name])
        for entry in entries:
            self._write("%s = %s%s" % (entry["key"], entry["value"],
                                       " (read-only)" if entry["readonly"] else ""))
        for key in unknown:
            self._write("%s: no such key" % key)

    def queued(self):
        queue = self._station.messages
        attempts = self._station.outbound.attempts(queue)  # the first's: only it is tried
        for item in queue:
            self._write("%s %r%s" % (item.action, item.payload,
                                     " (%d attempts)" % attempts if attempts else ""))
            attempts = 0
        self._write("%d queued" % len(queue))

    def log(self, n=20):
        if self._log_ring is None:
            self._write("(no log ring: the board does not keep log lines)")
            return
        self._print_lines(self._log_ring.lines(n))

    def help(self):
        extra = ", hw  (hw(\"status\"), hw(\"plug 2\"): the simulated hardware)" \
            if "hw" in self.namespace else ""
        self._write(HELP % extra)
