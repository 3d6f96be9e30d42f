"""`make deploy` (tools/deploy.py) against what a charger maker flashes: the unix port behind a
socat pty, as a board's USB serial port is (the .mpy tree copied), and the emulated board's
console pty (a ROMFS image written to its ROM partition); then the code runs from there and
the provisioning file says what was given. The station's libraries install with
`mpremote mip install` from package.json too."""
import json
import os
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization

import certs
from harness import socat
from emulator import Board

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
MICROPYTHON = os.environ.get("MICROPYTHON") or os.path.join(VENV_BIN, "micropython")
KEY = "00112233445566778899aabbccddeeff"


class UnixPortOnPty:
    """The unix port's REPL on a pty that socat makes, its files in `folder`."""

    def __init__(self, folder):
        self.folder = folder
        self.port = os.path.join(folder, "tty")

    def __enter__(self):
        self._socat = subprocess.Popen(
            [socat(), "PTY,link=%s,raw,echo=0" % self.port,
             "EXEC:%s,pty,raw,echo=0,stderr" % MICROPYTHON], cwd=self.folder,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port):
            assert time.monotonic() < deadline, "socat made no pty"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self._socat.kill()
        self._socat.wait(timeout=10)


def mpremote(port, *command, timeout_s=120):
    done = subprocess.run([os.path.join(VENV_BIN, "mpremote"), "connect", port, "resume"] +
                          list(command), capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def deploy(port, *options):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "deploy.py"),
                           "--port", port] + list(options), capture_output=True, text=True,
                          timeout=600)


def test_deploy_to_the_unix_port_copies_the_mpy_tree_and_provisions_it(tmp_path):
    root = certs.make_ca("deploy root")
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    provision = tmp_path / "provision.local.json"
    provision.write_text(json.dumps({"identity": "CP-FILE", "csms_url": "ws://h/ocpp/CP-FILE",
                                     "ca": str(ca_pem)}))
    device = tmp_path / "device"
    device.mkdir()
    with UnixPortOnPty(str(device)) as unix:
        done = deploy(unix.port, "--provision", str(provision), "--identity", "CP-DEPLOY",
                      "--csms-url", "wss://h:8443/ocpp/CP-DEPLOY", "--authorization-key", KEY)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "sim (.mpy files)" in done.stdout
        # The code runs from what was copied, and only the sim board's packages went.
        answer = mpremote(unix.port, "exec", "import firmware.station as s\nprint(s.__file__)")
        assert answer.strip().endswith("firmware/station.mpy")
    # boards/bootloader.py too: the sim board checks an image with it.
    assert sorted(os.listdir(str(device / "boards"))) == ["__init__.mpy", "bootloader.mpy", "sim",
                                                          "uart_link"]
    provisioned = json.loads((device / "provision.json").read_text())
    assert provisioned == {"identity": "CP-DEPLOY", "csms_url": "wss://h:8443/ocpp/CP-DEPLOY",
                           "authorization_key": KEY, "ca": "ca.der",
                           "client_certificate": None, "client_key": None}
    # The board gets DER, whatever the file was.
    assert x509.load_der_x509_certificate((device / "ca.der").read_bytes()) == root.cert


def test_deploy_refuses_bad_settings_before_it_touches_the_board(tmp_path):
    for options, message in (
            (["--identity", "CP"], "--csms-url is needed"),
            (["--identity", "CP", "--csms-url", "http://h/x"], "a ws:// or wss:// URL"),
            (["--identity", "CP", "--csms-url", "ws://h/CP", "--authorization-key", "12"],
             "32 to 40 hex digits"),
            (["--identity", "CP", "--csms-url", "ws://h/CP", "--client-key", "k.der"],
             "go together"),
            (["--identity", "CP", "--csms-url", "ws://h/CP", "--network", "10.0.0.300/24,"
              "10.0.0.1"], "not an IPv4 address"),
            (["--identity", "CP", "--csms-url", "ws://h/CP", "--network", "static"],
             "IP/PREFIX,GATEWAY"),
            (["--board", "nosuch", "--identity", "CP", "--csms-url", "ws://h/CP"],
             "no board 'nosuch'")):
        done = deploy(str(tmp_path / "no-such-port"), *options)
        assert done.returncode == 1 and message in done.stderr, (options, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1


def test_deploy_to_the_emulated_board_writes_its_rom_partition(romfs_firmware, tmp_path):
    elf, _ = romfs_firmware
    flash = str(tmp_path / "flash.img")
    with Board(elf, flash=flash, console_pty=True) as board:
        done = deploy(board.console_path, "--board", "mps2_an385", "--identity", "CP-QEMU",
                      "--csms-url", "ws://10.0.2.100:9000/ocpp/CP-QEMU")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "mps2_an385 (ROMFS image)" in done.stdout
    # After a power cut, as on a board programmed over its serial port.
    with Board(elf, flash=flash) as board:
        assert board.exec("import firmware.station as s; print(s.__file__)").strip() == \
            "/rom/firmware/station.mpy"
        provisioned = json.loads(board.exec("print(open('/provision.json').read())"))
        assert provisioned["identity"] == "CP-QEMU"
        assert board.exec("import os; print('sim' in os.listdir('/rom/boards'))").strip() == \
            "False"


def test_mip_installs_the_station_libraries_from_package_json(tmp_path):
    device = tmp_path / "device"
    device.mkdir()
    with UnixPortOnPty(str(device)) as unix:
        mpremote(unix.port, "mip", "install", "--target", "lib",
                 os.path.join(ROOT, "package.json"), timeout_s=300)
        answer = mpremote(unix.port, "exec", "import sys\nsys.path.insert(0, 'lib')\n"
                                             "import firmware.station, ocppj.check\n"
                                             "print(firmware.station.__file__)")
    assert answer.strip() == "lib/firmware/station.py"
    # package.json lists the tree as it is now.
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mip_package.py"),
                           "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_deploy_of_the_w5500_evb_pico_writes_its_entry_files_and_network(tmp_path):
    device = tmp_path / "device"
    device.mkdir()
    with UnixPortOnPty(str(device)) as unix:
        done = deploy(unix.port, "--board", "w5500_evb_pico", "--identity", "CP-PICO",
                      "--csms-url", "ws://192.168.1.10:9000/ocpp/CP-PICO",
                      "--network", "192.168.1.50/24,192.168.1.1")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "w5500_evb_pico (.mpy files)" in done.stdout
        # A firmware without a ROM partition: the .mpy tree would take the RP2040's heap.
        assert "warning: the firmware has no ROM partition" in done.stdout
        answer = mpremote(unix.port, "exec", "import boards.w5500_evb_pico.pins as p\n"
                                             "print(p.__file__, p.ETHERNET['cs'])")
        assert answer.split() == ["boards/w5500_evb_pico/pins.mpy", "17"]
    assert sorted(os.listdir(str(device / "boards"))) == ["__init__.mpy", "common",
                                                          "w5500_evb_pico"]
    assert (device / "boot.py").read_text() == "import boards.w5500_evb_pico.boot\n"
    assert (device / "main.py").read_text() == "import boards.w5500_evb_pico.main\n"
    provisioned = json.loads((device / "provision.json").read_text())
    assert provisioned["network"] == {"ip": "192.168.1.50", "netmask": "255.255.255.0",
                                      "gateway": "192.168.1.1", "dns": "192.168.1.1"}


def test_deploy_out_writes_the_esp32_eth_image_and_provisioning_files(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "--out",
                           str(out), "--board", "esp32_eth", "--identity", "CP-ESP",
                           "--csms-url", "ws://h:9000/ocpp/CP-ESP", "--network", "dhcp"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(os.listdir(str(out))) == ["main.py", "mpy", "provision.json",
                                            "station.romfs"]
    assert json.loads((out / "provision.json").read_text())["network"] == "dhcp"
    # The image runs in place: the board's package is in it, the other boards are not.
    script = ("import vfs, sys\nvfs.mount(vfs.VfsRom(open(%r, 'rb').read()), '/rom')\n"
              "sys.path.insert(0, '/rom')\nimport os, boards.esp32_eth.pins as p\n"
              "print(p.__file__, sorted(os.listdir('/rom/boards')))" %
              str(out / "station.romfs"))
    answer = subprocess.run([MICROPYTHON, "-c", script], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ, MICROPYPATH=".frozen"))
    assert answer.stdout.split(None, 1) == [
        "/rom/boards/esp32_eth/pins.mpy",
        "['__init__.mpy', 'common', 'esp32_eth']\n"], answer.stdout + answer.stderr
