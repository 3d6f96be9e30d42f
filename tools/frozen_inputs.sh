# Sourced by the firmware builds that freeze the station (tools/build_micropython.sh,
# tools/build_board.sh). MicroPython regenerates its frozen modules only when a frozen file
# is newer than the generated C file: a file added with an older time, moved or removed, or
# a manifest changed, would go unseen and the firmware would keep the old modules. These
# remove the generated file when the device tree's files (names, sizes, times) changed, and
# the .mpy files compiled for it: makemanifest compiles a file again only when it is newer
# than its .mpy, and a build of another tree (a worktree sharing this build folder) leaves
# newer .mpy files of other sources, which this tree's older files would never replace.
#   frozen_inputs_check FROZEN_C   before the build
#   frozen_inputs_done FROZEN_C    after a build that succeeded
_frozen_listing() {
    (cd "$(dirname "$0")/.." && { ls tools/*manifest*.py tools/frozen_station.py; \
        find lib firmware boards -name '*.py' -o -name '*.dat'; } | sort | xargs ls -l | cksum)
}

frozen_inputs_check() {
    if [ "$(cat "$1.inputs" 2>/dev/null)" != "$(_frozen_listing)" ]; then
        rm -rf "$1" "$(dirname "$1")/frozen_mpy"
    fi
}

frozen_inputs_done() {
    _frozen_listing > "$1.inputs"
}
