"""ConnectorPhaseRotation (OCPP 1.6 9.1.7, a required Core key): the station is DC only, so
every connector and the grid connection (index 0) report NotApplicable.

The Central System may write it (RW); a value is accepted when each item is
`<connector 0..N>.<rotation>` with a rotation the specification names, at most one per
connector (ConnectorPhaseRotationMaxLength).
"""
from firmware.config import CSL, INTEGER, Key

ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")


def keys(connector_count):
    """Its keys for a station with `connector_count` connectors. The station declares them
    at boot and makes them again whenever the configuration needs them (firmware.on_demand):
    in between, only their values take heap."""
    items = connector_count + 1

    def well_formed(values):
        seen = []
        for value in values:
            index, dot, rotation = value.partition(".")
            if not dot or not index.isdigit() or int(index) >= items or index in seen or \
                    rotation not in ROTATIONS:
                return False
            seen.append(index)
        return True

    return (Key("ConnectorPhaseRotation", CSL, ["%d.NotApplicable" % i for i in range(items)],
                maximum=items, check=well_formed),
            Key("ConnectorPhaseRotationMaxLength", INTEGER, items, writable=False))
