"""What happens in a round of the campaign and when, drawn from the seed and the round's
number alone: the same SEED replays the same faults at the same instants, whatever the
station did in the rounds before.

A round is a list of (seconds from the round's start, event), in order. Events:
  ("plug", connector, soc)       a new EV at that state of charge arrives and plugs in
  ("unplug", connector)
  ("tap", connector)             the card of the transaction on that connector (a new card
                                 when there is none): a stop, or a start
  ("tap", tag)                   one of CARDS (in the station's local list), or a card never
                                 seen before
  ("power_cut", off_s)           the power goes, and comes back after off_s
  ("net_down",), ("net_up",)     the Ethernet link is lost, and restored
  ("cs_down",), ("cs_up",)       the Central System stops, and starts again
  ("mode", mode, delay_s)        the Central System answers slowly, twice, with CALLERROR
                                 to transaction messages, or not at all (central.py) ...
  ("mode", "normal", 0)          ... until it answers normally again
  ("fault", connector, code), ("clear", connector)
Taps are at least TAP_SPACING_S apart, so that no two sessions start in the same second
with the same card (the checks tell sessions apart by their StartTransaction).
"""
import random

from chaos.central import CALLERROR, NORMAL, SILENT, SLOW, TWICE

TAP_SPACING_S = 1.2
CARDS = tuple("CARD-%s" % letter for letter in "ABCDEF")
# Mean seconds between the faults and odd moments (the sessions go on beside them).
MEAN_GAP_S = 2.5
FAULT_CODES = ("GroundFailure", "HighTemperature", "OverCurrentFailure", "EVCommunicationError",
               "OverVoltage")
# (event kind, weight) of the faults and odd moments.
WEIGHTS = (("power_cut", 4), ("net", 5), ("cs_restart", 3), (SLOW, 3), (TWICE, 3),
           (CALLERROR, 4), (SILENT, 2), ("fault", 3), ("tap_own", 3), ("tap_card", 3),
           ("tap_new", 2), ("plug", 2), ("unplug", 2))
# Slow answers come well before the station's 30 s response timeout or well after it.
SLOW_IN_TIME_S = (1, 12)
SLOW_LATE_S = (36, 42)


def round_events(seed, number, length_s):
    """The events of round `number` of campaign `seed`, over `length_s` seconds (a fault
    still on then ends with the round): on each connector one session
    after another (an EV plugs in, a card is tapped, it charges, the card or the EV's
    leaving stops it), and beside them faults and odd moments."""
    rng = random.Random("%s/%d" % (seed, number))
    events = []
    for connector in (1, 2):
        events += _sessions(rng, connector, length_s)
    events += _faults(rng, number, length_s)
    events.sort(key=lambda e: e[0])
    # What would come after the round: a tap moved there is dropped, the end of a fault
    # comes with the round's end.
    return [(min(t, length_s), event) for t, event in _taps_spaced(events)
            if t <= length_s or kind_of(event) is None]


def _sessions(rng, connector, length_s):
    events = []
    t = rng.uniform(0, 3)
    while t < length_s - 2:
        events.append((t, ("plug", connector, rng.randrange(10, 70))))
        t += rng.uniform(0.3, 3)
        events.append((t, ("tap", rng.choice(CARDS))))
        t += rng.uniform(3, 15)
        ending = rng.random()
        if ending < 0.6:  # the card again, then the EV leaves
            events.append((t, ("tap", connector)))
            t += rng.uniform(0.5, 2)
        if ending < 0.95:  # else the EV stays: the next plug finds it there
            events.append((t, ("unplug", connector)))
        t += rng.uniform(1, 4)
    return events


def _faults(rng, number, length_s):
    kinds = [k for k, _ in WEIGHTS]
    weights = [w for _, w in WEIGHTS]
    events = []
    t = 0
    while True:
        t += rng.expovariate(1 / MEAN_GAP_S)
        if t >= length_s:
            return events
        kind = rng.choices(kinds, weights)[0]
        connector = rng.choice((1, 2))
        if kind == "tap_own":
            events.append((t, ("tap", connector)))
        elif kind == "tap_card":
            events.append((t, ("tap", rng.choice(CARDS))))
        elif kind == "tap_new":
            events.append((t, ("tap", "R%dT%d" % (number, len(events)))))
        elif kind == "plug":
            events.append((t, ("plug", connector, rng.randrange(10, 70))))
        elif kind == "unplug":
            events.append((t, ("unplug", connector)))
        elif kind == "power_cut":
            events.append((t, ("power_cut", round(rng.uniform(0, 3), 1))))
        elif kind == "net":
            events += [(t, ("net_down",)), (t + rng.uniform(1, 20), ("net_up",))]
        elif kind == "cs_restart":
            events += [(t, ("cs_down",)), (t + rng.uniform(0.5, 10), ("cs_up",))]
        elif kind == "fault":
            events += [(t, ("fault", connector, rng.choice(FAULT_CODES))),
                       (t + rng.uniform(1, 10), ("clear", connector))]
        else:
            delay_s = 0
            if kind == SLOW:
                delay_s = round(rng.uniform(*rng.choice((SLOW_IN_TIME_S, SLOW_LATE_S))), 1)
            window_s = rng.uniform(3, 45 if kind == SILENT else 20)
            events += [(t, ("mode", kind, delay_s)), (t + window_s, ("mode", NORMAL, 0))]


def _taps_spaced(events):
    """Each tap at least TAP_SPACING_S after the one before (moved later if need be)."""
    spaced = []
    last_tap = None
    for t, event in events:
        if event[0] == "tap":
            if last_tap is not None:
                t = max(t, last_tap + TAP_SPACING_S)
            last_tap = t
        spaced.append((t, event))
    spaced.sort(key=lambda e: e[0])
    return spaced


def kind_of(event):
    """What an event is, as the figures count it (None for the end of a fault)."""
    if event[0] == "mode":
        if event[1] == NORMAL:
            return None
        return "slow late" if event[1] == SLOW and event[2] > 30 else event[1]
    if event[0] in ("net_up", "cs_up", "clear"):
        return None
    return event[0]
