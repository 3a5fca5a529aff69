#!/usr/bin/env bash
# Make sure ngspice >= 39 built with OSDI support, and its shared library, are installed.
#
# On Debian 12 (bookworm) the distribution's own ngspice 39 has no OSDI support, so this
# script adds the bookworm-backports suite -- reusing the mirror URI already configured
# for the main Debian suite, so no host name is written anywhere -- and installs
# `ngspice` and `libngspice0` from it (ngspice 46).  On any other system, or without
# root, it stops with a message saying what to install.
#
# Idempotent: when a suitable ngspice is already present it returns in well under a second.
set -euo pipefail

MIN_MAJOR=39

have_osdi_ngspice() {
    command -v ngspice >/dev/null 2>&1 || return 1
    local ver
    ver=$(ngspice -v 2>/dev/null | sed -n 's/.*ngspice-\([0-9]\+\).*/\1/p' | head -n1)
    [ -n "$ver" ] && [ "$ver" -ge "$MIN_MAJOR" ] || return 1
    # An OSDI build knows the `osdi` command; a build without it answers "unknown command".
    printf 'osdi\nquit\n' | ngspice -n -p 2>&1 | grep -qi 'no such command\|unknown command' && return 1
    ldconfig -p 2>/dev/null | grep -q 'libngspice\.so' || return 1
    return 0
}

if have_osdi_ngspice; then
    exit 0
fi

fail() {
    cat >&2 <<MSG
setup_ngspice: $1
IPNet-SPICE needs ngspice >= ${MIN_MAJOR} built with OSDI support, plus its shared library
(libngspice).  Install them with your system's package manager (on Debian 12:
'apt-get install -t bookworm-backports ngspice libngspice0' after enabling the
bookworm-backports suite), or build ngspice with --enable-osdi --with-ngshared.
MSG
    exit 1
}

[ -r /etc/os-release ] || fail "cannot identify this system (/etc/os-release is missing)."
. /etc/os-release
[ "${ID:-}" = "debian" ] && [ "${VERSION_CODENAME:-}" = "bookworm" ] \
    || fail "automatic installation supports Debian 12 (bookworm) only; this is '${PRETTY_NAME:-unknown}'."
[ "$(id -u)" -eq 0 ] || fail "installing packages needs root; rerun as root or install ngspice yourself."

backports_configured() {
    grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

main_debian_uri() {
    # deb822 files first: the URIs: line of the stanza whose Suites: has plain "bookworm".
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        awk '
            BEGIN { RS=""; FS="\n" }
            {
                uri=""; main=0
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uri=u[1] }
                    if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == "bookworm") main=1 }
                }
                if (main && uri != "") { print uri; exit }
            }' "$f"
    done | head -n1 | grep . && return 0
    # One-line format: "deb [opts] URI bookworm main".
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } ; break } }' \
        | head -n1 | grep .
}

if ! backports_configured; then
    uri=$(main_debian_uri) || fail "found no apt source for the 'bookworm' suite whose mirror could be reused."
    echo "setup_ngspice: enabling bookworm-backports on the configured Debian mirror"
    cat > /etc/apt/sources.list.d/ipnet-spice-bookworm-backports.sources <<SRC
Types: deb
URIs: ${uri}
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "setup_ngspice: installing ngspice and libngspice0 from bookworm-backports"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports ngspice libngspice0 >/dev/null

have_osdi_ngspice || fail "ngspice was installed but it does not offer OSDI support."
echo "setup_ngspice: $(ngspice -v 2>/dev/null | grep -o 'ngspice-[0-9.]*' | head -n1) with OSDI installed"
