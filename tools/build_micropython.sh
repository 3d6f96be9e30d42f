#!/bin/sh
# Builds a MicroPython unix port from source, as a board's firmware is built: with
# MicroPython's own mbedTLS configuration, whose allocations come out of the GC heap as on a
# board (Debian's binaries link the system mbedTLS, which allocates outside it). Prints the
# interpreter's path. Usage: sh tools/build_micropython.sh [VENV] [KIND]
#
#   board32   32-bit, as the boards are; the station's modules are not in it (they come from
#             ROMFS or .mpy): the compliance cases run on it (VENV/bin/micropython32)
#   frozen32  32-bit with the station's modules frozen in (tools/frozen_manifest.py):
#             bytecode and names in the binary, not in the heap (make bench)
#   frozen64  the same, 64-bit (make bench)
#
# The sources are Debian's (tools/micropython_source.sh).
# 32-bit builds are static i686 binaries made with Debian's cross compiler
# (tools/setup_i686_cross.sh), so they need no 32-bit C library on the system. Each run
# rebuilds against the present tree, in seconds once built. FFI and btree are left out (no
# device code uses them). Needs apt-get, dpkg-deb, tar, make and a C compiler.
set -e
venv=${1:-.venv}
kind=${2:-board32}
root=$(cd "$(dirname "$0")/.." && pwd)
# One build at a time in VENV: launchers and tests run in parallel (pytest -n) may start
# several together; the others wait here and then find the build up to date. Held until
# this script exits (the descriptor closes), shared with tools/build_board.sh, which builds
# from the same MicroPython source.
mkdir -p "$venv"
exec 9>"$venv/.build.lock"
flock 9

case $kind in
    board32) manifest="$root/tools/asyncio_manifest.py" ;;
    frozen32|frozen64) manifest="$root/tools/frozen_manifest.py" ;;
    *) echo "build: KIND is board32, frozen32 or frozen64, not $kind" >&2; exit 1 ;;
esac
source=$(sh "$(dirname "$0")/micropython_source.sh" "$venv")
case $kind in
    *32)
        cross=$(sh "$(dirname "$0")/setup_i686_cross.sh" "$venv")
        PATH="$cross/bin:$PATH"
        # Without threads, as the emulated board (boards/mps2_an385) and a board running one
        # asyncio loop: the unix port's threads make every interpreter-state access a
        # pthread_getspecific and every allocation take a mutex, a fifth of the instructions
        # an OCPP request runs (tools/bench_instructions.py).
        set -- CROSS_COMPILE=i686-linux-gnu- LDFLAGS_EXTRA=-static MICROPY_PY_THREAD=0 ;;
    *) set -- ;;
esac
# make does not see changed options: a build folder made with others is built again whole.
build="$source/ports/unix/build-$kind"
if [ "$(cat "$build/.options" 2>/dev/null)" != "$*" ]; then
    rm -rf "$build"
fi
log="$source/build-$kind.log"
frozen="$source/ports/unix/build-$kind/frozen_content.c"
. "$(dirname "$0")/frozen_inputs.sh"
frozen_inputs_check "$frozen"
# STRIP= keeps the symbols: valgrind's callgrind names the functions an OCPP request runs
# (tools/bench_instructions.py); the code is the same.
make -s -C "$source/ports/unix" -j2 VARIANT=standard BUILD="build-$kind" MICROPY_PY_BTREE=0 \
    MICROPY_PY_FFI=0 FROZEN_MANIFEST="$manifest" STRIP= "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
frozen_inputs_done "$frozen"
echo "$*" >"$build/.options"
echo "$(cd "$source/ports/unix/build-$kind" && pwd)/micropython"
