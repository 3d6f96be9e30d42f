"""Device entry of the simulated board, started by the `station` launcher beside it.

    micropython boards/sim/main.py --csms URL --id ID --hw HOST:PORT [--password KEY]
        [--ca FILE] [--state DIR] [--console 1] [--csms-tls URL] [--cert FILE --key FILE]
        [--additional-root-check 1] [--rtc 0] [--hw-link uart] [--unsigned-firmware 1]
        [--transfer-stall-s S]

--hw is the simulated hardware's link (boards/sim/hardware.py), served by the launcher;
with `--hw-link uart` it speaks the UART protocol of an I/O controller (docs/hwlink.md,
boards/sim/uart_bridge.py) instead of JSON lines.
"""
import gc

# Before anything else is imported: collect every GC_THRESHOLD_BYTES allocated, not only
# when the heap is full. Otherwise garbage fills the whole heap first and what outlives it
# ends up scattered over all of it: measured at --heap 320k after boot, 106 KB free but no
# free piece over 4 KB; with 16 KB a 48 KB piece. A collection takes 1-2 ms here, so this
# costs the OCPP timings (remote start p50 7.5 ms against 5.3 without), but at 32 or 48 KB
# an 8 KB CertificateSigned at 320k sometimes found no room.
GC_THRESHOLD_BYTES = 16384
if hasattr(gc, "threshold"):  # MicroPython
    gc.threshold(GC_THRESHOLD_BYTES)

import asyncio  # noqa: E402 (after the threshold, as every import below)
import sys  # noqa: E402

from boards.sim.board import SimBoard  # noqa: E402
from firmware.station import Station  # noqa: E402

# The exit status that asks the launcher (boards/sim/station) to start the device again.
REBOOT_EXIT_STATUS = 75


def parse_options(argv):
    options = {}
    i = 0
    while i < len(argv):
        if not argv[i].startswith("--") or i + 1 >= len(argv):
            raise ValueError("expected --name value, got %r" % argv[i])
        options[argv[i][2:]] = argv[i + 1]
        i += 2
    return options


def read_ders(path):
    """Every certificate (or key) of a PEM file, or the DER file itself."""
    from x509.pem import pem_to_der  # read only by a station that uses wss://

    with open(path, "rb") as f:
        data = f.read()
    return pem_to_der(data) if data.startswith(b"-----") else [data]


async def run(options, ca_der, client_certificate):
    board = SimBoard(options.get("id", "CP001"), options["csms"], options.get("password"),
                     ca_der, options.get("state"), options.get("csms-tls"),
                     client_certificate, "additional-root-check" in options,
                     options.get("rtc") != "0")
    board.accepts_unsigned_firmware = "unsigned-firmware" in options
    if "transfer-stall-s" in options:
        board.transfer_stall_s = int(options["transfer-stall-s"])
    host, _, port = options["hw"].rpartition(":")
    if options.get("hw-link") == "uart":  # the I/O controller's protocol (docs/hwlink.md)
        from boards.uart_link.sim_device import attach_linked
        follow_hardware = await attach_linked(board, host, int(port))
    else:
        follow_hardware = board.run_link(await board.attach(host, int(port)))
    station = Station(board)
    board.station = station
    tasks = [asyncio.create_task(station.run())]  # referenced for as long as the station runs
    if "console" in options:
        # Imported only when asked for: a board without a console never loads it.
        from boards.sim.console_io import start_console
        tasks.append(start_console({"station": station, "board": board, "hw": board.hw}))
    # The hardware link ends when the hardware is gone (the launcher ended): so does this.
    tasks.append(asyncio.create_task(follow_hardware))
    await board.down.wait()
    return board.reset_kind


def main(argv):
    options = parse_options(argv)
    ca_der = read_ders(options["ca"]) if "ca" in options else None
    client_certificate = None
    if "cert" in options:
        client_certificate = (read_ders(options["cert"]), read_ders(options["key"])[0])
    try:
        reset = asyncio.run(run(options, ca_der, client_certificate))
    except KeyboardInterrupt:  # Ctrl-C at the console ends the simulation quietly
        return
    if reset is not None:
        sys.exit(REBOOT_EXIT_STATUS)


main(sys.argv[1:])
