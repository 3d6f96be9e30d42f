"""The Smart Charging profile's worst case on a station, under MicroPython from the ROMFS image
as the Core board runs it, or frozen into the interpreter as a board's firmware holds it
(tools/bench_smart_charging.py runs it and reports the figures; docs/performance.md).

    micropython tools/bench_smart_charging_heap.py IMAGE|frozen STATE_DIR

The station is built on the simulated board, its clock from the host's RTC, and left idle.
Through the station's own RPC core (frames in, frames out, schemas checked both ways) it is
sent MaxChargingProfilesInstalled (8) profiles of ChargingScheduleMaxPeriods (24) periods:
ChargePointMaxProfiles and TxDefaultProfiles on connectors 0, 1 and 2 at stack levels 0 to
3, Absolute, Recurring daily and weekly, and Relative, in A and in W. Printed,
as JSON, heap in bytes after a collection, and times in microseconds:

- idle: the idle station without profiles (beyond the image from ROMFS);
- with_profiles: what the idle heap grew by once the eight are installed and the limits
  worked out: their records, and the names their code interned on first use (from ROMFS;
  MicroPython never frees a qstr);
- after_use: what it grew by once every request of the profile was answered and the
  profiles cleared again: the names alone;
- records: what installing the eight again took then: the records alone;
- composite_us: each of COMPOSITES answers to GetCompositeSchedule of connector 1 (every
  purpose applies to it) for 24 h in W, from the CALL's text to the CALLRESULT's;
  composite_periods and composite_duration: what the answer held (at most 48 periods).
"""
import gc
import json
import sys
import time

from bench_station import Central, boot_from, idle_station, in_use

boot_from(sys.argv[1])
gc.collect()
BASE = gc.mem_alloc()  # the image (read into the heap here, a board's flash) and the script
from firmware.clock import format_iso8601  # noqa: E402

PROFILES = 8  # MaxChargingProfilesInstalled
PERIODS = 24  # ChargingScheduleMaxPeriods
DAY_S = 86400
COMPOSITES = 20


def schedule(unit, step_s, seed):
    """PERIODS periods `step_s` apart, their limits in tenths (32.0 to 16.6 A, 24.0 to 8.6 kW)
    and each unlike the last, so that none merge."""
    top, down = (320, 7) if unit == "A" else (240000, 7001)
    return [{"startPeriod": i * step_s, "limit": (top - (i * 7 + seed * 3) % 23 * down) / 10}
            for i in range(PERIODS)]


def worst_case(now_s):
    """(connectorId, csChargingProfiles) of the eight profiles."""
    day = now_s - now_s % DAY_S
    week = day - ((day // DAY_S + 3) % 7) * DAY_S  # a Monday (1 January 1970 was a Thursday)
    made = []
    for n, (connector_id, purpose, kind, recurrency, start_s, unit, step_s) in enumerate((
            (0, "ChargePointMaxProfile", "Recurring", "Daily", day, "A", 3600),
            (0, "ChargePointMaxProfile", "Absolute", None, now_s - 1800, "W", 3000),
            (0, "TxDefaultProfile", "Recurring", "Daily", day + 900, "W", 3600),
            (0, "TxDefaultProfile", "Absolute", None, now_s, "A", 1800),
            (1, "TxDefaultProfile", "Recurring", "Weekly", week, "A", 3600),
            (1, "TxDefaultProfile", "Relative", None, None, "W", 3000),
            (2, "TxDefaultProfile", "Recurring", "Daily", day + 1200, "W", 3600),
            (2, "TxDefaultProfile", "Absolute", None, now_s - 600, "A", 2400))):
        body = {"chargingProfileId": n + 1, "stackLevel": n % 4,
                "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
                "chargingSchedule": {"chargingRateUnit": unit, "duration": DAY_S,
                                     "chargingSchedulePeriod": schedule(unit, step_s, n)}}
        if start_s is not None:
            body["chargingSchedule"]["startSchedule"] = format_iso8601(start_s)
        if recurrency is not None:
            body["recurrencyKind"] = recurrency
        made.append((connector_id, body))
    return made


def composite_times_us(central):
    """COMPOSITES answers of GetCompositeSchedule for connector 1, 24 h, in W."""
    times = []
    frame = json.dumps([2, "c", "GetCompositeSchedule", {"connectorId": 1, "duration": DAY_S,
                                                         "chargingRateUnit": "W"}])
    for _ in range(COMPOSITES):
        gc.collect()
        began = time.ticks_us()
        reply = central.rpc.receive(frame)
        times.append(time.ticks_diff(time.ticks_us(), began))
    answer = json.loads(reply.text)[2]
    return times, answer


def install_worst_case(central, station):
    for connector_id, body in worst_case(station.clock.now_s()):
        answer = central.call("SetChargingProfile", {"connectorId": connector_id,
                                                     "csChargingProfiles": body})
        if answer["status"] != "Accepted":
            raise RuntimeError("profile %d: %s" % (body["chargingProfileId"], answer))
    if len(station.smart_charging.profiles) != PROFILES:
        raise RuntimeError("%d profiles installed" % len(station.smart_charging.profiles))
    station.refresh()


def clear_all(central, station):
    if central.call("ClearChargingProfile", {})["status"] != "Accepted":
        raise RuntimeError("ClearChargingProfile")
    station.refresh()


def main():
    station = idle_station(sys.argv[2])
    central = Central(station)
    idle = in_use()
    install_worst_case(central, station)
    installed = in_use()
    times, answer = composite_times_us(central)
    if answer["status"] != "Accepted":
        raise RuntimeError("GetCompositeSchedule: %s" % answer)
    schedule = answer["chargingSchedule"]
    answer = None
    clear_all(central, station)
    used = in_use()  # none installed, every request of the profile answered once
    install_worst_case(central, station)
    again = in_use()
    print(json.dumps({
        "idle": idle - BASE, "with_profiles": installed - idle, "records": again - used,
        "after_use": used - idle,
        "composite_us": times,
        "composite_periods": len(schedule["chargingSchedulePeriod"]),
        "composite_duration": schedule["duration"]}))


main()
