"""Connects with ws.client, sends one text message and prints one result line; run by
host_tests/test_ws_tls.py under MicroPython (and usable under CPython).

Usage: ws_probe.py URL [--ca DER] [--cert DER --key DER] [--ciphers A,B] [--password TEXT]
                   [--timeout S] [--ping S] [--message TEXT]
Prints "OK <reply>", "HANDSHAKE <status> <reason>", "CONNECT <reason>" or "CLOSED <code>".
"""
import asyncio
import sys

from ws import tls
from ws.client import connect
from ws.errors import ConnectError, ConnectionClosed, HandshakeError


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _options(argv):
    options = {}
    i = 1
    while i < len(argv) - 1:
        options[argv[i][2:]] = argv[i + 1]
        i += 2
    return options


async def main(url, options):
    try:
        context = None
        if "ca" in options:
            cert = _read(options["cert"]) if "cert" in options else None
            key = _read(options["key"]) if "key" in options else None
            ciphers = options["ciphers"].split(",") if "ciphers" in options else None
            context = tls.client_context(_read(options["ca"]), cert, key, ciphers)
        connection = await connect(url, password=options.get("password"),
                                   ssl_context=context,
                                   timeout_s=float(options.get("timeout", 10)),
                                   ping_interval_s=float(options.get("ping", 0)))
        await connection.send(options.get("message", "hello"))
        reply = await connection.recv()
        await connection.close()
        print("OK", reply)
    except HandshakeError as e:
        print("HANDSHAKE", e.status, e.reason)
    except ConnectError as e:
        print("CONNECT", e.reason)
    except ValueError as e:
        print("VALUE", e)
    except ConnectionClosed as e:
        print("CLOSED", e.code, e.reason)


asyncio.run(main(sys.argv[1], _options(sys.argv[1:])))
