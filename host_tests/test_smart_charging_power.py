"""The power stage follows the Smart Charging limits (docs/smart_charging.md, "At the outputs"):
the station as on a board (host_tests/tc.py), the simulated power stage, EVs and meters of the
launcher (boards/sim/hardware.py) read through the control port's `status`: per connector the
limit the station told the output (`limitW`) and the power the hardware delivers (`powerW`).

- After each SetChargingProfile and ClearChargingProfile, and at a schedule's period
  boundary (online and offline), the power is at the new limit within one second (the issue's requirement; the
  power stage ramps down at 480 W/ms, boards/sim/power_stage.py).
- A ChargePointMaxProfile is shared by the connectors charging, per the sharing rule.
- The meter's energy is the integral of the limit applied.
"""
import json
import time

from boards.sim.hardware import CONNECTORS
from boards.sim.meter import SAVE_INTERVAL_MS
from tc import CentralThread, booted, call, charging, tc_station, wait_until
from test_tc_smart_charging import profile, set_profile, transaction_id_on, unix

FOLLOW_S = 1.0  # the requirement: the power at a new limit within this long of the change
EV_W = {1: CONNECTORS[0][1][2], 2: CONNECTORS[1][1][2]}  # what the EVs accept: 135, 235 kW
# The EVs' voltages (the sim's voltage classes, 0 to 100 % state of charge): an amperes
# limit is watts at the connector's voltage.
EV_VOLTS = {1: range(330, 411), 2: range(660, 821)}
SPEED = 10  # the launcher's --speed for the energy case: ten times the energy per second


def status(station):
    return station.control("status")["connectors"]


def at(limit_w, power_w=None):
    """A connector whose output was told `limit_w` (None: no limit) and delivers `power_w`,
    by default the limit itself (the EVs here accept more)."""
    return lambda c: c["limitW"] == limit_w and c["powerW"] == (
        limit_w if power_w is None else power_w)


def follows(station, since, what, **expected):
    """Polls the control port until each connector named (c1=..., c2=...) is as `at` or a
    predicate says, in an answer received within a second of `since` (monotonic); fails
    once a poll ends later. Returns the connectors' status."""
    deadline = since + FOLLOW_S
    while True:
        connectors = status(station)
        answered = time.monotonic()
        settled = all(check(connectors[int(name[1:])]) for name, check in expected.items())
        assert answered <= deadline, "%s: not within %.1f s: %s" % (
            what, FOLLOW_S, connectors[1:])
        if settled:
            return connectors


def clock_lag_s(cs):
    """How far the station's clock is behind the host's: it takes the whole seconds of the
    Central System's last currentTime (firmware/clock.py drops the fraction) as the time
    the answer arrives. The loopback transit, a few ms, is not counted: a deadline worked
    out from it errs on the strict side."""
    text, sent = [(text, t) for _, d, text, t in list(cs.central.traffic)
                  if d == "->" and '"currentTime"' in text][-1]
    sent_wall = time.time() - (time.monotonic() - sent)
    return sent_wall - unix(json.loads(text)[2]["currentTime"])


def monotonic_of(station_s, lag_s):
    """The host's monotonic time at which the station's clock reads `station_s`."""
    return time.monotonic() + station_s + lag_s - time.time()


def sleep_until(monotonic_s):
    time.sleep(max(monotonic_s - time.monotonic(), 0))


def cleared(cs, link, **fields):
    return cs.run(link.call(call.ClearChargingProfile(**fields))).status


def test_power_follows_set_clear_and_period_boundaries(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 1)
        transaction_id = transaction_id_on(cs, 1)
        follows(station, time.monotonic(), "charging unlimited", c1=at(None, EV_W[1]))

        since = time.monotonic()
        assert set_profile(cs, link, 1, profile(
            1, "TxDefaultProfile", 0, [(0, 40)], unit="W")) == "Accepted"
        follows(station, since, "TxDefaultProfile 40 kW", c1=at(40000))

        # A TxProfile whose limit changes twice, a few seconds from now: down, then up. It
        # starts a second ago, before the station's clock (behind the host's by less than a
        # second) reads it: a TxProfile not yet started would leave only the rating.
        origin = int(time.time()) - 1
        first, second = 4, 6
        since = time.monotonic()
        assert set_profile(cs, link, 1, profile(
            2, "TxProfile", 0, [(0, 20), (first, 10), (second, 15)], unit="W",
            start_s=origin, transaction_id=transaction_id)) == "Accepted"
        follows(station, since, "TxProfile 20 kW", c1=at(20000))
        lag_s = clock_lag_s(cs)
        # Offline: the schedule runs on the station's own clock (the issue: "and while
        # offline").
        assert station.control("net down")["ok"]
        for offset, limit_w in ((first, 10000), (second, 15000)):
            boundary = monotonic_of(origin + offset, lag_s)
            # The station also reads its inputs once a second, counted from the last input
            # change: a cable plugged in just before the boundary puts that read almost a
            # second after it, where the boundary must not wait for it.
            sleep_until(boundary - 0.05)
            station.control("unplug 2" if offset == second else "plug 2")
            follows(station, boundary, "the period at %d s" % offset, c1=at(limit_w))
        assert station.control("status")["connection"] != "online"
        assert station.control("net up")["ok"]
        wait_until(lambda: station.control("status")["connection"] == "online", 10,
                   "back online")
        link = cs.link("CP001")  # the new connection

        since = time.monotonic()
        assert cleared(cs, link, id=2) == "Accepted"
        follows(station, since, "TxProfile cleared", c1=at(40000))
        since = time.monotonic()
        assert cleared(cs, link) == "Accepted"
        follows(station, since, "every profile cleared", c1=at(None, EV_W[1]))


def test_charge_point_max_profile_is_shared_by_the_connectors_charging(starter=tc_station):
    with CentralThread() as cs, starter(cs) as station:
        link = booted(cs)
        charging(cs, station, 1)
        charging(cs, station, 2, tag="CARD-0002")
        # Evenly: 30 kW each, both EVs taking more.
        since = time.monotonic()
        assert set_profile(cs, link, 0, profile(
            11, "ChargePointMaxProfile", 0, [(0, 60)], unit="W")) == "Accepted"
        follows(station, since, "60 kW shared", c1=at(30000), c2=at(30000))
        # A connector whose own limit is below its even share keeps it and leaves the rest.
        since = time.monotonic()
        assert set_profile(cs, link, 1, profile(
            12, "TxDefaultProfile", 0, [(0, 10)], unit="W")) == "Accepted"
        follows(station, since, "10 kW of connector 1's own", c1=at(10000), c2=at(50000))
        since = time.monotonic()
        assert cleared(cs, link, id=12) == "Accepted"
        follows(station, since, "60 kW shared again", c1=at(30000), c2=at(30000))
        # In amperes, shared in amperes: 50 A each, at each connector's own voltage.
        since = time.monotonic()
        assert set_profile(cs, link, 0, profile(
            11, "ChargePointMaxProfile", 0, [(0, 100)], unit="A")) == "Accepted"

        follows(station, since, "100 A shared", c1=amperes(50, 1), c2=amperes(50, 2))


def amperes(limit_a, connector_id):
    """A connector told `limit_a` A as watts at its voltage (whole volts, within its EV's
    range) and delivering them."""
    def check(c):
        return c["limitW"] is not None and c["limitW"] % limit_a == 0 \
            and c["limitW"] // limit_a in EV_VOLTS[connector_id] and c["powerW"] == c["limitW"]
    return check


def register_edge(station, connector_id, timeout_s=5):
    """The meter register of the connector the moment it moves, (Wh, after, before): the
    hardware saved that value between the host's monotonic times `after` and `before`.
    The launcher sends the control port's question to the controller on the same ordered
    link as the hardware's readings, so a reading answers with every save made before the
    question left, and none made after: the save fell after the previous poll was sent
    (it showed the old value) and before this one was answered."""
    deadline = time.monotonic() + timeout_s
    previous = previous_sent = None
    while time.monotonic() < deadline:
        sent = time.monotonic()
        wh = status(station)[connector_id]["energyWh"]
        answered = time.monotonic()
        if previous is not None and wh != previous:
            return wh, previous_sent, answered
        previous, previous_sent = wh, sent
    raise AssertionError("the meter of connector %d did not move in %d s" % (connector_id,
                                                                              timeout_s))


def energy_bounds_wh(limit_w, first, last):
    """The Wh a meter must have counted between two register edges at a constant
    `limit_w`, as (least, most). The register is whole Wh (the fraction carried: the count
    between two saves is within 1 Wh of the integral), saved at a physics step whose time
    the edges bracket; the steps' dt is the hardware loop's clock, in whole ms, the error
    of which each end's bracket takes 1 ms more for. At SPEED the EV takes SPEED times the
    energy. The ramp is not in it: the window opens once the power is at the limit."""
    wh_per_s = limit_w * SPEED / 3600
    shortest = last[1] - first[2] - 0.002
    longest = last[2] - first[1] + 0.002
    return wh_per_s * shortest - 1, wh_per_s * longest + 1


def test_energy_is_the_integral_of_the_limits(starter=tc_station):
    with CentralThread() as cs, starter(cs, extra=["--speed", str(SPEED)]) as station:
        link = booted(cs)
        charging(cs, station, 1)
        for profile_id, limit_kw in ((21, 36), (22, 18)):
            since = time.monotonic()
            assert set_profile(cs, link, 1, profile(
                profile_id, "TxDefaultProfile", 0, [(0, limit_kw)], unit="W")) == "Accepted"
            follows(station, since, "%d kW" % limit_kw, c1=at(limit_kw * 1000))
            first = register_edge(station, 1)
            # A window of about three seconds: the register moves once a second.
            time.sleep(2 * SAVE_INTERVAL_MS / 1000)
            last = register_edge(station, 1)
            least, most = energy_bounds_wh(limit_kw * 1000, first, last)
            counted = last[0] - first[0]
            assert least <= counted <= most, "%d kW: %d Wh counted, %.1f to %.1f Wh expected" % (
                limit_kw, counted, least, most)
