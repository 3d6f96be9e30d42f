"""derive_status and ConnectorStatus.move checked against OCPP 1.6's own words (hypothesis).

The rules below are written from the specification, not from firmware/connector.py: the
status conditions of 7.7 (ChargePointStatus), the error codes of 7.6 and the notes and
transition table of 4.9 (StatusNotification), each as a predicate on the inputs. Where the
specification allows more than one status (a ConnectionTimeOut may end Preparing by B1 or by
B6), every allowed status's predicate holds and derive_status may pick any of them.
"""
from hypothesis import given, settings, strategies as st

from firmware.connector import TRANSITIONS, ConnectorStatus, Inputs, derive_status

NO_ERROR = "NoError"
EV_COMMUNICATION_ERROR = "EVCommunicationError"

# 4.9, "which status transitions are possible", as printed: row letter, then the codes of
# the statuses it may go to (1 Available ... 9 Faulted).
SPEC_TABLE = """
A Available A2 A3 A4 A5 A7 A8 A9
B Preparing B1 B3 B4 B5 B6 B9
C Charging C1 C4 C5 C6 C8 C9
D SuspendedEV D1 D3 D5 D6 D8 D9
E SuspendedEVSE E1 E3 E4 E6 E8 E9
F Finishing F1 F2 F8 F9
G Reserved G1 G2 G8 G9
H Unavailable H1 H2 H3 H4 H5 H9
I Faulted I1 I2 I3 I4 I5 I6 I7 I8
"""
STATUSES = [row.split()[1] for row in SPEC_TABLE.strip().splitlines()]
SPEC_MOVES = {row.split()[1]: {STATUSES[int(code[1]) - 1] for code in row.split()[2:]}
              for row in SPEC_TABLE.strip().splitlines()}


def fault(i):
    # 7.6: EVCommunicationError "is not a real error ... doesn't need to go to the faulted
    # state"; any other code is a fault that "prevents further charging operations" (A9..H9).
    return i.error_code not in (NO_ERROR, EV_COMMUNICATION_ERROR)


def offering(i):
    # 7.6: with EVCommunicationError "it should go to the SuspendedEVSE state"; 7.7: the
    # EVSE not offering energy, e.g. a smart charging restriction or a StartTransaction.conf.
    return i.evse_allows and i.error_code == NO_ERROR


def session(i):
    # 7.7 Charging/SuspendedEV/SuspendedEVSE happen during a transaction; an inoperative
    # connector keeps its transaction until it ends (C8, D8, E8: "scheduled to become
    # Unavailable"), so availability does not interrupt these.
    return not fault(i) and i.in_transaction


def idle(i):
    # No transaction, operative, no fault, the previous session finished (7.7 Finishing).
    return not fault(i) and not i.in_transaction and i.operative and not i.finishing


def usage_initiated(i):
    # 7.7 Preparing: "a user presents a tag, inserts a cable" (A2, G2); B6/B1: a plug without
    # an idTag within ConnectionTimeOut ends the usage.
    return (i.plugged and not i.connection_timed_out) or i.authorized


RULES = {
    "Faulted": fault,
    "Unavailable": lambda i: not fault(i) and not i.in_transaction and not i.operative,
    "Charging": lambda i: session(i) and offering(i) and i.plugged and i.ev_demand,
    # 4.9: "SuspendedEVSE SHALL have precedence over status SuspendedEV".
    "SuspendedEVSE": lambda i: session(i) and not offering(i),
    # 7.7: offering, the EV takes none; 4.9: the EV side disconnected with the transaction
    # kept (StopTransactionOnEVSideDisconnect false) is SuspendedEV too.
    "SuspendedEV": lambda i: session(i) and offering(i) and not (i.plugged and i.ev_demand),
    # 7.7 Finishing: the transaction stopped, the cable not yet removed; B6 (timed out).
    "Finishing": lambda i: not fault(i) and not i.in_transaction and i.operative and (
        i.finishing or (i.plugged and i.connection_timed_out)),
    "Preparing": lambda i: idle(i) and usage_initiated(i),
    # 7.7 Reserved, A7; G1: the reservation, not a timed-out plug, decides (B1 back to it).
    "Reserved": lambda i: idle(i) and not usage_initiated(i) and i.reserved,
    # 7.7 Available: "available for a new user"; F1, B1.
    "Available": lambda i: idle(i) and not usage_initiated(i) and not i.reserved,
}

ERRORS = (NO_ERROR, EV_COMMUNICATION_ERROR, "GroundFailure", "HighTemperature")
FIELDS = ("plugged", "operative", "reserved", "authorized", "connection_timed_out",
          "in_transaction", "evse_allows", "ev_demand", "finishing")
change = st.one_of(st.tuples(st.sampled_from(FIELDS), st.booleans()),
                   st.tuples(st.just("error_code"), st.sampled_from(ERRORS)))


def as_the_station_keeps_them(inputs):
    """Inputs in a state the station can reach: an authorization is held only for a free
    connector (Identification.free), the connection timeout runs only while plugged outside
    a transaction, a session finishes only while plugged and operative, and any error code
    takes the EVSE's permission away (evse_allows)."""
    if inputs.plugged or inputs.in_transaction or fault(inputs):
        inputs.authorized = False
    if not inputs.plugged or inputs.in_transaction:
        inputs.connection_timed_out = False
    if not inputs.plugged or not inputs.operative or inputs.in_transaction:
        inputs.finishing = False
    if inputs.error_code != NO_ERROR:
        inputs.evse_allows = False


def allowed(inputs):
    return [status for status in STATUSES if RULES[status](inputs)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(change, min_size=1, max_size=4), max_size=30))
def test_derive_status_follows_the_specification_and_moves_through_its_table(batches):
    inputs = Inputs()
    connector = ConnectorStatus(1, 0)
    for now_ms, batch in enumerate(batches, 1):
        for name, value in batch:
            setattr(inputs, name, value)
        as_the_station_keeps_them(inputs)
        status = derive_status(inputs)
        assert allowed(inputs), vars(inputs)  # the rules above cover every reachable input
        assert status in allowed(inputs), (status, allowed(inputs), vars(inputs))
        before = connector.status
        for step in connector.move(status, inputs.error_code, now_ms):
            assert step == before or step in SPEC_MOVES[before], (before, step)
            before = step
        assert connector.status == status


def test_the_transition_table_is_the_specifications():
    assert {old: set(new) for old, new in TRANSITIONS.items()} == SPEC_MOVES


def test_the_rules_name_the_status_the_specification_gives_for_plain_cases():
    # The predicates themselves, on cases the specification states outright.
    inputs = Inputs()
    assert allowed(inputs) == ["Available"]
    inputs.plugged = True
    assert allowed(inputs) == ["Preparing"]
    inputs.in_transaction = True
    inputs.ev_demand = True
    assert allowed(inputs) == ["Charging"]
    inputs.evse_allows = False  # both suspend: SuspendedEVSE has precedence (4.9)
    inputs.ev_demand = False
    assert allowed(inputs) == ["SuspendedEVSE"]
    inputs.error_code = "GroundFailure"
    assert allowed(inputs) == ["Faulted"]
