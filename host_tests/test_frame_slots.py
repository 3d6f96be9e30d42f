"""The schema check's per-field functions keep their frames on the C stack (issue 23).

MicroPython allocates a called function's frame from the heap when its locals, value stack
and try blocks need more than 44 bytes on a 32-bit board (py/objfun.c, VM_MAX_STATE_ON_STACK:
11 slots), at every call. On a board's fragmented heap each such allocation searched the
allocation table: most of a full GetConfiguration's instructions went there, since the
check runs these functions for every field of every key. The sizes come from the bytecode
mpy-cross makes, read by MicroPython's own tools/mpy-tool.py.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_CROSS = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
MPY_TOOL = os.path.join(ROOT, ".venv", "micropython-src", "tools", "mpy-tool.py")
ON_STACK_BYTES = 44  # 11 four-byte slots
SLOT_BYTES = 4
TRY_BLOCK_BYTES = 12  # mp_exc_stack_t on a 32-bit board
# The functions a valid payload runs for every field, and _action_objects, three times a
# request (is_action, then the check of the request and of the answer).
PER_FIELD = ("_action_objects", "_line", "_value_start", "_check_object", "_check_present_field", "_is_required",
             "_check_field", "_number", "_check_value", "_check_number", "_required_fields",
             "_in_enum", "_digits", "is_datetime")


def frame_bytes(module, tmp_path):
    compiled = str(tmp_path / "module.mpy")
    subprocess.run([MPY_CROSS, "-o", compiled, os.path.join(ROOT, module)], check=True)
    listing = subprocess.run([sys.executable, MPY_TOOL, "-d", compiled], check=True,
                             capture_output=True, text=True).stdout
    sizes = {}
    for name, n_state, n_exc_stack in re.findall(
            r"^simple_name: (\S+)\n(?:  .*\n)*?  prelude: \((\d+), (\d+),", listing, re.M):
        sizes[name] = int(n_state) * SLOT_BYTES + int(n_exc_stack) * TRY_BLOCK_BYTES
    return sizes


def test_the_checks_per_field_functions_keep_their_frames_off_the_heap(tmp_path):
    sizes = frame_bytes("lib/ocppj/check.py", tmp_path)
    # None: a function renamed or gone, this list to be brought up to date.
    over = {name: sizes.get(name) for name in PER_FIELD
            if sizes.get(name, ON_STACK_BYTES + 1) > ON_STACK_BYTES}
    assert not over, "frames over %d bytes, allocated at every call: %s" % (ON_STACK_BYTES,
                                                                             over)


def test_the_measure_sees_a_large_frame(tmp_path):
    # The measure itself: _check_in_name_order, run only for a payload found wrong, has a
    # large frame (a for loop over a dict and two try blocks).
    assert frame_bytes("lib/ocppj/check.py", tmp_path)["_check_in_name_order"] > ON_STACK_BYTES
