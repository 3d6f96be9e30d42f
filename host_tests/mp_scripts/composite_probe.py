"""Works out the composite schedules of Smart Charging cases with the firmware's code
(sc_fakes.composites: firmware.smart_charging.requests.composite_schedule on a stand-in
station) and prints one JSON line per case: the GetCompositeSchedule.conf payloads of its
requests. Run by host_tests/test_composite_oracle.py under both MicroPythons, which compares
them with its oracle. host_tests/portable must be on the path (MICROPYPATH).

Usage: composite_probe.py CASES   (a file of cases, one JSON object a line)
"""
import json
import sys

from sc_fakes import composites


def main(path):
    with open(path) as cases:
        for line in cases:
            if line.strip():
                # Streamed: a case's line can be 8 KB, one piece a fragmented heap may lack.
                json.dump(composites(json.loads(line)), sys.stdout)
                print()


main(sys.argv[1])
