# Sourced by the set-up scripts that fetch from deb.debian.org: private_apt LINE [OPTIONS]
# makes an apt of their own -- its own source list (LINE), package lists and cache, no
# installed-package status, so nothing on the system changes -- and updates its lists.
# Sets $work (a temporary folder, removed on exit) and $apt (the options for apt-get).
private_apt() {
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
    echo "$1" > "$work/sources.list"
    apt="-o Dir::State::Lists=$work/lists -o Dir::Etc::SourceList=$work/sources.list
     -o Dir::Etc::SourceParts=/dev/null -o Dir::Cache=$work/cache -o Dir::State::status=/dev/null
     -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
     -o APT::Sandbox::User=root ${2:-}"
    apt-get $apt -qq update
}
