"""Composition root: builds the station's services for a board and wires them together."""
import asyncio

from firmware import on_demand
from firmware.board_reads import BoardReads
from firmware.clock import Clock, board_time_s
from firmware.config import BOOLEAN, CSL, INTEGER, Configuration, Key
from firmware.connector import AVAILABLE, NO_ERROR, POWER_SWITCH_FAILURE, UNAVAILABLE, \
    Inputs, derive_status, stop_reason
from firmware.core.authorization import Authorization
from firmware.core.availability import Availability
from firmware.core.heartbeat import heartbeat_forever
from firmware.core.identification import Identification
from firmware.core.registration import REJECTED, Registration
from firmware.core.reset import ResetService
from firmware.core.status import StatusService
from firmware.core.transactions import Transactions
from firmware.core.tx_messages import TransactionMessages
from firmware.core.vendor import VendorExtensions
from firmware.link import ONLINE, Link
from firmware.local_auth_list import LocalAuthList
from firmware.outbound import Outbound
from firmware.security import Security
from firmware.smart_charging import SmartCharging
from firmware.supervisor import Supervisor
from ocppj.rpc import ANY_ACTION

# The board signals input changes at once; this only bounds how stale a missed one can get.
HARDWARE_POLL_S = 1
EV_SIDE_DISCONNECTED = "EV side disconnected"
RESERVATION_RULES = "firmware.reservation.service"
FIRMWARE_UPDATE = "firmware.firmware_management.update"
# Requests whose handlers keep no state of their own: the module's answer(station, action,
# payload) is loaded for each one and unloaded after it (firmware.on_demand).
ON_DEMAND = {"TriggerMessage": "firmware.remote_trigger.trigger",
             "ExtendedTriggerMessage": "firmware.remote_trigger.trigger",
             "RemoteStartTransaction": "firmware.core.remote",
             "RemoteStopTransaction": "firmware.core.remote",
             "UnlockConnector": "firmware.core.unlock",
             "SetChargingProfile": "firmware.smart_charging.requests",
             "GetCompositeSchedule": "firmware.smart_charging.requests",
             "ClearChargingProfile": "firmware.smart_charging.requests",
             "SendLocalList": "firmware.local_auth_list.requests",
             "GetLocalListVersion": "firmware.local_auth_list.requests",
             "ReserveNow": "firmware.reservation.requests",
             "CancelReservation": "firmware.reservation.requests",
             "UpdateFirmware": FIRMWARE_UPDATE,
             "GetDiagnostics": "firmware.firmware_management.diagnostics"}
# SupportedFeatureProfiles: the six OCPP 1.6 feature profiles, all composed here, in the
# specification's order (3.1) -- Core (firmware/core/'s services), Firmware Management
# (firmware/firmware_management/), Local Auth List Management (firmware/local_auth_list/),
# Reservation (firmware/reservation/), Smart Charging (firmware/smart_charging/) and Remote
# Trigger (firmware/remote_trigger/). Written here rather than read from packages kept
# loaded for it: most are loaded per request. The security extension adds no name: OCPP 1.6
# has none for it.
PROFILES = ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
            "SmartCharging", "RemoteTrigger")


class Station:
    def __init__(self, board):
        self.board = board
        log = board.log
        self.reads = BoardReads(board=board, log=log)
        self.supervisor = Supervisor(log=log, ticks_ms=board.ticks_ms,
                                     ticks_diff=board.ticks_diff,
                                     feed=getattr(board, "feed_watchdog", None))
        self.clock = Clock(ticks_ms=board.ticks_ms, ticks_diff=board.ticks_diff,
                           initial_unix_s=board_time_s(board, log))
        self.handlers = {}
        self.emergency_stop = False  # the board's (optional) emergency stop, as last read
        self.config = config = Configuration(path=board.state_dir + "/config.json", log=log)
        config.register(self.handlers)
        made_again = self._keys  # one maker for all: a listing makes them once
        for key in made_again():
            config.declare(key, made_again)
        # Transaction messages, status notifications and security events, each a lane.
        self.outbound = Outbound(log=log, ticks_ms=board.ticks_ms, ticks_diff=board.ticks_diff,
                                 config=config)
        # Its configuration keys and its requests' handler; its code is loaded per call.
        self.security = security = Security(station=self)
        self.outbound.add(security)
        self.clock.on_jump = security.clock_jumped
        url, ssl_context, password = security.call("connection")
        self.link = Link(board=board, config=config, handlers=self.handlers,
                         on_online=self._on_online, password=password, ssl_context=ssl_context,
                         silent=self._rejected, url=url,
                         on_connect_failed=security.connect_failed,
                         on_security_event=security.record_limited)
        # One bound method for all their holders: each evaluation of self.link.call or
        # self.refresh makes another (16 bytes on a 32-bit board).
        call = self.link.call
        refresh = self.refresh
        self.registration = Registration(call=call, clock=self.clock,
                                         boot_payload=board.boot_payload, log=log,
                                         on_accepted=self._accepted)
        self.status = StatusService(connector_count=len(board.connectors), clock=self.clock,
                                    ticks_ms=board.ticks_ms, ticks_diff=board.ticks_diff,
                                    log=log, config=config)
        self.messages = TransactionMessages(log=log, path=board.state_dir + "/tx.journal",
                                            connector_count=len(board.connectors))
        self.outbound.add(self.status)
        self.outbound.add(self.messages)
        self.transactions = Transactions(config=config, connectors_io=board.connectors,
                                         clock=self.clock, messages=self.messages, log=log,
                                         on_change=refresh, ticks_ms=board.ticks_ms,
                                         ticks_diff=board.ticks_diff)
        self.smart_charging = SmartCharging(station=self)
        # What was stamped before the time was known (no RTC, offline) is corrected once it
        # is: at once with an RTC, else at the first answer of the Central System.
        self.clock.on_known = self._time_known
        if self.clock.synchronised:
            self._time_known()
        # Its keys and the version of its list; the list stays in flash, its code is loaded
        # per lookup and per request.
        self.local_auth_list = LocalAuthList(station=self)
        self.authorization = Authorization(config=config,
                                           cache_path=board.state_dir + "/auth_cache.json",
                                           call=call, online=self.online,
                                           clock=self.clock, log=log,
                                           local_list=self.local_auth_list.lookup)
        self.authorization.register(self.handlers)
        self.transactions.on_id_tag_info = self.authorization.update
        self.inputs = [Inputs() for _ in board.connectors]
        for connector_id in self.transactions.interrupted:  # stopped at boot: PowerLoss
            self.inputs[connector_id - 1].finishing = True
        # The Reservation profile's reservations in force (firmware/reservation/), kept
        # through a reboot; their rules are loaded while there are any (reservation_rule).
        self.reservations = []
        on_demand.call(RESERVATION_RULES, "load", self)
        # The holder of the GetDiagnostics upload's task (firmware.firmware_management),
        # made by its first request: TriggerMessage reads it.
        self.diagnostics = None
        self.identification = Identification(config=config, authorization=self.authorization,
                                             transactions=self.transactions, inputs=self.inputs,
                                             reservation_rule=self.reservation_rule,
                                             may_start_on=self.may_start_on,
                                             may_charge=self.may_charge, on_change=refresh,
                                             ticks_ms=board.ticks_ms,
                                             ticks_diff=board.ticks_diff, log=log)
        self.availability = Availability(path=board.state_dir + "/availability.json",
                                         connector_count=len(board.connectors),
                                         in_transaction=self.transactions.on_connector,
                                         on_change=refresh, log=log)
        self.availability.register(self.handlers)
        # ResetOrReboot is critical: in flash before the restart, which waits for its delivery.
        self.reset = ResetService(config=config, board_reset=board.reset,
                                  transactions=self.transactions, drained=self._drained,
                                  log=log, on_accepted=security.reset_accepted)
        self.reset.register(self.handlers)
        # Board code adds its vendorId handlers to self.vendor.handlers.
        self.vendor = VendorExtensions(call=call)
        self.vendor.register(self.handlers)
        self.handlers[ANY_ACTION] = self._handler
        self._boot_reported = False
        self._tasks = []

    def _keys(self):
        """The station's configuration keys, ConnectorPhaseRotation's and the Reservation
        profile's, the configuration's maker of them: made at boot to declare them and again
        when the configuration needs them, so that in between only their values take heap
        (the phase rotation's and reservation's code is loaded for them)."""
        count = len(self.board.connectors)
        return (Key("HeartbeatInterval", INTEGER, 300, minimum=5, maximum=3600),
                Key("NumberOfConnectors", INTEGER, count, writable=False),
                Key("StopTransactionOnEVSideDisconnect", BOOLEAN, True),
                Key("SupportedFeatureProfiles", CSL, list(PROFILES), writable=False),
                # Errata 3.84: a fixed cable (firmware.core.unlock) reports false and keeps it.
                Key("UnlockConnectorOnEVSideDisconnect", BOOLEAN, False, writable=False)) + \
            on_demand.call("firmware.core.phase_rotation", "keys", count) + \
            on_demand.call("firmware.reservation.keys", "keys", self.board)

    def _time_known(self):
        self.messages.correct_times(self.clock)

    # ---- registration and the link ----------------------------------------------------

    def _rejected(self):
        return self.registration.status == REJECTED

    def online(self):
        """The Central System can answer a request now (authorization asks it first)."""
        return self.link.state == ONLINE and self.registration.accepted

    def may_charge(self):
        # OCPP 1.6 4.2: a station that was never accepted does not start charging; nor
        # does one about to reset.
        return self.registration.accepted and self.reset.pending is None

    def _handler(self, action):  # handlers[ANY_ACTION]: the handler of a request loaded for it
        module = ON_DEMAND.get(action)
        if module is None:
            return self.security.handler(action)
        return lambda payload: on_demand.call(module, "answer", self, action, payload)

    def _drained(self):
        # No transaction left either: a stop waits for the current before it is queued.
        return not self.transactions.active and len(self.messages) == 0 and \
            self.status.pending == 0 and not self.security.pending

    async def data_transfer(self, vendor_id, message_id=None, data=None):
        """The station's own DataTransfer.req; returns the DataTransfer.conf payload."""
        return await self.vendor.send(vendor_id, message_id, data)

    def _accepted(self, interval_s):
        # OCPP 1.6 4.2: the heartbeat interval follows the accepting BootNotification.conf.
        if interval_s > 0:
            self.config.set("HeartbeatInterval", interval_s)

    def _heartbeat_interval_s(self):
        return self.config.get("HeartbeatInterval")

    async def _on_online(self):
        """Runs while the link is up (the link cancels it when it drops)."""
        self.registration.connected()
        while True:
            await self.registration.register()
            if not self._boot_reported:
                self._boot_reported = True
                await self.security.run("after_boot")  # StartupOfTheDevice, ...
                await self._after_update()
                self.status.report_all()
            await self._send_while_registered()

    async def _after_update(self):
        """Installed or InstallationFailed, when an UpdateFirmware restarted the station:
        its code is loaded only then (loaded at each boot, it left 256 bytes of tables)."""
        try:
            open(self.board.state_dir + "/firmware_update.json").close()
        except OSError:  # no installation before this boot
            return
        await on_demand.run(FIRMWARE_UPDATE, "after_boot", self)

    async def _send_while_registered(self):
        """Until a triggered BootNotification is not accepted (section 4.2 again): what is
        not sent meanwhile stays queued."""
        call = self.link.call
        keep = self.supervisor.keep
        senders = [
            keep("heartbeat", lambda: heartbeat_forever(call, self.clock,
                                                        self._heartbeat_interval_s,
                                                        self.board.log)),
            keep("outbound", lambda: self.outbound.send_forever(call)),
            keep("daily checks", self.security.check_daily),
        ]
        self.security.call("online")
        try:
            await self.registration.refused()
        finally:
            for sender in senders:
                self.supervisor.drop(sender)

    # ---- hardware ------------------------------------------------------------------------

    def _spawn(self, coroutine):
        # Each task in a holder of its own that empties when it ends: a finished task still
        # holds the code it ran (a card's rules, loaded for it: firmware.core.reader).
        self._tasks = [holder for holder in self._tasks if holder]
        holder = []
        holder.append(asyncio.create_task(on_demand.forgotten_when_done(holder, coroutine)))
        self._tasks.append(holder)

    def reservation_rule(self, name, *args):
        """firmware.reservation.service.<name>(station, *args); None while no reservation is
        in force."""
        if self.reservations:
            return on_demand.call(RESERVATION_RULES, name, self, *args)
        return None

    def may_start_on(self, connector_id):
        """No fault (TC_041), no emergency stop, operative (ChangeAvailability), no
        transaction there yet."""
        inputs = self.inputs[connector_id - 1]
        return inputs.error_code == NO_ERROR and not inputs.emergency_stop \
            and self.availability.operative(connector_id) \
            and self.transactions.on_connector(connector_id) is None

    def _error_code(self, connector_id, reported):
        """The board's error code, or PowerSwitchFailure once the firmware found that the
        connector's output did not switch off."""
        if reported == NO_ERROR and self.transactions.switch_failed[connector_id - 1]:
            return POWER_SWITCH_FAILURE
        return reported

    def _read_inputs(self):
        reads = self.reads  # the board's reads, none of which can raise into the station
        tag = reads.read_tag()
        while tag is not None:
            self._spawn(self.identification.tap(tag))
            tag = reads.read_tag()
        self.transactions.watch_outputs()
        emergency_stop = getattr(self.board, "emergency_stop", None)  # optional member
        self.emergency_stop = emergency_stop is not None and bool(emergency_stop())
        for connector_id, io in enumerate(self.board.connectors, 1):
            inputs = self.inputs[connector_id - 1]
            inputs.error_code = self._error_code(connector_id, reads.error_code(io))
            inputs.emergency_stop = self.emergency_stop
            inputs.ev_demand = reads.ev_demand(io)
            plugged = reads.plugged(io, inputs.plugged)
            if plugged != inputs.plugged:
                inputs.plugged = plugged
                if plugged:
                    self._plugged(connector_id)
                else:
                    self._unplugged(connector_id)
            reason = stop_reason(inputs)
            if reason is not None:  # the output goes off at the stop's refresh
                self.transactions.stop(connector_id, reason)
        self.refresh()

    def _plugged(self, connector_id):
        self.identification.plugged(connector_id)

    def _unplugged(self, connector_id):
        self.identification.unplugged(connector_id)
        # With StopTransactionOnEVSideDisconnect false the session goes on, SuspendedEV.
        if self.config.get("StopTransactionOnEVSideDisconnect"):
            self.transactions.stop(connector_id, "EVDisconnected")

    async def _watch_hardware(self):
        changed = self.board.changed
        while True:
            changed.clear()
            self._read_inputs()
            self.supervisor.progress()
            try:
                # A schedule's new limit reaches the outputs at its instant (within the
                # second docs/smart_charging.md promises, the power stage's step included).
                await asyncio.wait_for(changed.wait(),
                                       min(HARDWARE_POLL_S, self.smart_charging.due_in_s()))
            except asyncio.TimeoutError:
                pass

    # ---- status ----------------------------------------------------------------------------

    def refresh(self):
        """Recomputes every connector's status from its inputs and reports what changed."""
        coalesce = self.link.state != ONLINE
        self.identification.update_inputs()
        self.smart_charging.update()
        # An emergency stop makes the station Unavailable at its discretion (4.9, 7.7).
        operative = self.availability.operative(0) and not self.emergency_stop
        reserved = self.reservation_rule("update") or ()
        self.status.update(0, AVAILABLE if operative else UNAVAILABLE, NO_ERROR, None,
                           coalesce)
        for connector_id, inputs in enumerate(self.inputs, 1):
            inputs.error_code = self._error_code(connector_id, inputs.error_code)
            inputs.operative = self.availability.operative(connector_id) \
                and not inputs.emergency_stop
            transaction = self.transactions.on_connector(connector_id)
            in_transaction = transaction is not None
            inputs.stopping = in_transaction and transaction.stopping is not None
            inputs.tx_authorized = not (in_transaction and transaction.suspended)
            if inputs.in_transaction and not in_transaction:
                inputs.finishing = inputs.plugged
            if not inputs.plugged or not inputs.operative:
                inputs.finishing = False  # an Unavailable connector has no session to finish
            inputs.in_transaction = in_transaction
            inputs.limit_w = self.smart_charging.limits_w[connector_id - 1]
            inputs.reserved = connector_id in reserved
            self.transactions.switch_output(connector_id, inputs)
            info = EV_SIDE_DISCONNECTED if in_transaction and not inputs.plugged else None
            self.status.update(connector_id, derive_status(inputs), inputs.error_code, info,
                               coalesce)

    def snapshot(self):
        """The station's own view, as the control port and the console show it."""
        connectors = [{"id": 0, "status": self.status.status(0)}]
        for connector_id in range(1, len(self.inputs) + 1):
            transaction = self.transactions.on_connector(connector_id)
            state = self.status.connectors[connector_id]
            connectors.append({
                "id": connector_id, "status": state.status, "errorCode": state.error_code,
                "transactionId": transaction.transaction_id if transaction else None,
                "idTag": transaction.id_tag if transaction else None,
                "limitW": self.smart_charging.limits_w[connector_id - 1]})
        return {"connection": self.link.state, "registration": self.registration.status,
                "queued": len(self.messages), "connectors": connectors}

    async def run(self):
        keep = self.supervisor.keep
        keep("hardware", self._watch_hardware)
        keep("sampling", self.transactions.sample_forever)
        keep("link", self.link.run)
        await self.supervisor.run()


def run(board):
    asyncio.run(Station(board).run())
