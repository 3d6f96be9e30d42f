"""Meter readings of a connector as OCPP SampledValues."""

ENERGY = "Energy.Active.Import.Register"


def sampled_values(io, context):
    """The measurands the reference station's meters provide, read now from connector `io`."""
    values = [
        {"value": str(io.energy_wh()), "context": context, "measurand": ENERGY,
         "location": "Outlet", "unit": "Wh"},
        {"value": str(io.power_w()), "context": context, "measurand": "Power.Active.Import",
         "location": "Outlet", "unit": "W"},
        {"value": "%.1f" % io.voltage_v(), "context": context, "measurand": "Voltage",
         "location": "Outlet", "unit": "V"},
        {"value": "%.1f" % io.current_a(), "context": context, "measurand": "Current.Import",
         "location": "Outlet", "unit": "A"},
    ]
    soc = io.soc()
    if soc is not None:
        values.append({"value": str(soc), "context": context, "measurand": "SoC",
                       "location": "EV", "unit": "Percent"})
    return values


def meter_value(timestamp, io, context):
    return {"timestamp": timestamp, "sampledValue": sampled_values(io, context)}
