"""The WebSocket mask (RFC 6455 5.3) in native code, MicroPython's viper emitter: a byte
costs about 70 instructions here against 560 for ws.frames' portable big-integer XOR, and
nothing is allocated, where the portable mask takes five integers the payload's size.

Only firmware whose mpy-cross knows the board's architecture has it (the frozen builds:
tools/build_micropython.sh, boards/mps2_an385/port/Makefile); tools/mpy_build.py leaves it
out of the architecture-neutral .mpy tree, and ws.frames falls back to the portable mask
wherever it does not import (CPython, a firmware without a native emitter).
"""
import micropython


@micropython.viper
def xor_into(out, at: int, data, mask):
    """out[at + i] = data[i] ^ mask[i % 4] for every byte of data."""
    # ptr8: viper's built-in byte pointer (pyflakes does not know it).
    target = ptr8(out)
    source = ptr8(data)
    key = ptr8(mask)
    size = int(len(data))
    i = 0
    while i < size:
        target[at + i] = source[i] ^ key[i & 3]
        i += 1
