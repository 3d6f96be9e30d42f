"""A Modbus RTU master on a half-duplex RS-485 bus (Modbus over Serial Line v1.02):

- before each request the bus must have been silent for 3.5 character times (2.5.1.1: a
  frame starts only after that silence; for more than 19200 baud a fixed 1.75 ms); bytes
  arriving meanwhile (a late answer, noise) are drained and restart the wait;
- the transceiver's driver-enable pin is high only while the request goes out: set before the
  write, released once the UART has sent the last stop bit (`uart.flush()` returns then on
  MicroPython), so the device's answer finds the bus free;
- an answer must begin within `response_timeout_ms` and must not pause longer than the
  silence mid-frame (the frame ended there: it is short);
- a timeout or a garbled answer is retried `retries` times; an exception response is the
  device's answer and is not.

The UART is a MicroPython `machine.UART` made with `timeout=0` (reads never block) or any
object with its `write`, `flush`, `any` and `readinto`; the direction pin has `value(v)` (None
for a transceiver that switches itself). Time is passed in -- `ticks_ms`, `ticks_diff`, and
`sleep_ms`, a coroutine function -- so the master waits without blocking the event loop and
tests run on a model's clock.
"""
from modbus.frames import MAX_REGISTERS, ModbusException, ModbusFrameError, ModbusTimeout, \
    decode_response, read_request, response_length

# 2.5.1.1: above 19200 baud the silences are fixed at 1.75 ms; ms ticks round that to 2.
_FIXED_SILENCE_BAUD = 19200
_MIN_SILENCE_MS = 2


def silence_ms(baudrate, bits_per_char=11):
    """3.5 character times in whole milliseconds, rounded up (RTU characters are 11 bits:
    start, 8 data, parity or a second stop bit, stop)."""
    if baudrate > _FIXED_SILENCE_BAUD:
        return _MIN_SILENCE_MS
    return max(_MIN_SILENCE_MS, (35 * bits_per_char * 1000 + 10 * baudrate - 1) //
               (10 * baudrate))


class RtuMaster:
    def __init__(self, *, uart, baudrate, ticks_ms, ticks_diff, sleep_ms, direction_pin=None,
                 response_timeout_ms=200, retries=2, bits_per_char=11):
        self._uart = uart
        self._pin = direction_pin
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._sleep_ms = sleep_ms
        self._timeout_ms = response_timeout_ms
        self._retries = retries
        self.silence_ms = silence_ms(baudrate, bits_per_char)
        self._buffer = bytearray(5 + 2 * MAX_REGISTERS)  # the longest answer, made once
        self._view = memoryview(self._buffer)
        self._last_traffic_ms = ticks_ms()  # unknown before: wait a silence first
        if direction_pin is not None:
            direction_pin.value(0)  # listening until the first request
        # What went wrong, counted since the start (a board's diagnostics).
        self.timeouts = 0
        self.frame_errors = 0
        self.exceptions = 0
        self.retried = 0

    async def read_registers(self, *, unit, function, address, count):
        """The `count` registers from `address` of `unit` by `function` (3: holding, 4: input)
        as a list of ints. Raises ModbusTimeout or ModbusFrameError once every try failed,
        ModbusException for the device's exception response, ValueError for a request no
        device could answer."""
        request = read_request(unit, function, address, count)
        tries_left = self._retries
        while True:
            try:
                return await self._exchange(request, unit, function, count)
            except ModbusException:
                self.exceptions += 1
                raise
            except ModbusTimeout:
                self.timeouts += 1
                if not tries_left:
                    raise
            except ModbusFrameError:
                self.frame_errors += 1
                if not tries_left:
                    raise
            tries_left -= 1
            self.retried += 1

    async def _exchange(self, request, unit, function, count):
        await self._wait_for_silence()
        self._send(request)
        length = await self._receive(function, count)
        return decode_response(self._buffer, length, unit, function, count)

    def _drain(self):
        """Reads whatever waits in the UART; True when there was something."""
        waiting = self._uart.any()
        if not waiting:
            return False
        while waiting:
            self._uart.readinto(self._view[:min(waiting, len(self._buffer))])
            waiting = self._uart.any()
        self._last_traffic_ms = self._ticks_ms()
        return True

    async def _wait_for_silence(self):
        started = self._ticks_ms()
        while True:
            self._drain()
            now = self._ticks_ms()
            if self._ticks_diff(now, self._last_traffic_ms) >= self.silence_ms:
                return
            if self._ticks_diff(now, started) > self._timeout_ms:
                raise ModbusTimeout("the bus is never silent")
            await self._sleep_ms(1)

    def _send(self, request):
        pin = self._pin
        if pin is not None:
            pin.value(1)
        try:
            written = self._uart.write(request)
            self._uart.flush()  # returns once the last bit is out
        finally:
            if pin is not None:
                pin.value(0)
        self._last_traffic_ms = self._ticks_ms()
        if written != len(request):
            raise ModbusTimeout("the UART took %r of %d bytes" % (written, len(request)))

    async def _receive(self, function, count):
        """Reads one answer into the buffer; returns its length."""
        uart = self._uart
        received = 0
        expected = 2  # the unit and function bytes tell how long the rest is
        sent_at = self._last_traffic_ms
        while True:
            waiting = uart.any()
            if waiting:
                got = uart.readinto(self._view[received:min(expected, received + waiting)])
                if got:
                    received += got
                    self._last_traffic_ms = self._ticks_ms()
                if received == 2 and expected == 2:
                    expected = response_length(self._buffer, function, count)
                    if expected is None:
                        await self._wait_for_silence()  # the rest of whatever it was
                        raise ModbusFrameError("no answer to function %d begins %02x %02x" %
                                               (function, self._buffer[0], self._buffer[1]))
                if received >= expected:
                    return received
                continue
            now = self._ticks_ms()
            if not received and self._ticks_diff(now, sent_at) > self._timeout_ms:
                raise ModbusTimeout("no answer within %d ms" % self._timeout_ms)
            if received and self._ticks_diff(now, self._last_traffic_ms) > self.silence_ms:
                raise ModbusFrameError("answer cut after %d of %d bytes" % (received, expected))
            await self._sleep_ms(1)

