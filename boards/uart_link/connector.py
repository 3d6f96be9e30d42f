"""One connector of a board whose connectors are on an I/O controller behind a UART
(boards/uart_link/hardware.py): the contract of boards/README.md served from what the link
last received, outputs handed to the link at once.

While the link is down the connector reports LINK_FAULT, and the readings it cannot know
raise OSError: the firmware then waits up to deenergize_timeout_ms for the current to stop
(and latches no PowerSwitchFailure for a switch it cannot see), and stops a transaction at
its last saved reading, saying why, when the register cannot be read by then (its
transactions service; docs/hwlink.md "Link loss").
"""
import errno

NO_ERROR = "NoError"
# The OCPP ChargePointErrorCode of a lost link to the I/O controller. The controller can
# then neither read the meter nor see the cable nor drive the power stage: a failure of an
# internal hardware component, InternalError ("error in internal hard- or software
# component"). Not PowerMeterFailure, which would blame the meter, which may well go on
# counting, and would hide that the cable and the outputs are not seen either; not
# OtherError, which says nothing. It stops a running transaction (reason Other) as each of
# those would, and the firmware already reports an input that cannot be read as
# InternalError (firmware/board_reads.py).
LINK_FAULT = "InternalError"
# The power stage stops the current within 750 ms of set_energize(False)
# (boards/sim/power_stage.py), the readings are up to a poll interval old, and the rest is
# room for a loaded host: the sim board's own figure.
DEENERGIZE_TIMEOUT_MS = 5000


class LinkedConnector:
    deenergize_timeout_ms = DEENERGIZE_TIMEOUT_MS

    def __init__(self, hardware, connector_id):
        self._hardware = hardware
        self._core = hardware.core
        self._i = connector_id - 1
        self.connector_id = connector_id
        # A link loss not yet reported: reported once even when the link is back by the
        # time the firmware reads (a session the I/O controller ended switched the output
        # off; the transaction must not go on as if nothing happened).
        self.loss_unreported = False

    def _known(self):
        status = self._core.status
        return status.connectors[self._i] if status is not None else None

    def _reading(self):
        if not self._core.up:
            raise OSError(errno.EIO, "I/O controller link down")
        return self._core.status.connectors[self._i]

    def plugged(self):
        known = self._known()  # while the link is down: as last seen
        return known is not None and known.plugged

    def error_code(self):
        if not self._core.up:
            self.loss_unreported = False
            return LINK_FAULT
        if self.loss_unreported:
            self.loss_unreported = False
            return LINK_FAULT
        return self._core.status.connectors[self._i].fault or NO_ERROR

    def ev_demand(self):
        return self._core.up and self._core.status.connectors[self._i].ev_demand

    def set_energize(self, on):
        self._hardware.set_output(self.connector_id, on=bool(on))

    def set_limit_w(self, watts):
        limit_w = None if watts is None else int(watts)
        self._hardware.set_output(self.connector_id, limit_w=limit_w)

    def energy_wh(self):
        return self._reading().energy_wh

    def power_w(self):
        return self._reading().power_w

    def voltage_v(self):
        return self._reading().voltage_mv / 1000

    def current_a(self):
        return self._reading().current_ma / 1000

    def soc(self):
        return self._core.status.connectors[self._i].soc if self._core.up else None

    def meter_serial(self):
        return self._core.serials[self._i]
