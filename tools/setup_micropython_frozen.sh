#!/bin/sh
# Builds a MicroPython unix port with the station's modules frozen into it, as a board's
# firmware would hold them: bytecode and names (qstrs) in the binary, not in the heap. Only
# `make bench` uses it (tools/bench_security_heap.py), to show what freezing changes.
#
# The source is Debian's MicroPython package (the release of the 32-bit interpreter,
# tools/setup_micropython32.sh), fetched once with a private apt into VENV/micropython-src;
# each run rebuilds the port against the present tree (tools/frozen_manifest.py), which takes
# seconds once built. Without TLS, FFI and btree (the measurement needs none of them);
# 64-bit with the host's compiler, or 32-bit, as the boards are, with Debian's i686 cross
# compiler (tools/setup_i686_cross.sh). Needs apt-get, tar, make and a C compiler. Prints
# the interpreter's path. Usage: sh tools/setup_micropython_frozen.sh [VENV] [64|32]
set -e
venv=${1:-.venv}
bits=${2:-64}
release=trixie
version=1.25.0+ds-1
root=$(cd "$(dirname "$0")/.." && pwd)
source="$venv/micropython-src"

for tool in apt-get tar make cc; do
    command -v $tool >/dev/null || { echo "setup: $tool is needed for the frozen build" >&2; exit 1; }
done
if [ ! -f "$source/.unpacked-$version" ]; then
    . "$(dirname "$0")/private_apt.sh"
    private_apt "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://deb.debian.org/debian $release main"
    (cd "$work" && apt-get $apt -qq source --download-only "micropython=$version")
    rm -rf "$source"
    mkdir -p "$source"
    tar -xf "$work"/micropython_*.orig.tar.xz -C "$source" --strip-components=1
    # Debian's source leaves the micropython-lib submodule empty; the frozen-manifest tool
    # only checks that it is there, and this manifest takes nothing from it.
    echo "empty: tools/setup_micropython_frozen.sh freezes nothing from micropython-lib" \
        > "$source/lib/micropython-lib/README.md"
    touch "$source/.unpacked-$version"
fi
make -s -C "$source/mpy-cross" -j2 >/dev/null
if [ "$bits" = 32 ]; then
    # A static i686 binary, so it needs no 32-bit C library on the system.
    cross=$(sh "$(dirname "$0")/setup_i686_cross.sh" "$venv")
    PATH="$cross/bin:$PATH"
    set -- BUILD=build-frozen32 CROSS_COMPILE=i686-linux-gnu- LDFLAGS_EXTRA=-static
else
    set -- BUILD=build-frozen64
fi
make -s -C "$source/ports/unix" -j2 VARIANT=standard MICROPY_PY_BTREE=0 MICROPY_PY_FFI=0 \
    MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 FROZEN_MANIFEST="$root/tools/frozen_manifest.py" \
    "$@" >/dev/null 2>"$source/build-frozen$bits.log" || { cat "$source/build-frozen$bits.log" >&2; exit 1; }
echo "$(cd "$source/ports/unix/build-frozen$bits" && pwd)/micropython"
