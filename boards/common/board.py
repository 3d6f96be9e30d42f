"""A charger controller with Ethernet as the firmware sees it (boards/README.md), built by a
board package (boards/w5500_evb_pico/board.py, boards/esp32_eth/board.py) from its pin map.

What it runs beside the station, as tasks the station's supervisor keeps (restarted when
they end): the I/O scan (emergency stop, door, and each connector's inputs and contactor
feedback, every SCAN_MS), the card reader's poll (READER_POLL_MS), the meters and the
temperatures (METER_POLL_MS), and the Ethernet link's watch. Each sets `changed` when what
the station reads changed.

The watchdog (machine.WDT) starts before anything else and is fed by the board during the
bring-up, then by the station's supervisor (firmware/supervisor.py: its event loop runs and
its hardware watcher passes) through `feed_watchdog()`, which feeds only while the I/O scan
and the link watch have passed within HEALTH_MAX_MS too: a stuck or failing task of the
board's ends in a reset, after which the station stops what was running as a power loss
(PowerLoss) and reports the boot.

The RTC (machine.RTC) gives the station's clock its start (`utc_now`), and follows the
Central System's time: once the station is registered its clock holds that time (the
BootNotification's answer set it, the heartbeats keep it), and the meter task copies it to
the RTC then and every RTC_SYNC_S after, so that the RTC is right at the next boot.
"""
import asyncio
import gc
import os

from boards.common.log import ConsoleLog
from boards.common.timing import sleep_ms, ticks_diff, ticks_ms
from firmware.clock import civil_from_days, days_from_civil
from logring import LogRing
from store.atomic import ensure_dir

SCAN_MS = 50
READER_POLL_MS = 250
METER_POLL_MS = 1000
HEALTH_MAX_MS = 5000
TAPS_MAX = 4  # cards tapped and not yet read by the station
RTC_SYNC_S = 3600
RTC_VALID_YEAR = 2025  # an RTC before this was never set (or lost its supply)
_SECONDS_PER_DAY = 86400


class ChargerBoard(ConsoleLog):
    def __init__(self, *, provisioning, ethernet, reader, connectors, emergency_stop, door,
                 watchdog, rtc, state_dir, vendor, model, serial, firmware_version,
                 meter_type, max_power_w, log_ring_slots=16):
        provisioning.configure(self)
        self.max_power_w = max_power_w
        self.ticks_ms = ticks_ms
        self.ticks_diff = ticks_diff
        self.log_ring = LogRing(slots=log_ring_slots, ticks_ms=ticks_ms)
        self.console = None  # the field console (boards/common/console.py) once it runs
        self.state_dir = state_dir
        ensure_dir(state_dir)
        self.station = None
        self.ethernet = ethernet
        ethernet.log = self.log
        self.link_changed = ethernet.link_changed
        self.open_connection = ethernet.open_connection
        self.reader = reader
        self.connectors = connectors
        for connector in connectors:
            connector.station_faults = self.station_faults
            connector.log = self.log
        self._emergency_stop = emergency_stop
        self._door = door
        self._watchdog = watchdog
        if watchdog is None:
            self.feed_watchdog = None
        self._rtc = rtc
        self._payload = {"chargePointVendor": vendor, "chargePointModel": model,
                         "chargePointSerialNumber": serial, "chargeBoxSerialNumber": serial,
                         "firmwareVersion": firmware_version, "meterType": meter_type}
        self.changed = asyncio.Event()
        self._taps = []
        self.scanned_ms = ticks_ms()
        self._reader_failed = False
        self._unhealthy = None  # what the watchdog was last left unfed for (logged once)
        self._rtc_synced_s = None  # the station's time when it was last copied to the RTC

    # ---- bring-up -----------------------------------------------------------------------

    def feed_during_boot(self):
        """Feeds the watchdog between the steps of the bring-up, before the station's
        supervisor does."""
        if self._watchdog is not None:
            self._watchdog.feed()

    async def attach(self):
        """Reads every input and meter once, so that what the station reads first is the
        hardware's (boards/README.md: energy_wh() valid from the hand-over)."""
        for _ in range(4):  # fills each input's debounce
            self.scan()
        for connector in self.connectors:
            await connector.measure()
            if connector.meter.error:
                self.log("board: connector %d meter: %s" % (connector.connector_id,
                                                            connector.meter.error))
        self.feed_during_boot()

    def keep_tasks(self, supervisor):
        supervisor.keep("board I/O", self.scan_forever)
        supervisor.keep("board reader", self.poll_reader_forever)
        supervisor.keep("board meters", self.measure_forever)
        supervisor.keep("board link", lambda: self.ethernet.watch())

    # ---- the board's tasks --------------------------------------------------------------

    def station_faults(self):
        found = []
        if self._emergency_stop.active:
            found.append("emergency_stop")
        if self._door.active:
            found.append("door_open")
        if self.reader.failed:
            found.append("reader_failure")
        return found

    def scan(self):
        """One pass over the inputs; True when something the station reads changed."""
        changed = self._emergency_stop.sample()
        if self._door.sample():
            changed = True
        for connector in self.connectors:
            if connector.scan():
                changed = True
        if changed:
            for connector in self.connectors:
                connector.update_code()  # a station-wide input is every connector's
        return changed

    async def scan_forever(self):
        while True:
            self.scanned_ms = ticks_ms()
            if self.scan():
                self.changed.set()
            await sleep_ms(SCAN_MS)

    async def poll_reader_forever(self):
        while True:
            tag = self.reader.poll()
            if tag is not None and len(self._taps) < TAPS_MAX:
                self._taps.append(tag)
                self.changed.set()
            if self.reader.failed != self._reader_failed:
                self._reader_failed = self.reader.failed
                self.log("board: card reader %s" % (self.reader.error if self._reader_failed
                                                    else "answers again"))
                for connector in self.connectors:
                    connector.update_code()
                self.changed.set()
            await sleep_ms(READER_POLL_MS)

    async def measure_forever(self):
        while True:
            for connector in self.connectors:
                failed = connector.meter.failed
                if await connector.measure():
                    self.changed.set()
                if connector.meter.failed != failed:
                    self.log("board: connector %d meter %s" % (
                        connector.connector_id,
                        connector.meter.error if connector.meter.failed else "answers again"))
            self.follow_station_clock()
            await sleep_ms(METER_POLL_MS)

    def follow_station_clock(self):
        """Copies the station's clock to the RTC once it holds the Central System's time, and
        every RTC_SYNC_S after."""
        station = self.station
        if station is None or not station.registration.accepted:
            return
        now_s = station.clock.now_s()
        if self._rtc_synced_s is not None and now_s - self._rtc_synced_s < RTC_SYNC_S:
            return
        self._rtc_synced_s = now_s
        self.set_utc(now_s)

    # ---- the firmware's side (boards/README.md) -----------------------------------------

    def boot_payload(self):
        return self._payload

    def link_up(self):
        return self.ethernet.link_up()

    def read_tag(self):
        return self._taps.pop(0) if self._taps else None

    def emergency_stop(self):
        return self._emergency_stop.active

    def unhealthy(self):
        """The board's task that has not passed within HEALTH_MAX_MS, or None."""
        now = ticks_ms()
        if ticks_diff(now, self.scanned_ms) > HEALTH_MAX_MS:
            return "I/O scan"
        if ticks_diff(now, self.ethernet.polled_ms) > HEALTH_MAX_MS:
            return "link watch"
        return None

    def feed_watchdog(self):
        stalled = self.unhealthy()
        if stalled is not None:
            if stalled != self._unhealthy:
                self.log("board: %s stalled: the watchdog is left to reset the board"
                         % stalled)
            self._unhealthy = stalled
            return
        self._unhealthy = None
        self._watchdog.feed()

    def utc_now(self):
        return rtc_unix_s(self._rtc.datetime())

    def set_utc(self, unix_s):
        self._rtc.datetime(rtc_datetime(unix_s))

    def flash_usage(self):
        """(used, total) bytes of the filesystem that holds state_dir."""
        block, _, blocks, free = os.statvfs(self.state_dir)[:4]
        return (blocks - free) * block, blocks * block

    def heap(self):
        gc.collect()
        return {"allocBytes": gc.mem_alloc(), "freeBytes": gc.mem_free()}

    def reset(self, hard):
        import machine

        # Errata 3.36: a hard reset restarts all the hardware, a soft one the application.
        self.log("board: hard reset, all the hardware restarts" if hard else
                 "board: soft reset, the application restarts")
        for connector in self.connectors:
            connector.set_energize(False)
        if hard:
            machine.reset()
        machine.soft_reset()


def rtc_unix_s(datetime):
    """Unix seconds of machine.RTC().datetime()'s tuple, or None before RTC_VALID_YEAR."""
    year, month, day, _, hours, minutes, seconds, _ = datetime
    if year < RTC_VALID_YEAR:
        return None
    return days_from_civil(year, month, day) * _SECONDS_PER_DAY + hours * 3600 + \
        minutes * 60 + seconds


def rtc_datetime(unix_s):
    """machine.RTC().datetime()'s tuple for Unix seconds: the weekday 0 for Monday (rp2,
    esp32; 1970-01-01 was a Thursday), no subseconds."""
    days = unix_s // _SECONDS_PER_DAY
    second = unix_s - days * _SECONDS_PER_DAY
    year, month, day = civil_from_days(days)
    return (year, month, day, (days + 3) % 7, second // 3600, second // 60 % 60, second % 60,
            0)
