"""The fault campaign (issue 22): many charging sessions on both connectors of a running
station while, at random instants chosen from a seed, its power is cut, its link lost,
the Central System restarted or made to answer slowly, twice, with CALLERROR or not at
all, cards tapped and faults raised; after each round the Central System's record is
checked against the rules of transaction messages (ledger.py).

  central.py   the Central System (tools/csms.py) with the faults to inject, restartable
  schedule.py  what happens in a round and when, from the seed alone
  ledger.py    the checks on what the Central System received
  campaign.py  the station, the rounds, the figures

`make chaos SEED=... ROUNDS=...` (tools/chaos.py) runs it; host_tests/test_chaos.py runs a
fixed set of seeds in `make test`. docs/testing.md tells what is checked.
"""
