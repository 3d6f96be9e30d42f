"""Charging profiles across a power cut (errata 3.37: they persist across reboots; 7.10: a
TxProfile ceases with its transaction, which the cut ends). The station runs as on a board
(host_tests/tc.py), killed and started again on the same state folder."""
import time

from sc_fakes import profile
from tc import CentralThread, booted, charging, tc_station, wait_until
from test_power_cut import cut_and_restart
from test_tc_smart_charging import DEVIATION_S, composite, set_profile, transaction_id_on

HOUR_S = 3600
WINDOW_S = 2 * HOUR_S
# From the profiles' start (`origin`), in A: the station may take 40 A, then 30 A; the
# connectors' default is 16 A, then 12 A; connector 1's transaction gets 10 A.
STATION = [(0, 40), (HOUR_S, 30)]
DEFAULT = [(0, 16), (HOUR_S, 12)]
TRANSACTION = [(0, 10)]


def composites_from(cs, link, origin):
    """Each connector's composite over the window as [(offset from `origin`, A)], its first
    period (from the request on) at 0: the same whenever it is asked within the first hour."""
    found = {}
    for connector_id in (0, 1, 2):
        start, periods = composite(cs, link, connector_id, WINDOW_S, "A")
        found[connector_id] = [(0, periods[0][1])] + [
            (start - origin + offset, limit) for offset, limit in periods[1:]]
    return found


def test_profiles_survive_a_power_cut_and_a_tx_profile_does_not(tmp_path):
    state = str(tmp_path)
    with CentralThread(heartbeat_interval_s=60) as cs:
        station = tc_station(cs, state=state)
        try:
            link = booted(cs)
            charging(cs, station, 1)
            origin = int(time.time()) - DEVIATION_S
            assert set_profile(cs, link, 0, profile(1, "ChargePointMaxProfile", 0, STATION,
                                                    start_s=origin)) == "Accepted"
            assert set_profile(cs, link, 0, profile(2, "TxDefaultProfile", 0, DEFAULT,
                                                    start_s=origin)) == "Accepted"
            assert set_profile(cs, link, 1, profile(
                3, "TxProfile", 0, TRANSACTION,
                transaction_id=transaction_id_on(cs, 1))) == "Accepted"
            assert composites_from(cs, link, origin) == {0: STATION, 1: TRANSACTION,
                                                         2: DEFAULT}

            station = cut_and_restart(cs, station, state)
            link = wait_until(lambda: cs.central.links.get("CP001") not in (None, link)
                              and cs.central.links["CP001"], 20, "the station back")
            wait_until(lambda: [p for p in cs.requests("StopTransaction")
                                if p.get("reason") == "PowerLoss"], 20,
                       "the transaction ended by the cut")
            # Connector 1's TxProfile went with its transaction: its default rules it.
            assert composites_from(cs, link, origin) == {0: STATION, 1: DEFAULT, 2: DEFAULT}
            assert station.control("status")["connectors"][1]["limitW"] is None
        finally:
            station.stop()
