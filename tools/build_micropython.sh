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
# The sources are Debian's, of one release: MicroPython, pinned, and mbedTLS (whose security
# updates replace older builds in the archive), fetched once with a private apt into
# VENV/micropython-src.
# 32-bit builds are static i686 binaries made with Debian's cross compiler
# (tools/setup_i686_cross.sh), so they need no 32-bit C library on the system. Each run
# rebuilds against the present tree, in seconds once built. FFI and btree are left out (no
# device code uses them). Needs apt-get, dpkg-deb, tar, make and a C compiler.
set -e
venv=${1:-.venv}
kind=${2:-board32}
release=trixie
version=1.25.0+ds-1
root=$(cd "$(dirname "$0")/.." && pwd)
source="$venv/micropython-src"

case $kind in
    board32) manifest="$root/tools/asyncio_manifest.py" ;;
    frozen32|frozen64) manifest="$root/tools/frozen_manifest.py" ;;
    *) echo "build: KIND is board32, frozen32 or frozen64, not $kind" >&2; exit 1 ;;
esac
for tool in apt-get dpkg-deb tar make cc; do
    command -v $tool >/dev/null || { echo "build: $tool is needed to build MicroPython" >&2; exit 1; }
done
if [ ! -f "$source/.unpacked-$version" ]; then
    . "$(dirname "$0")/private_apt.sh"
    private_apt "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://deb.debian.org/debian $release main"
    (cd "$work" && apt-get $apt -qq source --download-only "micropython=$version" mbedtls)
    rm -rf "$source"
    mkdir -p "$source"
    tar -xf "$work"/micropython_*.orig.tar.xz -C "$source" --strip-components=1
    # Debian's source leaves the submodules empty: mbedTLS comes from its own package; the
    # frozen-manifest tool only checks that micropython-lib is there, and nothing here
    # takes anything from it.
    tar -xf "$work"/mbedtls_*.orig.tar.* -C "$source/lib/mbedtls" --strip-components=1
    echo "empty: tools/build_micropython.sh takes nothing from micropython-lib" \
        > "$source/lib/micropython-lib/README.md"
    touch "$source/.unpacked-$version"
fi
make -s -C "$source/mpy-cross" -j2 >/dev/null
case $kind in
    *32)
        cross=$(sh "$(dirname "$0")/setup_i686_cross.sh" "$venv")
        PATH="$cross/bin:$PATH"
        set -- CROSS_COMPILE=i686-linux-gnu- LDFLAGS_EXTRA=-static ;;
    *) set -- ;;
esac
log="$source/build-$kind.log"
make -s -C "$source/ports/unix" -j2 VARIANT=standard BUILD="build-$kind" MICROPY_PY_BTREE=0 \
    MICROPY_PY_FFI=0 FROZEN_MANIFEST="$manifest" "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
echo "$(cd "$source/ports/unix/build-$kind" && pwd)/micropython"
