"""The simulated board: the reference station's hardware as seen by the firmware, on a host.

Runs under MicroPython's unix port and under CPython. Later work adds the EV, power stage,
meter and RFID reader models; for now it supplies identity, clock, logging and settings.
"""
import time

VENDOR = "OpenVolt"
MODEL = "DCFC-240-2"
FIRMWARE_VERSION = "0.1.0"

if hasattr(time, "ticks_ms"):
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
else:  # CPython: a monotonic millisecond counter with the same interface
    def ticks_ms():
        return time.monotonic_ns() // 1000000

    def ticks_diff(end, start):
        return end - start


class SimBoard:
    def __init__(self, identity_name, csms_url, password=None, ca_der=None):
        self.identity_name = identity_name
        self.csms_url = csms_url
        self.password = password
        self.ca_der = ca_der
        self.ticks_ms = ticks_ms
        self.ticks_diff = ticks_diff

    def log(self, line):
        print(line)

    def boot_payload(self):
        return {
            "chargePointVendor": VENDOR,
            "chargePointModel": MODEL,
            "chargePointSerialNumber": "SIM-" + self.identity_name,
            "chargeBoxSerialNumber": "SIM-" + self.identity_name,
            "firmwareVersion": FIRMWARE_VERSION,
        }
