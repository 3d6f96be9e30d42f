#!/bin/sh
# Builds the emulated board's firmware (boards/mps2_an385/port: MicroPython for QEMU's
# mps2-an385, a Cortex-M3) from Debian's MicroPython source (tools/micropython_source.sh)
# and lwIP's (tools/lwip_source.sh) with Debian's arm-none-eabi compiler and newlib
# (tools/setup_board_tools.sh), into
# VENV/board-mps2_an385/build-KIND. Prints the firmware's path (an ELF, which
# qemu-system-arm -kernel loads). Each run rebuilds against the present tree: a few seconds
# once built. Usage: sh tools/build_board.sh [VENV] [KIND]
#
#   frozen      the station frozen in (tools/board_manifest.py), 128 KB GC heap
#   frozen192   the same with a 192 KB heap (the security extension's cases)
#   romfs       the station's .mpy files from a ROMFS image in the board's ROM partition
#               (tools/romfs_build.py); asyncio and _boot.py frozen in
#               (tools/board_manifest_romfs.py), 128 KB heap
#   romfs192    the same with a 192 KB heap
set -e
venv=${1:-.venv}
kind=${2:-frozen}
root=$(cd "$(dirname "$0")/.." && pwd)
port="$root/boards/mps2_an385/port"
# One build at a time in VENV: launchers and tests run in parallel (pytest -n) may start
# several together; the others wait here and then find the build up to date. Held until
# this script exits (the descriptor closes), shared with tools/build_micropython.sh, which
# builds from the same MicroPython source.
mkdir -p "$venv"
exec 9>"$venv/.build.lock"
flock 9

case $kind in
    frozen|frozen192) manifest="$root/tools/board_manifest.py" ;;
    romfs|romfs192) manifest="$root/tools/board_manifest_romfs.py" ;;
    *) echo "build: KIND is frozen, frozen192, romfs or romfs192, not $kind" >&2; exit 1 ;;
esac
case $kind in
    *192) heap=196608 ;;
    *) heap=131072 ;;
esac
tools=$(sh "$root/tools/setup_board_tools.sh" "$venv")
source=$(sh "$root/tools/micropython_source.sh" "$venv")
sh "$root/tools/lwip_source.sh" "$source" >/dev/null
mkdir -p "$venv/board-mps2_an385"
build="$(cd "$venv/board-mps2_an385" && pwd)/build-$kind"
log="$build.log"
. "$root/tools/frozen_inputs.sh"
frozen_inputs_check "$build/frozen_content.c"
# MicroPython names its version after `git describe` of the folder its source is in, which
# would be this project's repository: the ceiling makes it take the source's own (1.25.0). Its
# physical path: git walks up from there, also when VENV or the source is a link to another
# worktree's.
GIT_CEILING_DIRECTORIES=$(dirname "$(cd "$source" && pwd -P)") PATH="$tools/bin:$PATH" \
    make -C "$port" -j2 MICROPY_TOP="$source" BUILD="$build" FROZEN_MANIFEST="$manifest" \
    MICROPY_HEAP_SIZE=$heap >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
frozen_inputs_done "$build/frozen_content.c"
echo "$build/firmware.elf"
