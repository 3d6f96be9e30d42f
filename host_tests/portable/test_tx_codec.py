# The transaction journal's record codec (firmware/core/tx_codec.py) and the replay that uses it:
# a record that passes its CRC but is not valid for this station is rejected with a log
# line and the boot goes on (issue 16: never a boot loop).
import json

from firmware.core import tx_codec
from scratch import fresh_folder
from store.atomic import ensure_dir
from store.journal import Journal
from tx_fakes import START_S, Rig, folder

STARTED = {"tx": [1, 1, "TAG1", 1000, START_S], "q": 1, "a": "StartTransaction",
           "p": {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000,
                 "timestamp": "2026-11-25T08:00:00Z"}, "r": 1}
VALUE = {"timestamp": "2026-11-25T08:00:05Z", "sampledValue": [{"value": "1005"}]}
# Each passes its CRC; none is a record this station (two connectors) could have written.
BAD = [
    {"tx": [2, 3, "TAG2", 0, START_S]},  # a connectorId beyond the connectors
    {"tx": [2, 0, "TAG2", 0, START_S]},
    {"tx": [2, "1", "TAG2", 0, START_S]},
    {"tx": [2, 1, "", 0, START_S]},
    {"tx": [2, 1, "X" * 21, 0, START_S]},  # idTag is CiString20
    {"tx": [2, 1, "TAG2", -5, START_S]},
    {"tx": [2, 1, "TAG2", 0]},
    {"m": [1, "1200", START_S]},
    {"m": [1, 1200.5, START_S]},
    {"m": [1, True, START_S]},
    {"m": [9, 1200, START_S]},  # a transaction the journal never started
    {"x": [1, {"timestamp": "2026-11-25T08:00:05Z", "sampledValue": "1005"}]},
    {"xs": [1, "not a list"]},
    {"tid": [1, "101"]},
    {"end": "1"},
    {"q": 5, "a": "Heartbeat", "p": {}, "r": 1},
    {"q": 5, "a": "MeterValues", "p": "text", "r": 1},
    {"a": "MeterValues"},
    {"d": None},
    {"v": tx_codec.VERSION + 1, "m": [1, 1200, START_S]},  # a later firmware's format
    {"unknown": 1},
    [1, 2, 3],
    "text",
]


def journal_of(path, records):
    journal = Journal(path + "/tx.journal")
    for record in records:
        journal.append(record if type(record) is bytes else json.dumps(record).encode())


def test_each_bad_record_is_rejected_with_a_log_line_and_the_rest_replayed():
    path = folder("codec_bad")
    journal_of(path, [STARTED] + BAD + [b"{not json", {"m": [1, 1200, START_S]}])
    rig = Rig(path)  # the boot: replay, then the interrupted transaction stopped
    rejected = [line for line in rig.lines if "rejected" in line]
    assert len(rejected) == len(BAD) + 1, rig.lines
    assert rig.transactions.interrupted == [1]
    stop = [m.payload for m in rig.messages][-1]
    assert stop["meterStop"] == 1200 and stop["reason"] == "PowerLoss"
    assert [m.action for m in rig.messages] == ["StartTransaction", "StopTransaction"]
    # The rejected records are gone from flash after that boot's compaction.
    lines = Rig(path).lines
    assert [line for line in lines if "rejected" in line] == [], lines


def test_every_record_the_station_writes_carries_the_version_and_decodes():
    rig = Rig(folder("codec_written"))
    rig.config.change("MeterValueSampleInterval", "5")
    rig.config.change("StopTxnSampledData", "Energy.Active.Import.Register")
    rig.transactions.start(1, "TAG1")
    rig.advance(10)
    rig.transactions.stop(1, "Local", "TAG1")
    records = [data for _, data in Journal(rig.path + "/tx.journal").scan()]
    assert len(records) == 4
    for data in records:
        assert json.loads(data)["v"] == tx_codec.VERSION
        tx_codec.decode(data, 2)
    # Written before records carried a version: the same format, still replayed.
    legacy = json.loads(records[0])
    del legacy["v"]
    assert tx_codec.decode(json.dumps(legacy).encode(), 2) == legacy


def test_a_transaction_on_a_connector_the_board_lacks_does_not_stop_the_boot():
    # A journal written for a board with three connectors, replayed on this two-connector
    # board (and a damaged start record): the station boots and stops only what it has.
    import firmware.station
    from boards.sim.board import SimBoard

    root = fresh_folder("test_tx_codec", "station")
    ensure_dir(root + "/flash")
    journal_of(root + "/flash", [
        STARTED,
        {"tx": [2, 3, "TAG3", 0, START_S], "q": 2, "a": "StartTransaction", "r": 2,
         "p": {"connectorId": 3, "idTag": "TAG3", "meterStart": 0,
               "timestamp": "2026-11-25T08:00:00Z"}},
        {"m": [2, 500, START_S + 60]}])
    board = SimBoard("CP001", "ws://127.0.0.1:9/ocpp", None, None, root)
    lines = []
    board.log = lines.append
    station = firmware.station.Station(board)
    assert station.transactions.interrupted == [1]
    assert len([line for line in lines if "rejected" in line]) == 2, lines
    stops = [m.payload for m in station.messages if m.action == "StopTransaction"]
    assert [stop["reason"] for stop in stops] == ["PowerLoss"]
