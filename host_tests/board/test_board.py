"""The emulated board (boards/mps2_an385) does what a controller board does: it boots, keeps
UTC from its RTC and milliseconds from its timer, keeps its flash across a power cut, talks
over its UARTs, draws new random bytes at every boot, resets itself and runs the station
frozen in or from a ROMFS image."""
import calendar
import hashlib
import os
import subprocess
import tempfile
import threading
import time

import pytest

from emulator import ROOT, Board, BoardError

from certs import issue, make_ca  # noqa: E402 (host_tests/, on the path in pytest)


@pytest.fixture
def flash(tmp_path):
    return str(tmp_path / "station.flash")


def test_boots_to_the_repl_as_an_mps2_an385(firmware):
    with Board(firmware) as board:
        assert b"MicroPython v1.25.0" in board.boot_output
        assert b"MPS2-AN385 (QEMU) with Cortex-M3" in board.boot_output
        assert board.boot_s < 3
        assert board.eval("__import__('sys').platform") == "mps2-an385"
        assert board.eval("__import__('machine').reset_cause()") == board.eval(
            "__import__('machine').PWRON_RESET")
        # 128 KB of GC heap, less the collector's own tables.
        total = board.eval("__import__('gc').mem_free() + __import__('gc').mem_alloc()")
        assert 124 * 1024 < total <= 128 * 1024


def test_rtc_gives_the_hosts_utc_and_the_timer_counts_milliseconds(firmware):
    with Board(firmware) as board:
        board.exec("import time")
        utc_s, gmtime = board.eval("(time.time(), time.gmtime())")
        assert abs(utc_s - time.time()) < 2
        assert gmtime[:6] == time.gmtime(utc_s)[:6]
        assert calendar.timegm(gmtime[:6] + (0, 0, 0)) == utc_s
        assert board.eval("time.gmtime(0)[0]") == 1970
        first = board.eval("time.ticks_ms()")
        time.sleep(0.5)
        waited = board.eval("time.ticks_diff(time.ticks_ms(), %d)" % first)
        # Milliseconds, not seconds or microseconds. The bounds are loose: the board counts
        # its timer's interrupts, and QEMU on a host loaded by the whole suite delivers some
        # late (448 ms for 500 seen in a fresh clone's `make test`).
        assert 300 <= waited < 1500
        # sleep_ms is timed by the same clock.
        assert 190 <= board.eval("(lambda t: (time.sleep_ms(200), time.ticks_diff("
                                 "time.ticks_ms(), t))[1])(time.ticks_ms())") < 400


def test_without_utc_from_the_host_the_rtc_reads_before_2025(firmware):
    with Board(firmware, utc_s=0) as board:
        assert board.eval("__import__('time').time()") < calendar.timegm((2025, 1, 1, 0, 0, 0))


def test_a_file_on_the_flash_survives_a_power_cut(firmware, flash):
    with Board(firmware, flash=flash) as board:
        board.exec("with open('/journal', 'w') as f: f.write('kept across a power cut')")
        # Cut while a second file is open and half written: littlefs keeps the last commit.
        board.exec("f = open('/torn', 'w'); f.write('x' * 5000)")
    with Board(firmware, flash=flash) as board:
        assert board.eval("open('/journal').read()") == "kept across a power cut"
        assert board.eval("sorted(__import__('os').listdir('/'))") in (["journal"], ["journal", "torn"])
        assert board.eval("__import__('os').statvfs('/')[:2]") == (4096, 4096)
    with Board(firmware) as board:  # no flash file: a blank flash, formatted at boot
        assert board.eval("__import__('os').listdir('/')") == []


def test_uart1_round_trip_polled_and_with_asyncio_streams(firmware):
    with Board(firmware) as board:
        link = board.uart(1)
        board.exec("import machine; uart = machine.UART(1, 115200)")
        board.exec("uart.write(b'hello host\\n')")
        assert link.recv(100) == b"hello host\n"
        assert board.eval("uart.read()") is None  # nothing received: no wait
        link.sendall(b"hello board\n")
        assert board.eval("(lambda: [__import__('time').sleep_ms(50), uart.read()][1])()") == \
            b"hello board\n"
        # 10 KB through a 256-byte receive buffer: nothing lost.
        data = os.urandom(10240)
        board.exec("uart = machine.UART(1, rxbuf=256)")
        link.sendall(data)
        got = board.exec(
            "import hashlib, time\n"
            "buf = bytearray()\n"
            "t = time.ticks_ms()\n"
            "while len(buf) < 10240 and time.ticks_diff(time.ticks_ms(), t) < 5000:\n"
            "    buf += uart.read() or b''\n"
            "print(len(buf), hashlib.sha256(buf).digest().hex())\n")
        assert got.split() == ["10240", hashlib.sha256(data).hexdigest()]
        # asyncio's streams wait on the UART through select.poll.
        board.exec(
            "import asyncio\n"
            "async def echo_line():\n"
            "    reader, writer = asyncio.StreamReader(uart), asyncio.StreamWriter(uart, {})\n"
            "    line = await reader.readline()\n"
            "    writer.write(b'echo ' + line)\n"
            "    await writer.drain()\n")
        link.sendall(b"over asyncio\n")
        board.exec("asyncio.run(asyncio.wait_for(echo_line(), 5))", timeout_s=10)
        assert link.recv(100) == b"echo over asyncio\n"


def test_os_urandom_differs_between_boots_and_after_a_reset(firmware):
    seed = os.urandom(32)
    with Board(firmware, seed=seed) as board:
        first = board.eval("__import__('os').urandom(16)")
        assert board.eval("__import__('mps2').entropy_seeded()") is True
        # A reset writes the same seed again: the generator's key, kept across the reset,
        # still makes the output new.
        board.hard_reset()
        assert board.eval("__import__('machine').reset_cause()") == board.eval(
            "__import__('machine').HARD_RESET")
        after_reset = board.eval("__import__('os').urandom(16)")
    with Board(firmware) as board:
        second_boot = board.eval("__import__('os').urandom(16)")
    assert len({first, after_reset, second_boot}) == 3
    with Board(firmware, seed=bytes(32)) as board:
        assert board.eval("__import__('mps2').entropy_seeded()") is False


def test_a_reset_keeps_the_rtc_running(firmware):
    # The RTC starts an hour behind the host; after a reset it must go on from where it
    # was, not from the time the host gave at power-on (which QEMU writes again).
    utc_s = int(time.time()) - 3600
    with Board(firmware, utc_s=utc_s) as board:
        time.sleep(1.5)
        board.hard_reset()
        assert utc_s + 1 <= board.eval("__import__('time').time()") <= utc_s + 4


def test_the_watchdog_resets_a_board_that_stops_feeding_it(firmware):
    with Board(firmware) as board:
        board.exec("import machine; wdt = machine.WDT(timeout=300); wdt.feed()")
        board.wait_for_boot(timeout_s=5)
        assert board.eval("__import__('machine').reset_cause()") == board.eval(
            "__import__('machine').WDT_RESET")


def test_ctrl_c_on_the_console_stops_running_code(firmware):
    with Board(firmware) as board:
        board.enter_raw_repl()
        board.write(b"while True: pass\x04")
        board.read_until(b"OK")
        time.sleep(0.2)
        board.write(b"\x03")
        assert b"KeyboardInterrupt" in board.read_until(b"\x04>", timeout_s=5)


def test_the_frozen_station_imports_in_the_128k_heap(firmware, record_property):
    with Board(firmware) as board:
        board.exec("import gc; gc.collect(); before = gc.mem_free()")
        board.exec("import firmware.station", timeout_s=20)
        before, after = board.eval("(before, gc.collect() or gc.mem_free())")
        record_property("heap_free_before", before)
        record_property("heap_free_after_import", after)
        print("frozen: heap free %d B at the prompt, %d B after import firmware.station"
              % (before, after))
        # The bytecode stays in the firmware: the import takes names and objects only.
        assert before - after < 40 * 1024
        assert board.exec("import firmware.station as s; print(s.__file__)").strip() == \
            "firmware/station.py"


def test_the_station_runs_from_a_romfs_image_in_the_rom_partition(romfs_firmware, flash):
    elf, image = romfs_firmware
    with Board(elf, flash=flash, romfs=image) as board:
        assert "firmware" in board.eval("__import__('os').listdir('/rom')")
        board.exec("import gc; gc.collect(); before = gc.mem_free()")
        board.exec("import firmware.station", timeout_s=20)
        before, after = board.eval("(before, gc.collect() or gc.mem_free())")
        print("romfs: heap free %d B at the prompt, %d B after import firmware.station"
              % (before, after))
        assert board.exec("import firmware.station as s; print(s.__file__)").startswith(
            "/rom/firmware/")
        assert before - after < 64 * 1024
        # The flash's filesystem is apart from the ROM partition, which is mounted on it.
        board.exec("open('/kept', 'w').close()")
        assert sorted(board.eval("__import__('os').listdir('/')")) == ["kept", "rom"]


def _tls_over_uart1(board, server, ca_der):
    """A TLS 1.2 session from the board to a server on UART1's other end, the server's
    certificate checked against `ca_der`: what the board read back and its heap around it,
    or the board's error."""
    served = {}

    def serve():
        with tempfile.TemporaryDirectory() as folder:
            try:
                conn = server.server_context(folder).wrap_socket(board.uart(1), server_side=True)
                conn.sendall(conn.recv(5).upper())
                # QEMU drops what the board has not read yet once this end closes.
                served["conn"] = conn
            except OSError as e:
                served["error"] = e

    board.uart(1)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    board.exec("import gc, machine, tls\nCA = %r" % ca_der)
    try:
        board.exec(
            "gc.collect()\n"
            "uart = machine.UART(1, timeout=10000, rxbuf=1024)\n"
            "ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)\n"
            "ctx.verify_mode = tls.CERT_REQUIRED\n"
            "ctx.load_verify_locations(CA)\n"
            "before = gc.mem_free()\n"
            "conn = ctx.wrap_socket(uart, server_hostname='localhost')\n"
            "conn.write(b'hello')\n"
            "reply = conn.read(5)\n", timeout_s=30)
        return board.eval("(reply, before, gc.mem_free())")
    finally:
        thread.join(10)
        if "conn" in served:
            served["conn"].close()


def test_tls_with_certificate_checks_over_uart1_in_the_gc_heap(firmware):
    # mbedTLS needs no network: any stream will do. Its buffers come out of the GC heap.
    ca = make_ca()
    with Board(firmware) as board:
        reply, before, during = _tls_over_uart1(board, issue(ca, "board test"), ca.cert_der)
        print("tls: heap free %d B before, %d B with the session open" % (before, during))
        assert reply == b"HELLO"
        assert 16 * 1024 < before - during < 40 * 1024
    # The certificate's dates are checked against the board's RTC.
    with Board(firmware) as board, pytest.raises(BoardError, match="expired"):
        _tls_over_uart1(board, issue(ca, "board test", expired=True), ca.cert_der)


def test_errors_name_newlibs_numbers_not_linuxs(firmware):
    # The firmware must use errno's names: the board's numbers are newlib's.
    with Board(firmware) as board:
        assert board.eval("__import__('errno').ECONNABORTED") == 113
        with pytest.raises(BoardError, match="ENOENT"):
            board.exec("open('/missing')")


def test_mpremote_deploys_a_romfs_image_over_the_console_pty(romfs_firmware, flash):
    # The ROM partition is part of the flash file: what mpremote writes is there after a
    # power cut, as on a board whose ROM partition was programmed over its serial port.
    elf, image = romfs_firmware
    mpremote = os.path.join(ROOT, ".venv", "bin", "mpremote")
    with Board(elf, flash=flash, console_pty=True) as board:
        done = subprocess.run([mpremote, "connect", board.console_path, "romfs", "deploy", image],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ROMFS image deployed" in done.stdout
    with Board(elf, flash=flash) as board:
        assert board.exec("import firmware.station as s; print(s.__file__)").strip() == \
            "/rom/firmware/station.mpy"
