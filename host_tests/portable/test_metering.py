# firmware/core/metering.py: SampledValues as the schema wants them (units, locations, strings),
# the measurands the board offers, connector 0 as the sum of the connectors.
from firmware.core.metering import MEASURANDS, meter_value, station_meter_value, supported
from tx_fakes import FakeIo


def test_every_offered_measurand_has_its_unit_location_and_a_string_value():
    io = FakeIo(1)
    io.power = 50000
    value = meter_value("2026-11-25T08:00:00Z", io, list(MEASURANDS), "Sample.Periodic")
    by_measurand = {v["measurand"]: v for v in value["sampledValue"]}
    assert by_measurand["Energy.Active.Import.Register"]["value"] == "1000"
    assert by_measurand["Power.Active.Import"]["unit"] == "W"
    assert by_measurand["Voltage"]["value"] == "400.0"
    assert by_measurand["Current.Import"]["value"] == "125.0"
    assert (by_measurand["SoC"]["unit"], by_measurand["SoC"]["location"]) == ("Percent", "EV")
    assert all(type(v["value"]) is str for v in value["sampledValue"])


def test_unknown_soc_is_left_out_and_nothing_to_report_is_none():
    io = FakeIo(1)
    io.soc_percent = None
    assert meter_value("2026-11-25T08:00:00Z", io, ["SoC"], "Sample.Clock") is None
    value = meter_value("2026-11-25T08:00:00Z", io, ["SoC", "Voltage"], "Sample.Clock")
    assert [v["measurand"] for v in value["sampledValue"]] == ["Voltage"]


def test_connector_0_sums_energy_and_power_only():
    ios = [FakeIo(1), FakeIo(2)]
    ios[0].power, ios[1].power = 1000, 2500
    value = station_meter_value("t", ios, ["Voltage", "Energy.Active.Import.Register",
                                           "Power.Active.Import"], "Sample.Clock")
    assert [(v["measurand"], v["value"]) for v in value["sampledValue"]] == [
        ("Energy.Active.Import.Register", "3000"), ("Power.Active.Import", "3500")]
    assert station_meter_value("t", ios, ["SoC"], "Sample.Clock") is None


def test_supported_lists():
    assert supported([]) and supported(["SoC", "Voltage"])
    assert not supported(["Frequency"]) and not supported(["SoC", "SoC"])
    assert not supported(["Current.Offered"])  # not offered by the board (yet)
