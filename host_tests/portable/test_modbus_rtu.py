# The Modbus RTU master (lib/modbus) against a device modelled from "Modbus over Serial Line
# v1.02" (host_tests/portable/device_models/modbus_slave.py): frames and CRC, the silence
# before each request, the direction pin around each write, timeouts, retries and
# exception responses; then a PZEM-017 meter read through its register map.
from device_models.clock import FakeClock
from device_models.modbus_slave import ModbusDevice
from modbus.crc import crc16
from modbus.frames import ModbusException, ModbusFrameError, ModbusTimeout, \
    decode_response, read_request
from modbus.meter import Meter
from modbus.pzem017 import PZEM017
from modbus.rtu import RtuMaster, silence_ms

# A PZEM-017 at 48.05 V, 12.34 A, 592.9 W, 100000 Wh (32-bit values low word first).
PZEM_REGISTERS = {0: 4805, 1: 1234, 2: 5929, 3: 0, 4: 0x86A0, 5: 0x0001, 6: 0, 7: 0}


def rig(**device_options):
    clock = FakeClock()
    device = ModbusDevice(clock, **device_options)
    master = RtuMaster(uart=device, direction_pin=device.pin, baudrate=9600,
                       ticks_ms=clock.ticks_ms, ticks_diff=clock.ticks_diff,
                       sleep_ms=clock.sleep_ms, response_timeout_ms=200, retries=2)
    return clock, device, master


def test_crc_is_modbus_check_value_sent_low_byte_first():
    assert crc16(b"123456789") == 0x4B37
    # The PZEM-017 manual's "read all measurements" request: 01 04 0000 0008, CRC F1 CC.
    assert read_request(1, 4, 0, 8) == bytes((1, 4, 0, 0, 0, 8, 0xF1, 0xCC))


def test_requests_no_device_could_answer_are_refused():
    for unit, function, address, count in ((0, 4, 0, 1), (248, 4, 0, 1), (1, 6, 0, 1),
                                           (1, 4, 0, 0), (1, 4, 0, 33), (1, 3, 0xFFFF, 2),
                                           (1, 3, -1, 1)):
        try:
            read_request(unit, function, address, count)
        except ValueError:
            continue
        raise AssertionError((unit, function, address, count))


def test_answers_are_decoded_or_refused_by_crc_unit_function_and_length():
    good = bytearray((1, 4, 4, 0x12, 0x34, 0xAB, 0xCD))
    crc = crc16(good)
    good += bytes((crc & 0xFF, crc >> 8))
    assert decode_response(good, len(good), 1, 4, 2) == [0x1234, 0xABCD]
    bad_crc = bytearray(good)
    bad_crc[3] ^= 0x10
    for frame, unit, function, count in ((bad_crc, 1, 4, 2), (good, 2, 4, 2),
                                         (good, 1, 3, 2), (good, 1, 4, 1)):
        try:
            decode_response(frame, len(frame), unit, function, count)
        except ModbusFrameError:
            continue
        raise AssertionError((frame, unit, function, count))
    exception = bytearray((1, 0x84, 2))
    crc = crc16(exception)
    exception += bytes((crc & 0xFF, crc >> 8))
    try:
        decode_response(exception, 5, 1, 4, 2)
        raise AssertionError("an exception response was taken for registers")
    except ModbusException as error:
        assert error.code == 2 and "illegal data address" in str(error)


def test_silence_is_three_and_a_half_characters_or_fixed_above_19200_baud():
    assert silence_ms(9600) == 5     # 4.01 ms, rounded up
    assert silence_ms(2400) == 17    # 16.04 ms
    assert silence_ms(19200) == 3    # 2.005 ms
    assert silence_ms(115200) == 2   # 1.75 ms fixed, as whole ms


async def test_reads_registers_with_the_pin_driven_only_around_the_write():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    assert device.pin.level == 0
    for _ in range(3):  # back to back: each must wait for the silence after the answer
        registers = await master.read_registers(unit=1, function=4, address=0, count=8)
        assert registers == [PZEM_REGISTERS[i] for i in range(8)]
        assert device.pin.level == 0
    assert len(device.requests) == 3
    assert device.bad_frames == 0 and device.unheard_bytes == 0 and device.lost_answers == 0
    assert device.pin.changes == 7  # low at the start, then high and low once per request
    assert master.retried == 0


async def test_a_master_that_does_not_wait_for_the_silence_is_not_heard():
    # The model's check can fail: without the silence the second request is taken as the
    # tail of the first answer, and only the retry, after the response timeout, is heard.
    clock, device, master = rig(input_registers=PZEM_REGISTERS, latency_ms=1)
    await master.read_registers(unit=1, function=4, address=0, count=2)
    master.silence_ms = 0
    assert await master.read_registers(unit=1, function=4, address=0, count=2) == [4805, 1234]
    assert device.bad_frames == 1 and master.timeouts == 1 and len(device.requests) == 2


async def test_a_device_that_does_not_answer_times_out_after_every_retry():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    device.silent = True
    started = clock.ticks_ms()
    try:
        await master.read_registers(unit=1, function=4, address=0, count=2)
        raise AssertionError("no answer, yet registers")
    except ModbusTimeout:
        pass
    assert len(device.requests) == 3  # one try and two retries
    assert master.timeouts == 3 and master.retried == 2
    assert clock.ticks_ms() - started >= 3 * 200


async def test_a_garbled_or_cut_answer_is_retried():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    device.garble = 1
    assert await master.read_registers(unit=1, function=4, address=4, count=2) == \
        [0x86A0, 0x0001]
    device.cut_after = [6]
    assert await master.read_registers(unit=1, function=4, address=0, count=1) == [4805]
    assert master.frame_errors == 2 and master.retried == 2
    device.garble = 3
    try:
        await master.read_registers(unit=1, function=4, address=0, count=1)
        raise AssertionError("a garbled answer was taken")
    except ModbusFrameError as error:
        assert "CRC" in str(error)


async def test_noise_before_a_request_or_an_answer_is_not_taken_for_the_answer():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    device.inject(b"\x55\xAA\x01\x04\x02")  # drained with the silence before the request
    assert await master.read_registers(unit=1, function=4, address=1, count=1) == [1234]
    device.noise = b"\x07\x07\x07"  # where the answer should begin: retried
    assert await master.read_registers(unit=1, function=4, address=1, count=1) == [1234]
    assert master.frame_errors == 1 and device.bad_frames == 0


async def test_an_exception_response_is_raised_with_its_code_and_not_retried():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    try:
        await master.read_registers(unit=1, function=4, address=0x0100, count=2)
        raise AssertionError("registers the device has not")
    except ModbusException as error:
        assert error.code == 2
    try:
        await master.read_registers(unit=1, function=3, address=0, count=1)
        raise AssertionError("holding registers the device has not")
    except ModbusException as error:
        assert error.code == 2
    assert len(device.requests) == 2 and master.exceptions == 2 and master.retried == 0


async def test_another_unit_is_not_answered():
    clock, device, master = rig(input_registers=PZEM_REGISTERS, unit=7)
    try:
        await master.read_registers(unit=1, function=4, address=0, count=1)
        raise AssertionError("unit 1 is not on the bus")
    except ModbusTimeout:
        pass
    assert await master.read_registers(unit=7, function=4, address=0, count=1) == [4805]


async def test_pzem017_readings_come_from_its_register_map_in_integer_wh():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    meter = Meter(master=master, register_map=PZEM017)
    assert meter.energy_wh is None  # nothing until read
    assert await meter.read()
    assert meter.energy_wh == 100000 and type(meter.energy_wh) is int
    assert meter.power_w == 592 and type(meter.power_w) is int
    assert abs(meter.voltage_v - 48.05) < 0.001 and abs(meter.current_a - 12.34) < 0.001
    assert device.requests[-1] == read_request(1, 4, 0, 6)  # one block, one request
    # Past 65535 Wh the high word counts: low word first, as the manual says.
    device.input_registers[4] = 0x0001
    device.input_registers[5] = 0x0002
    assert await meter.read()
    assert meter.energy_wh == 0x00020001


async def test_a_meter_that_stops_answering_has_no_readings_then_fails():
    clock, device, master = rig(input_registers=PZEM_REGISTERS)
    meter = Meter(master=master, register_map=PZEM017, fault_after=3)
    assert await meter.read() and not meter.failed
    device.silent = True
    for missed in (1, 2, 3):
        assert not await meter.read()
        # Never the last reading again: absent from the first failed read on.
        assert (meter.energy_wh, meter.power_w, meter.voltage_v, meter.current_a) == \
            (None, None, None, None)
        assert meter.failed == (missed >= 3), missed
        assert "ModbusTimeout" in meter.error
    device.silent = False
    assert await meter.read()
    assert not meter.failed and meter.error is None and meter.energy_wh == 100000


async def test_a_meter_answering_only_with_exceptions_fails_too():
    clock, device, master = rig(input_registers={0: 1})  # a device of another kind
    meter = Meter(master=master, register_map=PZEM017, fault_after=2)
    assert not await meter.read() and not meter.failed
    assert not await meter.read() and meter.failed
    assert "exception 2" in meter.error and meter.energy_wh is None
