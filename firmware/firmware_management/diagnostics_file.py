"""The diagnostics file GetDiagnostics uploads: what a technician needs, nothing a thief could
use. Plain text, in sections:

- station: identity, firmware version, uptime, whether the clock is set, the time window;
- heap (gc.mem_free / mem_alloc, where the interpreter has them) and flash (board.flash_usage);
- transactions: the journal's queued messages and the transactions running (connector,
  transactionId, start, meter; no idTag);
- configuration: the configuration's own listing, which leaves out the keys that cannot be
  read (AuthorizationKey). No key material is a configuration value: the security
  extension's keys and certificates are files, never listed here;
- log: the board's log ring (lib/logring.py), the OCPP frames the link logs among its lines,
  each with the UTC time it was logged (from the ring's tick stamps and the station's clock)
  and only those within the window [startTime, stopTime]. A ring without stamps, or a clock
  not set yet, gives "time unknown" lines, all of them when the window overlaps the time
  since the start. The user:password of any URL in them (a GetDiagnostics location) is
  masked.

The file is made in pieces (chunks(), a generator), never whole in the heap. What changes from
one moment to the next is taken once per attempt (taken_now): HTTP reads the content twice,
its length first, and both reads must give the same bytes.
"""
try:
    import gc
except ImportError:  # an interpreter without one: no heap figures
    gc = None

from firmware.clock import format_iso8601

CONFIG_KEYS_PER_PIECE = 8  # a listing makes its Keys: a few at a time, never all at once
MASK = "***"


def taken_now(station, window):
    """(now, start of the station, uptime s, heap, flash, version, queued messages, running
    transactions, log lines), `window` being (startTime, stopTime) in Unix s, None if open."""
    clock = station.clock
    now_s = clock.now_s()
    uptime_s = now_s - clock.started_s
    started_s = clock.started_s if clock.synchronised else None  # unknown while unset
    board = station.board
    heap = None
    if gc is not None and hasattr(gc, "mem_free"):
        heap = (gc.mem_free(), gc.mem_alloc())
    flash = None
    usage = getattr(board, "flash_usage", None)
    if usage is not None:
        try:
            flash = usage()
        except OSError:  # the flash cannot tell
            pass
    running = []
    for transaction in station.transactions.active.values():
        running.append((transaction.connector_id, transaction.transaction_id,
                        clock.corrected_s(transaction.started_s), transaction.meter_start,
                        transaction.last_wh))
    return (now_s, started_s, uptime_s, heap, flash,
            board.boot_payload().get("firmwareVersion"), len(station.messages), running,
            _log_lines(station, window, now_s, started_s))


def _log_lines(station, window, now_s, started_s):
    """[(Unix s the line was logged, or None: unknown), line] of the ring, in the window."""
    start_s, stop_s = window
    board = station.board
    ring = getattr(board, "log_ring", None)
    kept = []
    for ticks, line in ring.stamped(ring.count) if ring is not None else ():
        if ticks is None or started_s is None:  # when, unknown: kept if the window overlaps
            logged_s = None  # the time since the start
            inside = (start_s is None or start_s <= now_s) and \
                (stop_s is None or started_s is None or stop_s >= started_s)
        else:  # recent lines: a 32-bit board's ticks_diff is right within 6.2 days
            logged_s = now_s - board.ticks_diff(board.ticks_ms(), ticks) // 1000
            inside = (start_s is None or logged_s >= start_s) and \
                (stop_s is None or logged_s <= stop_s)
        if inside:
            kept.append((logged_s, line))
    return kept


def chunks(station, taken):
    """The file, as bytes pieces of at most a few hundred bytes each."""
    now_s, started_s, uptime_s, heap, flash, version, queued, running, lines = taken
    yield ("# diagnostics of %s at %s\n[station]\nfirmwareVersion %s\nuptime_s %d\n"
           "started %s\n" % (station.board.identity_name, format_iso8601(now_s), version,
                             uptime_s, _time(started_s))).encode()
    if heap is not None:
        yield ("[heap]\nfree %d\nallocated %d\n" % heap).encode()
    if flash is not None:
        yield ("[flash]\nused %d\ntotal %d\n" % tuple(flash)).encode()
    yield ("[transactions]\nqueued %d\nrunning %d\n" % (queued, len(running))).encode()
    for connector_id, transaction_id, started, meter_start, last_wh in running:
        yield ("connector %d transactionId %s started %s meterStart %d lastWh %d\n"
               % (connector_id, transaction_id, _time(started), meter_start,
                  last_wh)).encode()
    yield b"[configuration]\n"
    config = station.config
    names = config.names()
    for first in range(0, len(names), CONFIG_KEYS_PER_PIECE):
        entries, _ = config.listing(names[first:first + CONFIG_KEYS_PER_PIECE])
        yield "".join("%s%s=%s\n" % (e["key"], " (read-only)" if e["readonly"] else "",
                                     e.get("value", "")) for e in entries).encode()
    yield ("[log] %d lines in the window, oldest first, each with its UTC time\n"
           % len(lines)).encode()
    for logged_s, line in lines:
        yield ("%s %s\n" % ("time unknown" if logged_s is None else format_iso8601(logged_s),
                            masked(line))).encode()


def masked(text):
    """`text` with the user:password of every scheme://user:password@host in it masked."""
    at = text.find("@")
    if at < 0:
        return text
    out = []
    start = 0
    while True:
        scheme = text.find("://", start)
        if scheme < 0:
            break
        begin = scheme + 3
        end = begin
        while end < len(text) and text[end] not in '@/" ':
            end += 1
        if end < len(text) and text[end] == "@":
            out.append(text[start:begin] + MASK)
            start = end
        else:
            out.append(text[start:begin])
            start = begin
    out.append(text[start:])
    return "".join(out)


def _time(unix_s):
    return "unknown" if unix_s is None else format_iso8601(unix_s)
