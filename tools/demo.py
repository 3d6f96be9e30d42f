"""`make run`: the bundled Central System on loopback and the simulated station talking to it.

The station's console shows every OCPP frame it sends (->) and receives (<-). Ctrl-C stops.
"""
import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tools.csms import CentralSystem  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


async def demo(args):
    central = CentralSystem(heartbeat_interval_s=args.heartbeat)
    async with central.serve("127.0.0.1", args.port) as server:
        port = server.sockets[0].getsockname()[1]
        url = "ws://127.0.0.1:%d/ocpp" % port
        print("Central System listening on %s/<identity> (heartbeat %d s)" % (url, args.heartbeat))
        print("Station %s on %s; Ctrl-C stops\n" % (args.id, args.runtime), flush=True)
        station = await asyncio.create_subprocess_exec(
            os.path.join(ROOT, "boards", "sim", "station"), "--csms", url, "--id", args.id,
            "--runtime", args.runtime)
        try:
            return await station.wait()
        finally:
            if station.returncode is None:
                station.terminate()
                await station.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--id", default="CP001")
    parser.add_argument("--port", type=int, default=0, help="Central System port (0: any free)")
    parser.add_argument("--heartbeat", type=int, default=10, help="HeartbeatInterval in s")
    parser.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    try:
        sys.exit(asyncio.run(demo(parser.parse_args())))
    except KeyboardInterrupt:
        print()


if __name__ == "__main__":
    main()
