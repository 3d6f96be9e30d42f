# GetConfigurationMaxKeys (OCPP 1.6 5.8, 9.1.9; TC_019) and the keys of the Core services
# declared by their owners.
from firmware.config import GET_CONFIGURATION_MAX_KEYS, INTEGER, STRING, Configuration, Key
from ocppj.errors import OccurenceConstraintViolation
from scratch import fresh_path

def configuration(name):
    config = Configuration(path=fresh_path("test_config_core", name), log=lambda line: None)
    handlers = {}
    config.register(handlers)
    config.declare(Key("HeartbeatInterval", INTEGER, 300, minimum=5, maximum=3600))
    return config, handlers


def test_get_configuration_max_keys_is_read_only_21():
    config, _ = configuration("maxkeys")
    assert GET_CONFIGURATION_MAX_KEYS == 21
    entries, unknown = config.listing(["GetConfigurationMaxKeys"])
    assert entries == [{"key": "GetConfigurationMaxKeys", "readonly": True, "value": "21"}]
    assert config.change("GetConfigurationMaxKeys", "50") == "Rejected"


def test_up_to_max_keys_answered_more_is_an_occurrence_constraint_violation():
    config, handlers = configuration("bound")
    get = handlers["GetConfiguration"]
    names = ["HeartbeatInterval"] + ["Unknown%d" % i for i in range(20)]
    answer = get({"key": names})
    assert [e["key"] for e in answer["configurationKey"]] == ["HeartbeatInterval"]
    assert len(answer["unknownKey"]) == 20
    try:
        get({"key": names + ["OneTooMany"]})
    except OccurenceConstraintViolation:
        pass
    else:
        raise AssertionError("22 keys were answered")
    # No key list, or an empty one: every key, whatever their number.
    assert len(get({})["configurationKey"]) == len(get({"key": []})["configurationKey"]) == 2


def test_connector_phase_rotation_not_applicable_on_dc_and_checked():
    from firmware.core import phase_rotation
    config, _ = configuration("phase")
    for key in phase_rotation.keys(2):
        config.declare(key)
    entries, _ = config.listing(["ConnectorPhaseRotation", "ConnectorPhaseRotationMaxLength"])
    assert entries == [
        {"key": "ConnectorPhaseRotation", "readonly": False,
         "value": "0.NotApplicable,1.NotApplicable,2.NotApplicable"},
        {"key": "ConnectorPhaseRotationMaxLength", "readonly": True, "value": "3"}]
    assert config.change("ConnectorPhaseRotation", "0.RST, 1.Unknown") == "Accepted"
    for bad in ("1.XYZ", "3.RST", "1.RST,1.RTS", "RST", "0.RST,1.RST,2.RST,0.RST", "x.RST"):
        assert config.change("ConnectorPhaseRotation", bad) == "Rejected", bad
    assert config.get("ConnectorPhaseRotation") == ["0.RST", "1.Unknown"]


def test_a_key_made_on_demand_keeps_its_value_and_is_made_again_for_each_use():
    path = fresh_path("test_config_core", "on_demand")
    made = []
    changed = []

    def make():  # as a service loaded on demand makes its keys again
        made.append(1)
        return (Key("CpoName", STRING, "", check=lambda value: value != "nobody",
                    on_change=changed.append),
                Key("Cpo2", STRING, ""))

    config = Configuration(path=path, log=lambda line: None)
    for key in make():
        config.declare(key, make)
    del made[:]
    assert config.get("CpoName") == "" and made == []  # the value needs no Key
    assert config.change("CpoName", "nobody") == "Rejected"
    assert config.change("CpoName", "OpenVolt") == "Accepted" and changed == ["OpenVolt"]
    del made[:]
    assert config.listing(["CpoName", "Cpo2"])[0] == [
        {"key": "CpoName", "readonly": False, "value": "OpenVolt"},
        {"key": "Cpo2", "readonly": False, "value": ""}]
    assert made == []  # a listing reads the values and the flags declared: no Key made
    again = Configuration(path=path, log=lambda line: None)
    for key in make():
        again.declare(key, make)
    assert again.get("CpoName") == "OpenVolt"


async def test_supported_feature_profiles_are_the_profiles_the_station_is_built_with():
    # OCPP 1.6 9.1: the key lists the profiles built in; each package names its own.
    from test_security_on_demand import booted_station

    station = await booted_station()
    station.sender.cancel()
    assert station.config.listing(["SupportedFeatureProfiles"])[0] == [
        {"key": "SupportedFeatureProfiles", "readonly": True,
         "value": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,"
                  "SmartCharging,RemoteTrigger"}]
