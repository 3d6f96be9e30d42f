"""One TCP connection of the emulated board's to a service on the host's loopback.

QEMU's user-mode network starts this for each connection the board opens to a forwarded
address (`guestfwd=tcp:10.0.2.100:PORT-cmd:python guestfwd_relay.py PORT`, emulator.py): the
board's connection is this process's stdin and stdout, and it connects to 127.0.0.1:PORT and
nowhere else, then moves bytes both ways until both sides have closed. Its stderr is the
connection too, so it never prints: a refused connection closes the board's at once.
"""
import os
import select
import socket
import sys


def relay(port):
    guest = socket.socket(fileno=0)
    try:
        host = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return
    host.settimeout(None)
    guest.setblocking(True)
    # Each direction is closed on its own (half-close), as TCP lets the two ends do.
    open_from = {guest: host, host: guest}
    while open_from:
        readable, _, _ = select.select(list(open_from), [], [])
        for source in readable:
            data = source.recv(65536)
            target = open_from[source]
            if data:
                target.sendall(data)
            else:
                del open_from[source]
                try:
                    target.shutdown(socket.SHUT_WR)
                except OSError:
                    pass


if __name__ == "__main__":
    try:
        relay(int(sys.argv[1]))
    except (OSError, ValueError, IndexError):
        pass
    os._exit(0)
