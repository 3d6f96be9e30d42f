"""The WebSocket mask (RFC 6455 5.3) in native code, MicroPython's viper emitter: a byte
costs about 70 instructions here against 560 for ws.frames' portable big-integer XOR, and
nothing is allocated, where the portable mask takes five integers the payload's size.

The function is compiled here, once at import, by the board's own compiler for its own
architecture: device code is cross-compiled by mpy-cross for no architecture in particular
(one .mpy tree serves every board), and mpy-cross refuses a viper function without one.
Where it does not import (CPython; a firmware without a native emitter, whose compiler
raises SyntaxError), ws.frames keeps its portable mask.
"""
import micropython  # noqa: F401 (the decorator below names it)

_SOURCE = """
@micropython.viper
def xor_into(out, at: int, data, mask):
    target = ptr8(out)
    source = ptr8(data)
    key = ptr8(mask)
    size = int(len(data))
    i = 0
    while i < size:
        target[at + i] = source[i] ^ key[i & 3]
        i += 1
"""
# xor_into(out, at, data, mask): out[at + i] = data[i] ^ mask[i % 4] for every byte of data.
exec(_SOURCE, globals())
