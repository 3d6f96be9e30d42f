#!/bin/sh
# Installs the 32-bit MicroPython the compliance tests run the station on: Debian's unix port
# for i386, with the libraries it links, unpacked into VENV/micropython32 and started by
# VENV/bin/micropython32 through their own loader -- nothing on the system changes.
#
# Why 32-bit: the boards are 32-bit. On the 64-bit unix port (VENV/bin/micropython) every
# object word and every GC block is twice as large, so a board's 128 KB heap is only
# modelled by a 32-bit interpreter. MicroPython is pinned; the libraries are those of the
# Debian release it comes from (their security updates replace older builds in the archive).
#
# Needs apt-get and dpkg-deb (any Debian or Ubuntu), deb.debian.org, and a kernel that runs
# i386 programs. Usage: sh tools/setup_micropython32.sh [VENV]
set -e
venv=${1:-.venv}
release=trixie
version=1.25.0+ds-1
packages="micropython=$version libc6 libffi8 libmbedcrypto16 libmbedtls21 libmbedx509-7"

for tool in apt-get dpkg-deb; do
    command -v $tool >/dev/null || { echo "setup: $tool is needed for the 32-bit MicroPython" >&2; exit 1; }
done
. "$(dirname "$0")/private_apt.sh"
private_apt "deb [arch=i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://deb.debian.org/debian $release main" "-o APT::Architecture=i386 -o APT::Architectures=i386"
(cd "$work" && apt-get $apt -qq download $packages)

target="$venv/micropython32"
rm -rf "$target"
mkdir -p "$target" "$venv/bin"
for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$target"
done
target=$(cd "$target" && pwd)
cat > "$venv/bin/micropython32" <<EOF
#!/bin/sh
# MicroPython $version for i386 (tools/setup_micropython32.sh), through its own loader.
lib=$target/usr/lib/i386-linux-gnu
exec "\$lib/ld-linux.so.2" --library-path "\$lib" $target/usr/bin/micropython "\$@"
EOF
chmod +x "$venv/bin/micropython32"
"$venv/bin/micropython32" -c "import sys; assert sys.maxsize == 2**31 - 1" || {
    echo "setup: the 32-bit MicroPython does not run here (a kernel without i386 support?)" >&2
    exit 1
}
