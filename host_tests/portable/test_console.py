# The field console core: lines in, REPL behaviour out, never an exception into the station.
import asyncio

from firmware.config import INTEGER, Configuration, Key
from firmware.console import Console, connector_line
from logring import LOG_LINE_MAX, LogRing
from firmware.outbound import Outbound
from firmware.core.tx_messages import TransactionMessages


class Link:
    state = "online"

    async def call(self, action, payload):
        await asyncio.sleep(0)
        return {"action": action}


class Registration:
    status = "Accepted"


class Station:
    def __init__(self):
        self.link = Link()
        self.registration = Registration()
        self.config = Configuration(path="/nonexistent-console-test/config.json",
                                    log=lambda line: None)
        self.config.declare(Key("HeartbeatInterval", INTEGER, 300, minimum=5, maximum=3600))
        self.config.declare(Key("NumberOfConnectors", INTEGER, 2, writable=False))
        self.messages = TransactionMessages(log=lambda line: None)
        self.outbound = Outbound(log=lambda line: None, ticks_ms=lambda: 0,
                                 ticks_diff=lambda a, b: a - b)
        self.outbound.add(self.messages)

    def snapshot(self):
        return {"connection": "online", "registration": "Accepted", "queued": 2,
                "connectors": [{"id": 0, "status": "Available"},
                               {"id": 1, "status": "Charging", "errorCode": "NoError",
                                "plugged": True, "transactionId": 7, "idTag": "ABC",
                                "energyWh": 1234, "powerW": 45250, "soc": 63},
                               {"id": 2, "status": "Faulted", "errorCode": "GroundFailure",
                                "plugged": False, "transactionId": None, "idTag": None,
                                "energyWh": 0, "powerW": 0, "soc": None}]}


class Board:
    identity_name = "CP001"
    csms_url = "ws://127.0.0.1:9000/ocpp/CP001"

    def __init__(self):
        self.log_ring = LogRing(4)


def make(station=None, **extra):
    out = []
    namespace = {"station": station or Station(), "board": Board()}
    for name in extra:
        namespace[name] = extra[name]
    return Console(namespace, out.append), out, namespace


def feed(console, *lines):
    for line in lines:
        assert console.push(line) is None


def test_expression_prints_repr_and_sets_underscore():
    console, out, ns = make()
    feed(console, "1 + 2", "'a' * 2", "None")
    assert out == ["3", "'aa'"]
    feed(console, "1 + 2", "_ * 10")
    assert out[-1] == "30"


def test_statement_runs_in_namespace_and_prints_nothing():
    console, out, ns = make()
    feed(console, "x = 40", "x + 2")
    assert ns["x"] == 40
    assert out == ["42"]


def test_block_runs_after_blank_line():
    console, out, ns = make()
    assert console.prompt == ">>> "
    feed(console, "def double(v):")
    assert console.prompt == "... "
    feed(console, "    return v * 2")
    assert out == [] and "double" not in ns
    feed(console, "")
    assert console.prompt == ">>> "
    feed(console, "double(21)")
    assert out == ["42"]
    feed(console, "for i in range(3):", "    total = i", "")
    assert ns["total"] == 2


def test_errors_print_one_line_and_do_not_raise():
    console, out, ns = make()
    feed(console, "1 / 0", "undefined_name", "1 +* 2", "if True:", "  raise KeyError('k')", "")
    assert len(out) == 4
    assert out[0].startswith("ZeroDivisionError")
    assert out[1].startswith("NameError: ")
    assert out[2].startswith("SyntaxError")
    assert out[3].startswith("KeyError")
    feed(console, "raise ValueError")
    assert out[-1] == "ValueError"
    feed(console, "7")
    assert out[-1] == "7"  # still working


def test_blank_lines_do_nothing():
    console, out, ns = make()
    feed(console, "", "   ", "\n")
    assert out == [] and console.prompt == ">>> "


def test_await_expression_is_handed_back_and_shown():
    console, out, ns = make()
    awaitable = console.push('await station.link.call("Heartbeat", {})')
    assert awaitable is not None
    asyncio.run(console.finish(awaitable))
    assert out == ["{'action': 'Heartbeat'}"]
    failing = console.push("await station.link.missing()")
    asyncio.run(console.finish(failing))
    assert out[-1].startswith("AttributeError")
    assert "_console_await" not in ns


def test_status_prints_link_and_every_connector():
    console, out, ns = make()
    feed(console, "status()")
    assert out == ["link online, registration Accepted, 2 queued",
                   "[0] Available",
                   "[1] Charging 45.2 kW SoC 63% 1234 Wh tx 7 tag ABC",
                   "[2] Faulted GroundFailure"]


def test_connector_line_only_shows_what_is_known():
    assert connector_line({"id": 2, "status": "Available"}) == "[2] Available"
    assert connector_line({"id": 1, "status": "Preparing", "plugged": True, "powerW": 0,
                           "soc": 20, "transactionId": None}) == "[1] Preparing SoC 20%"
    assert connector_line({"id": 1, "status": "Faulted", "errorCode": "GroundFailure",
                           "plugged": True}) == "[1] Faulted GroundFailure plugged"
    assert connector_line({"id": 1, "status": "Charging", "powerW": 11000,
                           "limitW": 11000}) == "[1] Charging 11.0 kW limit 11.0 kW"
    assert connector_line({"id": 1, "status": "SuspendedEVSE",
                           "limitW": 0}) == "[1] SuspendedEVSE limit 0.0 kW"


def test_log_helper_reads_the_board_ring():
    console, out, ns = make()
    ring = ns["board"].log_ring
    for i in range(6):
        ring.append("line %d" % i)
    feed(console, "log()")
    assert out == ["line 2", "line 3", "line 4", "line 5"]
    del out[:]
    feed(console, "log(2)")
    assert out == ["line 4", "line 5"]


def test_log_ring_is_bounded_in_lines_and_line_length():
    ring = LogRing(3)
    assert ring.lines(10) == []
    ring.append("a")
    assert ring.lines(10) == ["a"]
    for text in ("b", "c", "d", "e"):
        ring.append(text)
    assert ring.lines(10) == ["c", "d", "e"]
    assert ring.lines(1) == ["e"]
    assert ring.lines(0) == []
    assert ring.count == 5
    ring.append("x" * (LOG_LINE_MAX * 3))
    assert len(ring.lines(1)[0]) == LOG_LINE_MAX
    assert ring.lines(1)[0].endswith("...")
    ring.append("\u00e9" * LOG_LINE_MAX)  # two bytes each: cut between characters
    cut = ring.lines(1)[0]
    assert cut == "\u00e9" * ((LOG_LINE_MAX - 3) // 2) + "..."
    assert ring.lines(10)[:2] == ["e", "x" * (LOG_LINE_MAX - 3) + "..."]


def test_help_lists_the_helpers_and_hw_when_present():
    console, out, ns = make()
    feed(console, "help()")
    text = out[0]
    for name in ("status()", "config()", "queued()", "log(n=20)", "help()"):
        assert name in text
    assert "hw" not in text
    console, out, ns = make(hw=lambda line: {"ok": True})
    feed(console, "help()", "hw('status')")
    assert 'hw("plug 2")' in out[0]
    assert out[1] == "{'ok': True}"


def test_names_given_by_the_board_are_not_replaced():
    console, out, ns = make(status=lambda: "board status")
    feed(console, "status()")
    assert out == ["'board status'"]


def test_config_lists_the_configuration_keys():
    console, out, ns = make()
    feed(console, "config()")
    assert out == ["HeartbeatInterval = 300", "NumberOfConnectors = 2 (read-only)"]
    del out[:]
    feed(console, "config('HeartbeatInterval')", "config('Nope')")
    assert out == ["HeartbeatInterval = 300", "Nope: no such key"]


def test_queued_lists_the_transaction_messages():
    station = Station()
    station.messages.push("StartTransaction", {"connectorId": 1})
    station.messages.push("StopTransaction", {"reason": "Local"})
    console, out, ns = make(station)
    feed(console, "queued()")
    assert out == ["StartTransaction {'connectorId': 1}", "StopTransaction {'reason': 'Local'}",
                   "2 queued"]
