# Configuration keys: types, access, limits, persistence written only on change.
import os

from firmware.config import BOOLEAN, CSL, INTEGER, Configuration, Key
from scratch import fresh_path

ROOT = "build/test_config"


def fresh(name):
    return fresh_path("test_config", name)


def declared(path):
    config = Configuration(path=path, log=lambda line: None)
    config.declare(Key("HeartbeatInterval", INTEGER, 300, minimum=5, maximum=3600))
    config.declare(Key("NumberOfConnectors", INTEGER, 2, writable=False))
    config.declare(Key("StopTransactionOnEVSideDisconnect", BOOLEAN, True))
    config.declare(Key("MeterValuesSampledData", CSL, ["Energy.Active.Import.Register"],
                       maximum=10, check=lambda items: "Bogus" not in items))
    config.declare(Key("AuthorizationKey", "string", "", readable=False))
    return config


def test_change_configuration_statuses():
    config = declared(fresh("statuses"))
    assert config.change("HeartbeatInterval", "60") == "Accepted"
    assert config.get("HeartbeatInterval") == 60
    assert config.change("HeartbeatInterval", "4") == "Rejected"        # below the range
    assert config.change("HeartbeatInterval", "sixty") == "Rejected"    # wrong type
    assert config.change("HeartbeatInterval", "6.5") == "Rejected"
    assert config.change("NumberOfConnectors", "3") == "Rejected"       # read-only
    assert config.change("NoSuchKey", "1") == "NotSupported"
    assert config.change("MeterValuesSampledData", "Voltage,Bogus") == "Rejected"
    assert config.change("MeterValuesSampledData", ",".join(["Voltage"] * 11)) == "Rejected"
    assert config.change("StopTransactionOnEVSideDisconnect", "FALSE") == "Accepted"
    assert config.get("HeartbeatInterval") == 60  # unchanged by the rejections


def test_get_configuration_all_listed_and_unknown():
    config = declared(fresh("listing"))
    entries, unknown = config.listing()
    names = [e["key"] for e in entries]
    assert "AuthorizationKey" not in names and unknown == []
    assert {"key": "NumberOfConnectors", "readonly": True, "value": "2"} in entries
    entries, unknown = config.listing(["StopTransactionOnEVSideDisconnect", "Nope",
                                       "AuthorizationKey"])
    assert entries == [{"key": "StopTransactionOnEVSideDisconnect", "readonly": False,
                        "value": "true"}]
    assert unknown == ["Nope", "AuthorizationKey"]


def test_values_persist_and_are_written_only_when_changed():
    path = fresh("persist")
    config = declared(path)
    assert "persist.json" not in os.listdir(ROOT)  # defaults are not written
    config.change("HeartbeatInterval", "120")
    assert config.flash_writes == 1
    config.change("HeartbeatInterval", "120")  # same value: no flash write
    config.set("HeartbeatInterval", 120)
    assert config.flash_writes == 1
    config.change("HeartbeatInterval", "130")
    assert config.flash_writes == 2
    again = declared(path)
    assert again.get("HeartbeatInterval") == 130


def test_corrupt_or_invalid_stored_values_fall_back_to_defaults():
    path = fresh("corrupt")
    with open(path, "w") as f:
        f.write("{not json")
    assert declared(path).get("HeartbeatInterval") == 300
    with open(path, "w") as f:
        f.write('{"HeartbeatInterval": "2"}')
    assert declared(path).get("HeartbeatInterval") == 300
