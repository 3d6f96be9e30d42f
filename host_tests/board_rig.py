"""A board package (boards/w5500_evb_pico, boards/esp32_eth) run on the machine/network
stand-ins (host_tests/board_standins) with its devices modelled, connected to a Central
System on the host's loopback: the process, and its control port (run_board.py)."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

from harness import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON32 = os.environ.get("MICROPYTHON32") or os.path.join(ROOT, ".venv", "bin",
                                                                "micropython32")
IMAGE = os.path.join(ROOT, "build", "station.romfs")
# The RP2040's heap as MicroPython's rp2 port leaves it, in the order of 192 KB: the board
# runs the station from its ROM partition (a ROMFS image in flash), which the unix port has
# to hold in its heap, with the GC's tables for it (boards/sim/station's romfs build).
BOARD_HEAP = 192 * 1024
# The rig's own code -- the stand-ins, the device models, the plant and the control port,
# compiled from source -- is not the board's: 29 KB of heap after import on the 32-bit
# interpreter (the control port and the models' state take some more), given on top.
RIG_HEAP = 40 * 1024
STATUS_POLL_S = 0.2
PATH = ":".join((".frozen", "host_tests/board_standins", "host_tests/portable", "lib", "."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BoardRig:
    """`runtime`: "micropython32" (from the ROMFS image, at the board's heap) or
    "cpython" (from source)."""

    def __init__(self, tmp_path, board, csms_url, runtime="micropython32", **settings):
        self.root = str(tmp_path)
        settings.update({"identity": csms_url.rpartition("/")[2], "csms_url": csms_url})
        with open(os.path.join(self.root, "provision.json"), "w") as f:
            json.dump(settings, f)
        self.port = free_port()
        argv = [os.path.join(ROOT, "host_tests", "board_standins", "run_board.py"), board,
                self.root, str(self.port)]
        env = dict(os.environ)
        if runtime == "cpython":
            argv = [sys.executable] + argv
            env["PYTHONPATH"] = PATH.replace(".frozen:", "")
        else:
            # Packed again when the tree changed (the launcher's --build romfs does so too).
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "romfs_build.py")],
                           check=True, timeout=300)
            heap = BOARD_HEAP + os.path.getsize(IMAGE) * 524 // 512 + RIG_HEAP
            argv = [MICROPYTHON32, "-X", "heapsize=%d" % heap] + argv + [IMAGE]
            env["MICROPYPATH"] = PATH
        self.lines = []
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._control = None

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def __enter__(self):
        wait_until(lambda: any("rig: control on" in line for line in self.lines) or
                   self.process.poll() is not None, 30, "the rig's control port")
        assert self.process.poll() is None, "\n".join(self.lines[-30:])
        self._control = socket.create_connection(("127.0.0.1", self.port), 10)
        self._replies = self._control.makefile("rb")
        return self

    def __exit__(self, *exc):
        if self._control is not None:
            self._control.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._reader.join(5)

    def __call__(self, line):
        """One command to the rig (run_board.py); its answer, the board's status."""
        assert self.process.poll() is None, "the rig ended:\n" + "\n".join(self.lines[-30:])
        self._control.sendall(line.encode() + b"\n")
        answer = json.loads(self._replies.readline())
        assert "error" not in answer, answer
        return answer

    def wait(self, predicate, timeout_s, what):
        """The board's status once predicate(status) holds."""
        def met():
            status = self("status")
            if predicate(status):
                return status
            # Each status collects the board's heap: asked every 20 ms, on a loaded host
            # that alone starved the board's own tasks.
            time.sleep(STATUS_POLL_S)
            return None
        return wait_until(met, timeout_s, what)

    def logged(self, text):
        return any(text in line for line in self.lines)
