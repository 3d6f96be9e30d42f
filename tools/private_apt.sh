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

# debian_packages RELEASE TARGET PACKAGES: Debian's binary packages of RELEASE, downloaded
# with a private apt and unpacked into TARGET (emptied first; TARGET/bin made for the
# caller's wrappers). The .deb files stay in $work until the caller exits.
debian_packages() {
    private_apt "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://deb.debian.org/debian $1 main"
    (cd "$work" && apt-get $apt -qq download $3)
    rm -rf "$2"
    mkdir -p "$2/bin"
    for deb in "$work"/*.deb; do
        dpkg-deb -x "$deb" "$2"
    done
}
