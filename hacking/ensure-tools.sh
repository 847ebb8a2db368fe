#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Make docker-registry and skopeo available for the test lab (tests/lab), and as root also podman (the
# engine of the needs/root host-audit tests) and, with IMAGEFLEET_BROWSER=1, Debian's chromium and
# chromium-driver (the report_browser test). On PATH (or already unpacked in .tools): nothing to do.
# Root: apt-get install.
# Otherwise: unpack the .debs and their missing direct Depends into $REPO/.tools
# (binaries in .tools/usr/bin; the lab looks there for docker-registry).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$REPO/.tools"
PACKAGES=(docker-registry skopeo)
[ "$(id -u)" -eq 0 ] && PACKAGES+=(podman)
# The headless browser is big and needs its shared libraries installed: root only, on request.
[ "$(id -u)" -eq 0 ] && [ "${IMAGEFLEET_BROWSER:-0}" = 1 ] && PACKAGES+=(chromium chromium-driver)

# The command a package brings (chromium-driver's is chromedriver).
binary() {
    echo "${1/chromium-driver/chromedriver}"
}

available() {
    command -v "$(binary "$1")" >/dev/null 2>&1 || [ -x "$TOOLS/usr/bin/$(binary "$1")" ]
}

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

has_candidate() {
    # grep without -q: an early exit would SIGPIPE apt-cache and fail under pipefail.
    apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null | grep 'Candidate: [^(]' >/dev/null
}

missing=()
for tool in "${PACKAGES[@]}"; do
    if available "$tool"; then
        echo "ensure-tools: $tool already available: $(command -v "$(binary "$tool")" || echo "$TOOLS/usr/bin/$(binary "$tool")")"
    else
        missing+=("$tool")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

APT_OPTS=()
lists_ready() {
    for pkg in "${missing[@]}"; do has_candidate "$pkg" || return 1; done
}

if [ "$(id -u)" -eq 0 ]; then
    if ! lists_ready; then
        echo "ensure-tools: apt-get update (no candidate for ${missing[*]})"
        apt-get update
    fi
    echo "ensure-tools: apt-get install -y ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    exit 0
fi

# Not root: apt-get download works as any user; the package lists it needs may
# be missing, so refresh private copies under .tools instead of the system's.
if ! lists_ready; then
    mkdir -p "$TOOLS/apt/lists/partial" "$TOOLS/apt/cache/archives/partial"
    APT_OPTS=(-o "Dir::State::Lists=$TOOLS/apt/lists" -o "Dir::Cache=$TOOLS/apt/cache")
    echo "ensure-tools: apt-get update into $TOOLS/apt (not root)"
    apt-get "${APT_OPTS[@]}" update
fi

wanted=("${missing[@]}")
for pkg in "${missing[@]}"; do
    # Direct Depends only; virtual packages (<name>) cannot be downloaded.
    while read -r dep; do
        installed "$dep" || wanted+=("$dep")
    done < <(apt-cache "${APT_OPTS[@]}" depends --no-recommends --no-suggests --no-conflicts \
                 --no-breaks --no-replaces --no-enhances "$pkg" \
             | awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 !~ /^</ {print $2}')
done
mapfile -t wanted < <(printf '%s\n' "${wanted[@]}" | sort -u)

mkdir -p "$TOOLS/debs"
echo "ensure-tools: apt-get download ${wanted[*]}"
(cd "$TOOLS/debs" && apt-get "${APT_OPTS[@]}" download "${wanted[@]}")
for deb in "$TOOLS"/debs/*.deb; do
    echo "ensure-tools: unpack $(basename "$deb") into $TOOLS"
    dpkg-deb -x "$deb" "$TOOLS"
done
echo "ensure-tools: binaries in $TOOLS/usr/bin"
