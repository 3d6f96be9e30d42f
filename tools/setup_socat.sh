#!/bin/sh
# Installs Debian's socat into VENV/socat with a private apt (unpacked with dpkg-deb:
# nothing on the system changes), for the deploy tests: it gives the unix port a serial
# pty, as a board's USB serial port is, for mpremote to drive. Once installed, later runs do
# nothing. Prints the path of the socat to run. Usage: sh tools/setup_socat.sh [VENV]
set -e
venv=${1:-.venv}
target="$venv/socat"
release=bookworm
packages="socat=1.7.4.4-2 libwrap0=7.6.q-32"
stamp="$target/.installed-socat-1.7.4.4-2"

if [ ! -f "$stamp" ]; then
    for tool in apt-get dpkg-deb ldd; do
        command -v $tool >/dev/null || { echo "setup: $tool is needed for socat" >&2; exit 1; }
    done
    . "$(dirname "$0")/private_apt.sh"
    debian_packages $release "$target" "$packages"
    top=$(cd "$target" && pwd -P)
    libs="$top/usr/lib/$(uname -m)-linux-gnu"
    missing=$(LD_LIBRARY_PATH=$libs ldd "$top/usr/bin/socat" | grep 'not found' || true)
    [ -z "$missing" ] || { echo "setup: socat lacks $missing" >&2; exit 1; }
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$top/usr/bin/socat" \
        > "$target/bin/socat"
    chmod +x "$target/bin/socat"
    touch "$stamp"
fi
echo "$(cd "$target" && pwd -P)/bin/socat"
