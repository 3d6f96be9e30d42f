"""Any sequence of input changes yields only transitions section 4.9 allows (hypothesis)."""
from hypothesis import given, settings, strategies as st

from firmware.connector import TRANSITIONS, ConnectorStatus, Inputs, derive_status

FIELDS = ("plugged", "operative", "reserved", "authorized", "in_transaction", "evse_allows",
          "ev_demand", "finishing")
ERRORS = ("NoError", "EVCommunicationError", "GroundFailure")
change = st.one_of(st.tuples(st.sampled_from(FIELDS), st.booleans()),
                   st.tuples(st.just("error_code"), st.sampled_from(ERRORS)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(change, min_size=1, max_size=4), max_size=30))
def test_every_input_sequence_moves_through_the_table(batches):
    inputs = Inputs()
    connector = ConnectorStatus(1, 0)
    for now_ms, batch in enumerate(batches, 1):
        for name, value in batch:
            setattr(inputs, name, value)
        before = connector.status
        steps = connector.move(derive_status(inputs), inputs.error_code, now_ms)
        for step in steps:
            assert step == before or step in TRANSITIONS[before]
            before = step
