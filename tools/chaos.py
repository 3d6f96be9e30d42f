"""The fault campaign's long form (issue 22; host_tests/chaos/): `make chaos SEED=... ROUNDS=...`.

    python tools/chaos.py [--seed N] [--rounds N] [--minutes M] [--runtime micropython32|cpython]
                          [--round-s S]

Runs ROUNDS rounds of seed SEED (a random seed when none is given, printed first), or as
many as fit in MINUTES; prints each round's figures and the campaign's; on a failure, the
violations, the command that replays it and where its record is kept, and exits 1.
"""
import argparse
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from chaos.campaign import RUNTIMES, Campaign, CampaignFailure  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop starting rounds after this long (ROUNDS still bounds them)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="micropython32")
    parser.add_argument("--round-s", type=float, default=30,
                        help="how long a round's events last, before it is healed and checked")
    parser.add_argument("--keep", action="store_true",
                        help="keep the record (build/chaos/SEED-RUNTIME) when it passes too")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1, 10 ** 6)
    print("chaos: seed %d, %d rounds of %g s, %s" % (seed, args.rounds, args.round_s,
                                                     args.runtime), flush=True)
    began = time.monotonic()
    campaign = Campaign(seed, args.rounds, runtime=args.runtime, round_s=args.round_s,
                        folder=os.path.join(ROOT, "build", "chaos", "%d-%s" % (seed, args.runtime)),
                        say=lambda text: print("chaos: " + text, flush=True),
                        keep=args.keep, deadline=None if args.minutes is None else began + args.minutes * 60)
    try:
        figures = campaign.run()
    except CampaignFailure as failure:
        print(failure, flush=True)
        sys.exit(1)
    figures["minutes"] = round((time.monotonic() - began) / 60, 1)
    print("chaos: passed, seed %d: %s" % (seed, json.dumps(figures, sort_keys=True)), flush=True)


if __name__ == "__main__":
    main()
