#!/bin/sh
# Fetches lwIP -- the TCP/IP stack MicroPython's socket module (extmod/modlwip.c) runs on --
# from Debian's source package, once, with a private apt, into the MicroPython source's
# lib/lwip (the submodule Debian's MicroPython source leaves empty, where MicroPython's
# extmod.mk looks for it). Used by tools/build_board.sh for the emulated board's network.
# Usage: sh tools/lwip_source.sh MICROPYTHON_SOURCE
#
# Pinned to the upstream release by the orig tarball's checksum: Debian's revisions of the
# package (deb13u1 and later) change only debian/, and the tarball stays the same. Debian's
# patches are not applied: they build lwIP as a POSIX library for the Hurd and fix its SNMP
# agent, neither of which the board compiles.
set -e
source=${1:?usage: lwip_source.sh MICROPYTHON_SOURCE}
release=trixie
upstream=2.2.1+dfsg1
sha256=83729c274c499d3348e9fbbe043a3113f3fa8953e7efddc7c21c7fcbb1f2b7b1
dest="$source/lib/lwip"

if [ ! -f "$dest/.unpacked-$upstream" ]; then
    . "$(dirname "$0")/private_apt.sh"
    private_apt "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://deb.debian.org/debian $release main"
    (cd "$work" && apt-get $apt -qq source --download-only lwip)
    tarball="$work/lwip_$upstream.orig.tar.xz"
    [ -f "$tarball" ] || { echo "lwip: Debian's lwip is no longer $upstream" >&2; exit 1; }
    echo "$sha256  $tarball" | sha256sum -c --quiet - \
        || { echo "lwip: $tarball is not the pinned one" >&2; exit 1; }
    rm -rf "$dest"
    mkdir -p "$dest"
    tar -xf "$tarball" -C "$dest" --strip-components=1
    touch "$dest/.unpacked-$upstream"
fi
cd "$dest" && pwd
