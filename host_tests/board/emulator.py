"""Runs the emulated board (boards/mps2_an385): qemu-system-arm with a firmware, its flash kept
in a file, the console and the other UARTs on Unix sockets, and a raw-REPL client.

    with Board(firmware, flash="station.flash") as board:
        board.exec("import os; print(os.listdir('/'))")
        link = board.uart(1)          # a socket: UART1's other end
    # leaving the block cuts the power (the process is killed)

Power-on is what the host gives a board that a real one has built in (board.h): the UTC time
for its battery-backed RTC, and 32 random bytes for its random generator, written into its
block RAM by QEMU's loader. Killing the process is a power cut: the flash file keeps what the
board wrote, as flash does. Every channel to it is a Unix socket in a private folder, and
by default the board has no network (`-nic none`).

The network (`forward_ports`): the board's Ethernet controller on QEMU's user-mode network,
restricted (`restrict=on`: no packet of the board's leaves QEMU), with one forward per given
port: a connection of the board's to GUEST_FORWARD_ADDRESS:PORT reaches 127.0.0.1:PORT on the
host, through a relay QEMU starts for it (guestfwd_relay.py). Nothing else on the host or
beyond is reachable, and nothing on the host can connect to the board.

Every wait is bounded, and the emulator is always killed.
"""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU = os.path.join(ROOT, ".venv", "board-tools", "bin", "qemu-system-arm")
FLASH_BYTES = 16 * 1024 * 1024  # the PSRAM that stands for the flash (board.h)
BOOT_BLOCK = 0x01000000
ROM_PARTITION = 0x21000000
EXTRA_UARTS = 4  # UART1-UART4; UART0 is the console
# QEMU's user-mode network as the board's firmware expects it (boards/mps2_an385/port/
# network_lan.c): the board at 10.0.2.15, QEMU's gateway at .2, and the forwards at .100.
GUEST_NETWORK = "10.0.2.0/24"
GUEST_FORWARD_ADDRESS = "10.0.2.100"
RELAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guestfwd_relay.py")


class BoardError(Exception):
    """The board raised, or did not answer in time."""


class Board:
    def __init__(self, firmware, flash=None, romfs=None, utc_s=None, seed=None, console_pty=False,
                 forward_ports=None, console=None, uart_clients=None, link_switch=False):
        """`flash`: the flash file (created blank when missing; None: the flash is erased at
        every power-on). `romfs`: an image written to the ROM partition at power-on, as a
        programmer would. `utc_s`: the RTC at power-on (default: the host's time; 0: not set).
        `seed`: 32 bytes for the random generator (default: the host's os.urandom).
        `console_pty`: the console on a pseudo-terminal (`console_path`) for mpremote or a
        person, instead of this object's socket. `forward_ports`: the network on, with these
        host loopback ports reachable at GUEST_FORWARD_ADDRESS (an empty list: the network
        on, nothing reachable); None: no network. `console`: QEMU's arguments for the console
        instead of either (the station's launcher: stdio, or a pty with a log file), run
        through `command(folder)`. `uart_clients`: {n: path} for UARTs that connect to a
        Unix socket the host listens on (the launcher's I/O controller bridge) instead of
        listening on one of their own. `link_switch`: a QMP socket in the board's folder so
        that `set_link()` can take the Ethernet link down and up (the cable pulled)."""
        self.firmware = firmware
        self.flash = flash
        self.romfs = romfs
        self.utc_s = int(time.time()) if utc_s is None else utc_s
        self.seed = os.urandom(32) if seed is None else seed
        self.console_pty = console_pty
        self.forward_ports = forward_ports
        self.console = console
        self.uart_clients = uart_clients or {}
        self.link_switch = link_switch
        self.console_path = None
        self.process = None
        self.boot_output = b""
        self._dir = None
        self._console = None
        self._uarts = {}
        self._pending = b""
        self._raw = False

    def __enter__(self):
        self.power_on()
        return self

    def __exit__(self, *exc):
        self.power_off()

    def _command(self):
        if len(self.seed) != 32:
            raise ValueError("the seed is 32 bytes")
        machine = "mps2-an385"
        cmd = [QEMU, "-nodefaults", "-display", "none", "-monitor", "none",
               "-nic", self._nic()]
        if self.link_switch:
            # QMP, not the human monitor: a line-per-reply JSON protocol on a socket of our
            # own, so nothing reaches the console.
            cmd += ["-qmp", "unix:%s,server=on,wait=off" % os.path.join(self._dir, "qmp")]
        if self.flash:
            if not os.path.exists(self.flash):
                with open(self.flash, "wb") as f:
                    f.truncate(FLASH_BYTES)
            machine += ",memory-backend=flash"
            cmd += ["-object", "memory-backend-file,id=flash,size=%d,mem-path=%s,share=on"
                    % (FLASH_BYTES, self.flash)]
        cmd += ["-machine", machine, "-kernel", self.firmware]
        if self.console is not None:
            cmd += self.console
        elif self.console_pty:
            cmd += ["-serial", "pty"]
        else:
            # wait=on: the board starts only once the console is connected, so nothing it
            # prints at boot is lost.
            cmd += ["-serial", "unix:%s,server=on,wait=on" % self._socket_path(0)]
        for n in range(1, EXTRA_UARTS + 1):
            if n in self.uart_clients:
                cmd += ["-serial", "unix:%s" % self.uart_clients[n]]
            else:
                cmd += ["-serial", "unix:%s,server=on,wait=off" % self._socket_path(n)]
        cmd += ["-device", "loader,addr=%d,data=%d,data-len=8" % (BOOT_BLOCK, self.utc_s)]
        for i in range(4):
            word = int.from_bytes(self.seed[8 * i:8 * i + 8], "little")
            cmd += ["-device", "loader,addr=%d,data=%d,data-len=8" % (BOOT_BLOCK + 8 + 8 * i, word)]
        if self.romfs:
            cmd += ["-device", "loader,file=%s,addr=%d,force-raw=on" % (self.romfs, ROM_PARTITION)]
        return cmd

    def _nic(self):
        if self.forward_ports is None:
            return "none"
        nic = "user,model=lan9118,restrict=on,net=%s" % GUEST_NETWORK
        for port in self.forward_ports:
            # QEMU splits its option on commas (doubled to stay in a value) and the command
            # on blanks (shell quoting).
            relay = " ".join(shlex.quote(arg) for arg in (sys.executable, RELAY, str(int(port))))
            nic += ",guestfwd=tcp:%s:%d-cmd:%s" % (GUEST_FORWARD_ADDRESS, port,
                                                  relay.replace(",", ",,"))
        return nic

    def command(self, folder):
        """The emulator's command line, its own sockets in `folder`, for a caller that runs
        the process itself (the launcher, boards/sim/station --board mps2_an385)."""
        self._dir = folder
        return self._command()

    def set_link(self, up, timeout_s=5):
        """The Ethernet cable plugged in (up) or pulled: QEMU's set_link on the board's
        LAN9118 (its NIC is "lan9118.0"), which the chip's PHY reports as its link status.
        Needs `link_switch`."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout_s)
        try:
            sock.connect(os.path.join(self._dir, "qmp"))
            replies = sock.makefile("rb")
            replies.readline()  # the greeting
            for command in ({"execute": "qmp_capabilities"},
                            {"execute": "set_link", "arguments": {"name": "lan9118.0",
                                                                  "up": bool(up)}}):
                sock.sendall(json.dumps(command).encode() + b"\n")
                while True:  # events may come before the command's reply
                    reply = json.loads(replies.readline())
                    if "return" in reply or "error" in reply:
                        break
                if "error" in reply:
                    raise BoardError("QMP %s: %s" % (command["execute"], reply["error"]))
        finally:
            sock.close()

    def _socket_path(self, n):
        return os.path.join(self._dir, "uart%d" % n)

    def power_on(self, timeout_s=10):
        """Starts the emulator; returns once the board's REPL prompt is up (the boot time is
        `boot_s`)."""
        self._dir = tempfile.mkdtemp(prefix="mps2-")
        self._pending = b""
        self._raw = False
        started = time.monotonic()
        # QEMU's own messages go to a file: a pipe nobody reads could stop it.
        with open(os.path.join(self._dir, "qemu.log"), "wb") as log:
            self.process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)
        try:
            if self.console_pty:
                self.console_path = self._pty_name(started + timeout_s)
                self.boot_s = time.monotonic() - started
                return
            self._console = self._connect(self._socket_path(0), started + timeout_s)
            self.wait_for_boot(timeout_s - (time.monotonic() - started))
            self.boot_s = time.monotonic() - started
        except BaseException:
            self.power_off()
            raise

    def qemu_output(self):
        with open(os.path.join(self._dir, "qemu.log"), "rb") as f:
            return f.read()

    def _pty_name(self, deadline):
        # QEMU names the pty on its output: "char device redirected to /dev/pts/N (label ...)".
        while time.monotonic() < deadline and self.process.poll() is None:
            output = self.qemu_output()
            if b"redirected to " in output:
                return output.split(b"redirected to ")[1].split()[0].decode()
            time.sleep(0.01)
        raise BoardError("no console pty: %r" % self.qemu_output())

    def _connect(self, path, deadline):
        while True:
            if self.process.poll() is not None:
                raise BoardError("the emulator ended: %r" % self.qemu_output())
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                return sock
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise BoardError("no socket %s" % path)
                time.sleep(0.01)

    def power_off(self):
        """Cuts the power: the emulator is killed wherever the firmware is."""
        for sock in [self._console] + list(self._uarts.values()):
            if sock:
                sock.close()
        self._console = None
        self._uarts = {}
        if self.process:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def uart(self, n):
        """The host's end of UART `n` (1-4), connected on first use. Bytes the board sent
        before are lost, as on a cable plugged in late. Closing it drops what the board has
        not read yet (QEMU hangs up at once): keep it open until the board has read."""
        if n not in self._uarts:
            sock = self._connect(self._socket_path(n), time.monotonic() + 5)
            sock.settimeout(5)
            self._uarts[n] = sock
        return self._uarts[n]

    # The console and its raw REPL (MicroPython's, as mpremote drives it).

    def write(self, data):
        self._console.sendall(data)

    def read_until(self, marker, timeout_s=10):
        deadline = time.monotonic() + timeout_s
        data = self._pending
        while marker not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BoardError("no %r from the board within %.0f s; it said %r"
                                 % (marker, timeout_s, data[-500:]))
            self._console.settimeout(left)
            try:
                chunk = self._console.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                raise BoardError("the console closed; the board said %r" % data[-500:])
            data += chunk
        end = data.index(marker) + len(marker)
        self._pending = data[end:]
        return data[:end]

    def wait_for_boot(self, timeout_s=10):
        """Waits for the board's banner and prompt (after a power-on or a reset)."""
        self._raw = False
        self.boot_output = self.read_until(b"MicroPython v", timeout_s)
        self.boot_output += self.read_until(b">>> ", timeout_s)

    def hard_reset(self, timeout_s=10):
        """machine.reset() on the board; returns once it is back at its prompt."""
        self.enter_raw_repl()
        self.write(b"import machine\nmachine.reset()\x04")
        self.read_until(b"OK", timeout_s)
        self.wait_for_boot(timeout_s)

    def enter_raw_repl(self):
        # Ctrl-C stops what runs, Ctrl-A enters the raw REPL, where the board stays.
        if not self._raw:
            self.write(b"\r\x03\x03\x01")
            self.read_until(b"raw REPL; CTRL-B to exit\r\n>")
            self._pending = b""
            self._raw = True

    def exec(self, code, timeout_s=10):
        """Runs `code` on the board; returns what it printed. Raises BoardError with the
        traceback when it raised."""
        self.enter_raw_repl()
        self.write(code.encode() + b"\x04")
        self.read_until(b"OK", timeout_s)
        out = self.read_until(b"\x04", timeout_s)[:-1]
        err = self.read_until(b"\x04", timeout_s)[:-1]
        self.read_until(b">", timeout_s)
        if err:
            raise BoardError(err.decode(errors="replace"))
        return out.decode(errors="replace")

    def eval(self, expression, timeout_s=10):
        """The value of a Python literal the board computes (repr, then read back)."""
        import ast
        return ast.literal_eval(self.exec("print(repr(%s))" % expression, timeout_s).strip())
