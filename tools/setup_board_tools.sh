#!/bin/sh
# Installs what the emulated board (boards/mps2_an385) needs on the host into
# VENV/board-tools with a private apt -- unpacked with dpkg-deb, nothing on the system
# changes: Debian's bare-metal Arm compiler and newlib, which build its firmware, and
# Debian's qemu-system-arm, which runs it. Once installed, later runs do nothing. Prints
# the folder whose bin/ holds arm-none-eabi-gcc and qemu-system-arm.
# Usage: sh tools/setup_board_tools.sh [VENV]
#
# The compiler and C library make the firmware, so they are pinned to the exact Debian
# build. The emulator only runs it; Debian's point releases replace its builds (security
# fixes) and drop the old ones from the archive, so it is pinned to its upstream version and
# the build found is recorded in the stamp file.
set -e
venv=${1:-.venv}
target="$venv/board-tools"
release=bookworm
toolchain="gcc-arm-none-eabi=15:12.2.rel1-1 binutils-arm-none-eabi=2.40-2+18+b1
libnewlib-arm-none-eabi=3.3.0-1.3+deb12u1 libnewlib-dev=3.3.0-1.3+deb12u1"
qemu_upstream=7.2
# qemu-system-arm's libraries that a base image lacks (ldd below says if one more is missing).
emulator="qemu-system-arm libaio1 libcapstone4 libfdt1 libfuse3-3 libibverbs1 libpmem1
librdmacm1 libslirp0 liburing2 libvdeplug2 libndctl6 libdaxctl1 libnl-3-200 libnl-route-3-200"
stamp="$target/.installed-$release-gcc12.2-newlib3.3.0-qemu$qemu_upstream"

if [ ! -f "$stamp" ]; then
    for tool in apt-get dpkg-deb ldd; do
        command -v $tool >/dev/null || { echo "setup: $tool is needed for the board's tools" >&2; exit 1; }
    done
    . "$(dirname "$0")/private_apt.sh"
    debian_packages $release "$target" "$toolchain $emulator"
    qemu_version=$(dpkg-deb -f "$(ls "$work"/qemu-system-arm_*.deb)" Version)
    case $qemu_version in
        1:$qemu_upstream+*) ;;
        *) echo "setup: qemu-system-arm $qemu_version is not upstream $qemu_upstream" >&2; exit 1 ;;
    esac
    # The two links newlib's postinst makes, through which the compiler finds the C library.
    ln -sfn newlib "$target/usr/lib/arm-none-eabi/lib"
    ln -sfn ../../include/newlib "$target/usr/lib/arm-none-eabi/include"
    # Only the Cortex-M3's emulator runs and only its C libraries link (multilib
    # thumb/v7-m/nofp): those for the other Arm cores are most of the packages' size.
    rm -f "$target/usr/bin/qemu-system-aarch64"
    for multilib in "$target"/usr/lib/gcc/arm-none-eabi/*/thumb "$target/usr/lib/arm-none-eabi/newlib/thumb"; do
        find "$multilib" -mindepth 1 -maxdepth 1 ! -name v7-m -exec rm -rf {} +
    done
    rm -rf "$target"/usr/lib/gcc/arm-none-eabi/*/arm "$target/usr/lib/arm-none-eabi/newlib/arm"
    # Physical paths: the wrappers keep working when VENV is reached through a link.
    top=$(cd "$target" && pwd -P)
    libs="$top/usr/lib/$(uname -m)-linux-gnu:$top/lib/$(uname -m)-linux-gnu"
    missing=$(LD_LIBRARY_PATH=$libs ldd "$top/usr/bin/qemu-system-arm" | grep 'not found' || true)
    [ -z "$missing" ] || { echo "setup: qemu-system-arm lacks $missing" >&2; exit 1; }
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$top/usr/bin/qemu-system-arm" \
        > "$target/bin/qemu-system-arm"
    chmod +x "$target/bin/qemu-system-arm"
    # The compiler finds its own parts from where it lies (GCC is relocatable).
    for tool in "$top"/usr/bin/arm-none-eabi-*; do
        ln -sf "$tool" "$target/bin/$(basename "$tool")"
    done
    echo "qemu-system-arm $qemu_version" > "$target/versions"
    touch "$stamp"
fi
cd "$target" && pwd -P
