#!/bin/sh
# Creates .venv from the pinned requirements. On a bare Debian, python3 -m venv needs the
# python3-venv package: install it when we can (root), otherwise say what is missing.
set -e
python=${1:-python3}
venv=${2:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            apt-get update -qq && (apt-get install -y -qq "python$version-venv" || apt-get install -y -qq python3-venv)
            "$python" -m venv "$venv"
        else
            echo "setup: '$python -m venv' failed; install python3-venv (apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
