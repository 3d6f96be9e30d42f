# A Modbus RTU device on a half-duplex RS-485 bus, from "Modbus over Serial Line v1.02" and
# "Modbus Application Protocol v1.1b3": it sees the master's bytes only while the master's
# driver-enable pin is high, takes a frame to have ended at 3.5 character times of silence,
# ignores a frame whose CRC is wrong or that began without that silence before it (it is the
# tail of the one before), answers functions 3 and 4 or with an exception response, and
# puts its answer on the bus byte by byte at the baud rate -- lost if the master still
# drives the bus when it begins. Knobs make it silent, late, garbled or cut short.
from device_models.pin import Pin
from modbus.crc import crc16


class ModbusDevice:
    def __init__(self, clock, *, unit=1, baudrate=9600, input_registers=None,
                 holding_registers=None, latency_ms=20):
        self.clock = clock
        self.unit = unit
        self.char_us = 11 * 1000000 // baudrate
        self.silence_us = 35 * self.char_us // 10 if baudrate <= 19200 else 1750
        self.input_registers = dict(input_registers or {})
        self.holding_registers = dict(holding_registers or {})
        self.latency_ms = latency_ms
        # Knobs.
        self.silent = False
        self.late_ms = []        # per answer, a latency in place of latency_ms (used up)
        self.garble = 0          # answers whose CRC is spoiled
        self.cut_after = []      # per answer, bytes after which it stops (used up)
        self.noise = b""         # sent once, on its own, before the next answer
        # What the device saw.
        self.requests = []       # the frames it took as requests (bytes)
        self.bad_frames = 0      # CRC wrong or began without the silence
        self.unheard_bytes = 0   # written while the driver-enable pin was low
        self.lost_answers = 0    # began while the master still drove the bus
        self._last_activity_us = -10 ** 9
        self._pending = []       # [arrival time us, byte] on the wire towards the master
        self.pin = Pin()

    # The master's UART -----------------------------------------------------------------
    def write(self, data):
        now = self.clock.now_us
        if self.pin.level != 1:
            self.unheard_bytes += len(data)
            return len(data)
        began_in_silence = now - self._last_activity_us >= self.silence_us and \
            not self._answer_on_wire(now)
        end = now + len(data) * self.char_us
        self._last_activity_us = end
        if not began_in_silence:
            self.bad_frames += 1
            self._pending = []  # the collision spoils the answer on the wire too
            return len(data)
        self._take(bytes(data), end)
        return len(data)

    def flush(self):
        self.clock.now_us = max(self.clock.now_us, self._last_activity_us)

    def _settle(self):
        # The master sleeps only after it released the pin: one still driving the bus now
        # drowns whatever the device sends.
        if self._pending and self.pin.level == 1:
            self._pending = []
            self.lost_answers += 1

    def any(self):
        self._settle()
        now = self.clock.now_us
        count = 0
        for arrival, _ in self._pending:
            if arrival <= now:
                count += 1
        return count

    def readinto(self, buffer):
        self._settle()
        now = self.clock.now_us
        count = 0
        while self._pending and self._pending[0][0] <= now and count < len(buffer):
            buffer[count] = self._pending.pop(0)[1]
            count += 1
        return count or None

    # The device ------------------------------------------------------------------------
    def inject(self, data):
        """Bytes on the wire from now on, from no one the master asked (noise, another
        master's device)."""
        self._put(data, self.clock.now_us)

    def _answer_on_wire(self, now):
        # An answer still being prepared is abandoned for the new frame; one being sent
        # collides with it.
        if self._pending and self._pending[0][0] - self.char_us > now:
            self._pending = []
        return bool(self._pending) and self._pending[-1][0] > now

    def _take(self, frame, end_us):
        if len(frame) < 4 or crc16(frame, 0, len(frame) - 2) != \
                frame[-2] | (frame[-1] << 8):
            self.bad_frames += 1
            return
        self.requests.append(frame)
        if frame[0] != self.unit or self.silent:
            return
        answer = self._answer(frame)
        latency_ms = self.late_ms.pop(0) if self.late_ms else self.latency_ms
        start = end_us + latency_ms * 1000
        if self.noise:
            self._put(self.noise, start)
            start += (len(self.noise) + 10) * self.char_us
            self.noise = b""
        if self.garble:
            self.garble -= 1
            answer[-1] ^= 0x01
        if self.cut_after:
            answer = answer[:self.cut_after.pop(0)]
        self._put(answer, start)

    def _put(self, data, start_us):
        for i, byte in enumerate(data):
            self._pending.append([start_us + (i + 1) * self.char_us, byte])
        self._last_activity_us = start_us + len(data) * self.char_us

    def _answer(self, frame):
        function = frame[1]
        if function not in (3, 4) or len(frame) != 8:
            return _with_crc(bytearray((self.unit, function | 0x80, 1)))
        registers = self.holding_registers if function == 3 else self.input_registers
        address = (frame[2] << 8) | frame[3]
        count = (frame[4] << 8) | frame[5]
        if not 1 <= count <= 125:
            return _with_crc(bytearray((self.unit, function | 0x80, 3)))
        if any(address + i not in registers for i in range(count)):
            return _with_crc(bytearray((self.unit, function | 0x80, 2)))
        answer = bytearray((self.unit, function, 2 * count))
        for i in range(count):
            value = registers[address + i]
            answer.append(value >> 8)
            answer.append(value & 0xFF)
        return _with_crc(answer)


def _with_crc(frame):
    crc = crc16(frame)
    frame.append(crc & 0xFF)
    frame.append(crc >> 8)
    return frame
