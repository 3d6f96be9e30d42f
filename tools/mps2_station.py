"""The station on the emulated MPS2-AN385 board, for the launcher (`boards/sim/station --board
mps2_an385`): the board's firmware in QEMU, its hardware -- the sim's EVs, power stage,
meters and card reader -- served by the UART bridge (boards/sim/uart_bridge.py) on the Unix
socket QEMU's UART1 connects to, and the control port as the sim board has it.

- Firmware: tools/build_board.sh KIND (frozen or romfs, 128 or 192 KB of heap), rebuilt
  against the present tree (seconds once `make board` has run); romfs also packs
  build/station.romfs, written into the ROM partition at power-on as a programmer would.
- Flash: `board.flash` in the state folder, so a restart on the same folder is a reboot of
  the same board. Before power-on, while the board is off, tools/mps2_flash.py writes the
  provisioning file (boards/mps2_an385/board.py), the certificate files and /main.py into
  its littlefs, as a flash programmer would; the firmware never writes them.
- Console (UART0): with --console the launcher's own stdin and stdout (a person at a
  terminal; Ctrl-C there cuts the power, as it ends the sim). Otherwise a pty that
  `mpremote connect PTY resume exec "status()"` or a terminal program opens, its output
  also copied to stdout (QEMU's log of the chardev), so the station's log lines show as the
  sim's do.
- Power cut (the control port's `power off`, or killing the launcher): QEMU is killed.

The QEMU command line comes from host_tests/board/emulator.py, the one the board's tests
run, so both run the same machine.
"""
import asyncio
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
sys.path.insert(0, os.path.join(ROOT, "host_tests", "board"))
from emulator import GUEST_FORWARD_ADDRESS, QEMU, Board  # noqa: E402

FLASH_FILE = "board.flash"  # in the state folder
# Where the launcher puts what it provisions on the board's flash.
PROVISION_PATH = "/provision.json"
CERT_FOLDER = "/certs"
MAIN_PY = b"import boards.mps2_an385.main\n"
CONSOLE_COPY_INTERVAL_S = 0.05
# Names of the host the launcher runs on: a Central System there is reached through QEMU's
# forward of its port (the board's own loopback is the board).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORTS = {"ws": 80, "wss": 443}
PTY_TIMEOUT_S = 10
# Arguments added to QEMU's command line, for tools/bench_board.py: `-icount shift=0` and a
# QMP socket make the emulator count the instructions the board runs (QMP's query-replay),
# which only a benchmark wants; a station is never launched with them otherwise.
EXTRA_QEMU_ARGS = "MPS2_QEMU_ARGS"


def fail(reason):
    sys.stderr.write("station: %s\n" % reason)
    sys.exit(2)


def firmware_kind(build, heap_bytes):
    if build not in ("frozen", "romfs"):
        fail("--board mps2_an385 runs --build frozen or romfs, not %s" % build)
    if heap_bytes in (None, 128 * 1024):
        return build
    if heap_bytes == 192 * 1024:
        return build + "192"
    fail("--board mps2_an385: --heap is 128k or 192k (the board's firmwares)")


def build_firmware(kind):
    """The firmware's ELF, and the ROMFS image for a romfs kind (else None)."""
    if not os.path.exists(QEMU):
        fail("the emulated board's tools are not set up: run 'make board'")
    built = subprocess.run(["sh", os.path.join(ROOT, "tools", "build_board.sh"), VENV, kind],
                           capture_output=True, text=True)
    if built.returncode != 0:
        fail("the board's firmware did not build: %s" % " ".join(built.stderr.split())[-300:])
    image = None
    if kind.startswith("romfs"):
        packed = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "romfs_build.py")],
                                capture_output=True, text=True)
        if packed.returncode != 0:
            fail("romfs_build.py failed: %s" % " ".join((packed.stdout + packed.stderr)
                                                      .split())[-300:])
        image = os.path.join(ROOT, "build", "station.romfs")
    return built.stdout.strip(), image


def flash_interpreter():
    """The unix MicroPython built from the board's source, whose littlefs is the board's."""
    for name in ("micropython32", "micropython"):
        path = os.path.join(VENV, "bin", name)
        if os.path.exists(path):
            return path
    fail("no unix MicroPython in .venv/bin to program the board's flash: run 'make setup'")


def provision(flash, settings, files):
    """Writes the provisioning file, `files` ({flash path: host path}) and /main.py onto the
    board's flash (the board is off)."""
    with tempfile.TemporaryDirectory() as folder:
        provision_file = os.path.join(folder, "provision.json")
        with open(provision_file, "w") as f:
            json.dump(settings, f)
        main_file = os.path.join(folder, "main.py")
        with open(main_file, "wb") as f:
            f.write(MAIN_PY)
        argv = [flash_interpreter(), os.path.join(ROOT, "tools", "mps2_flash.py"), flash, "put",
                PROVISION_PATH, provision_file, "/main.py", main_file]
        for dest, src in files.items():
            argv += [dest, src]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            fail("cannot write the board's flash %s: %s" % (flash, " ".join(
                (done.stdout + done.stderr).split())[-300:]))


def settings_of(options):
    """The provisioning file's settings and the files it names, from the launcher's
    options: url, url_tls, identity, password, ca, cert, key, additional_root_check, rtc,
    unsigned_firmware, transfer_stall_s."""
    settings = {"identity": options["identity"], "csms_url": options["url"],
                "additional_root_certificate_check": options["additional_root_check"],
                "rtc": options["rtc"], "unsigned_firmware": bool(options.get("unsigned_firmware"))}
    if options.get("transfer_stall_s"):
        settings["transfer_stall_s"] = options["transfer_stall_s"]
    files = {}
    if options.get("url_tls"):
        settings["csms_url_tls"] = options["url_tls"]
    if forwarded_ports(options):
        # The board maps the host's loopback names to the forward (board.py).
        settings["loopback_via"] = GUEST_FORWARD_ADDRESS
    if options.get("password"):
        settings["authorization_key"] = options["password"]
    for key, name in (("ca", "ca"), ("cert", "client_certificate"), ("key", "client_key")):
        if options.get(key):
            path = "%s/%s" % (CERT_FOLDER, key)
            files[path] = options[key]
            settings[name] = path
    return settings, files


def loopback_port(url):
    """The port of a ws(s):// URL whose host is the launcher's host, else None."""
    scheme, _, rest = url.partition("://")
    authority = rest.split("/", 1)[0].rpartition("@")[2]
    if authority.startswith("["):  # [::1]:PORT
        host, _, port = authority[1:].partition("]")
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
    if host not in LOOPBACK_HOSTS:
        return None
    return int(port) if port else DEFAULT_PORTS.get(scheme)


def forwarded_ports(options):
    """The host's loopback ports the board reaches: its Central System's, plain and TLS
    (a raised SecurityProfile connects to the wss:// one, by default the same port), and
    the launcher's --forward ones (a file server's)."""
    urls = [options["url"], options.get("url_tls") or "wss://" + options["url"].partition("://")[2]]
    ports = []
    for port in [loopback_port(url) for url in urls] + list(options.get("forward") or ()):
        if port is not None and port not in ports:
            ports.append(port)
    return ports


class BoardStation:
    def __init__(self, state, options, build, heap_bytes, control_at, console, speed=1):
        self.state = state
        self.speed = speed
        self.control_at = control_at
        self.console = console
        self.kind = firmware_kind(build, heap_bytes)
        self.options = options
        self.process = None
        self.console_path = None

    def prepare(self):
        """Builds the firmware and programs the flash (the board is off)."""
        self.elf, self.image = build_firmware(self.kind)
        self.flash = os.path.join(self.state, FLASH_FILE)
        settings, files = settings_of(self.options)
        provision(self.flash, settings, files)

    async def run(self):
        from boards.sim.hardware import Hardware
        from boards.sim.uart_bridge import UartBridge

        folder = tempfile.mkdtemp(prefix="mps2-station-")
        hardware = Hardware(self.state, self.speed)
        bridge = UartBridge(hardware)
        hardware.link = bridge
        uart1 = os.path.join(folder, "uart1")
        await bridge.serve_unix(uart1)
        control = board_control_class()(hardware, self.power_off)
        hardware.start()
        console_log = os.path.join(folder, "console.log")
        if self.console:
            console = ["-chardev", "stdio,id=console,signal=on", "-serial", "chardev:console"]
        else:
            console = ["-chardev", "pty,id=console,logfile=%s" % console_log,
                       "-serial", "chardev:console"]
        board = Board(self.elf, flash=self.flash, romfs=self.image,
                      utc_s=None if self.options["rtc"] else 0, console=console,
                      uart_clients={1: uart1}, forward_ports=forwarded_ports(self.options),
                      link_switch=True)
        control.board = board
        command = board.command(folder) + shlex.split(os.environ.get(EXTRA_QEMU_ARGS, ""))
        qemu_log = os.path.join(folder, "qemu.log")
        stopping = []
        loop = asyncio.get_running_loop()

        def pass_on(signum):
            stopping.append(signum)
            # A Ctrl-C at the terminal reaches QEMU already (same process group).
            if signum == signal.SIGINT and from_terminal():
                return
            if self.process is not None and self.process.returncode is None:
                self.process.send_signal(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, pass_on, signum)
        terminal = save_terminal() if self.console else None
        copier = None
        try:
            with open(qemu_log, "wb") as log:
                self.process = await asyncio.create_subprocess_exec(
                    *command, stdin=None if self.console else subprocess.DEVNULL,
                    stdout=None if self.console else log, stderr=log if not self.console
                    else None)
            if not self.console:
                self.console_path = await self._pty_name(qemu_log)
                say("console: %s (mpremote connect %s resume exec \"status()\")"
                    % (self.console_path, self.console_path))
                copier = ConsoleCopy(console_log)
                copying = asyncio.ensure_future(copier.run())
            if self.control_at:
                exited = asyncio.ensure_future(self.process.wait())
                await asyncio.wait([exited, asyncio.ensure_future(bridge.connected.wait())],
                                   return_when=asyncio.FIRST_COMPLETED)
                if not exited.done():
                    host, _, port = self.control_at.rpartition(":")
                    try:
                        port = await control.serve(host, int(port))
                    except OSError as e:
                        say("control: cannot listen on %s: %s" % (self.control_at, e))
                        self.process.kill()
                        await self.process.wait()
                        return 1
                    say("control: listening on %s:%d" % (host, port))
            status = await self.process.wait()
        finally:
            if copier is not None:
                copying.cancel()
                copier.copy()  # what the board wrote last
            restore_terminal(terminal)
            shutil.rmtree(folder, ignore_errors=True)
        if stopping:
            signal.signal(stopping[0], signal.SIG_DFL)
            os.kill(os.getpid(), stopping[0])
        return status

    async def _pty_name(self, qemu_log):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PTY_TIMEOUT_S
        while loop.time() < deadline and self.process.returncode is None:
            with open(qemu_log, "rb") as f:
                output = f.read()
            if b"redirected to " in output:
                return output.split(b"redirected to ")[1].split()[0].decode()
            await asyncio.sleep(0.01)
        self.process.kill()
        fail("QEMU named no console pty: %s" % output.decode(errors="replace")[-300:])

    def power_off(self):
        """A power cut: the board and its hardware stop at once, nothing more is sent."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
        os.kill(os.getpid(), signal.SIGKILL)


def board_control_class():
    from boards.sim.control import Control

    class BoardControl(Control):
        """The sim's control port, but `net down|up` pulls and plugs the board's Ethernet
        cable (QEMU's link switch): this board's link is its PHY's, which the firmware
        reads (board.py refuses the sim's `net`, a flag in the controller)."""
        board = None

        def _net(self, args):
            word = super()._net(args)  # checks the arguments: "net up" or "net down"
            # A QMP call on a local socket: milliseconds, so the loop may wait for it.
            self.board.set_link(word == "net up")

    return BoardControl


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class ConsoleCopy:
    """Copies what the board writes on its console (QEMU's log of the chardev) to stdout
    as it comes, line ends as the host's."""

    def __init__(self, path):
        import codecs

        self.path = path
        self.offset = 0
        # The console carries bytes too (mpremote's raw REPL, a reset mid-character): whoever
        # reads stdout as text gets U+FFFD for what is not UTF-8.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    async def run(self):
        while True:
            self.copy()
            await asyncio.sleep(CONSOLE_COPY_INTERVAL_S)

    def copy(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:  # not written yet
            return
        if data:
            self.offset += len(data)
            text = self._decoder.decode(data).replace("\r\n", "\n")
            sys.stdout.buffer.write(text.encode())
            sys.stdout.flush()


def from_terminal():
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def save_terminal():
    """QEMU's stdio console puts the terminal in raw mode; a killed QEMU leaves it so."""
    try:
        import termios

        return termios.tcgetattr(0) if os.isatty(0) else None
    except (ImportError, OSError):
        return None


def restore_terminal(saved):
    if saved is not None:
        import termios

        termios.tcsetattr(0, termios.TCSADRAIN, saved)
