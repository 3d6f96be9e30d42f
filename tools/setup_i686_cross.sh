#!/bin/sh
# Installs a C compiler for 32-bit x86 (Debian's i686-linux-gnu cross compiler, its binutils
# and C library) into VENV/i686-cross with a private apt -- nothing on the system changes --
# for the 32-bit builds of tools/build_micropython.sh. The release and the GCC
# version are the host's own, so the compiler runs on the host's libraries. Once installed,
# later runs do nothing. Prints the folder whose bin/ holds i686-linux-gnu-gcc.
# Usage: sh tools/setup_i686_cross.sh [VENV]
set -e
venv=${1:-.venv}
target="$venv/i686-cross"
release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
gcc=$(gcc -dumpversion | cut -d. -f1)
host=$(gcc -dumpmachine)
packages="gcc-$gcc-i686-linux-gnu cpp-$gcc-i686-linux-gnu binutils-i686-linux-gnu
libgcc-$gcc-dev-i386-cross libc6-dev-i386-cross linux-libc-dev-i386-cross"

if [ ! -f "$target/.installed-$release-$gcc" ]; then
    for tool in apt-get dpkg-deb gcc; do
        command -v $tool >/dev/null || { echo "setup: $tool is needed for the cross compiler" >&2; exit 1; }
    done
    [ -n "$release" ] || { echo "setup: not a Debian release (/etc/os-release)" >&2; exit 1; }
    . "$(dirname "$0")/private_apt.sh"
    debian_packages $release "$target" "$packages"
    # The tools by the names a Makefile's CROSS_COMPILE=i686-linux-gnu- asks for; binutils
    # finds its own libraries (libbfd) beside the host's.
    for tool in "$target"/usr/bin/i686-linux-gnu-*; do
        name=$(basename "$tool" | sed "s/-$gcc\$//")
        printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/usr/lib/%s exec %s "$@"\n' \
            "$(cd "$target" && pwd)" "$host" "$(cd "$(dirname "$tool")" && pwd)/$(basename "$tool")" \
            > "$target/bin/$name"
        chmod +x "$target/bin/$name"
    done
    touch "$target/.installed-$release-$gcc"
fi
cd "$target" && pwd
