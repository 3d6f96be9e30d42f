#!/bin/sh
# Fetches the MicroPython source the project builds from -- Debian's, of one release: the
# MicroPython package, pinned, and mbedTLS (whose security updates replace older builds in
# the archive) -- once, with a private apt, into VENV/micropython-src, and builds its
# mpy-cross there. Prints the source's path. Needs apt-get, dpkg-deb, tar, make and a C
# compiler. Used by tools/build_micropython.sh (unix ports) and tools/build_board.sh (the
# emulated board). Usage: sh tools/micropython_source.sh [VENV]
set -e
venv=${1:-.venv}
release=trixie
version=1.25.0+ds-1
source="$venv/micropython-src"

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
cd "$source" && pwd
