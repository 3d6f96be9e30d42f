"""Throughput of the protocol cores, run under MicroPython by `make bench` (CPython works too).

Prints one figure of tools/bench_report.py per line, as JSON: WebSocket frames/s in and out,
OCPP messages/s handled.
"""
import gc
import json
import struct
import time

from ocppj.rpc import Rpc
from ocppj.frames import encode_call
from ws.protocol import Protocol

if hasattr(time, "ticks_us"):
    def elapsed_s(start):
        return time.ticks_diff(time.ticks_us(), start) / 1e6
    now = time.ticks_us
else:
    now = time.perf_counter

    def elapsed_s(start):
        return time.perf_counter() - start

TCP_SEGMENT = 1460
METER_VALUES = {
    "connectorId": 1, "transactionId": 42,
    "meterValue": [{"timestamp": "2026-11-25T10:20:30Z", "sampledValue": [
        {"value": "123456", "context": "Sample.Periodic",
         "measurand": "Energy.Active.Import.Register", "unit": "Wh", "location": "Outlet"},
        {"value": "398.2", "measurand": "Voltage", "unit": "V"},
        {"value": "151.0", "measurand": "Current.Import", "unit": "A"},
        {"value": "64", "measurand": "SoC", "unit": "Percent", "location": "EV"}]}]}


def report(name, count, seconds, unit):
    print(json.dumps({"name": name, "unit": unit + "/s", "ours": {"per_s": int(count / seconds)}}))


def bench_frames_in(count, size):
    # A server's text frame: FIN + opcode 1, unmasked, 16-bit length.
    stream = (struct.pack("!BBH", 0x81, 126, size) + b"x" * size) * count
    protocol = Protocol(max_message_bytes=65536)
    received = 0
    start = now()
    for at in range(0, len(stream), TCP_SEGMENT):
        protocol.receive_data(stream[at:at + TCP_SEGMENT])
        received += len(protocol.events_received())
    seconds = elapsed_s(start)
    if received != count:
        raise RuntimeError("received %d of %d frames" % (received, count))
    report("ws frames in (%d B text, %d B segments)" % (size, TCP_SEGMENT), count, seconds,
           "frames")


def bench_frames_out(count, size):
    protocol = Protocol(max_message_bytes=65536)
    text = "x" * size
    start = now()
    for _ in range(count):
        protocol.send_text(text)
        protocol.data_to_send()
    report("ws frames out (%d B text, masked)" % size, count, elapsed_s(start), "frames")


def bench_incoming_calls(count):
    # An incoming CALL: decoded, checked, dispatched, answer checked and encoded.
    rpc = Rpc({"DataTransfer": lambda payload: {"status": "Accepted", "data": "ok"}})
    text = encode_call("bench-1", "DataTransfer",
                       {"vendorId": "org.openvolt", "messageId": "Ping", "data": "x" * 64})
    start = now()
    for _ in range(count):
        rpc.receive(text)
    report("ocpp incoming CALL -> CALLRESULT (DataTransfer)", count, elapsed_s(start), "msgs")


def bench_outgoing_calls(count):
    # An outgoing CALL checked and encoded, its CALLRESULT decoded, matched and checked.
    rpc = Rpc({}, new_id=lambda: "bench-1")
    start = now()
    for _ in range(count):
        rpc.call("MeterValues", METER_VALUES)
        rpc.receive('[3,"bench-1",{}]')
    report("ocpp outgoing CALL + CALLRESULT (MeterValues)", count, elapsed_s(start), "msgs")


def main():
    gc.collect()
    bench_frames_in(2000, 256)
    bench_frames_out(2000, 256)
    bench_incoming_calls(1000)
    bench_outgoing_calls(1000)


main()
