#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs README commands the way a new user meets them: a fresh clone of HEAD, an unprivileged user of its own,
# and a PATH that hides every program setup is meant to install and those a fresh machine lacks. A developer's
# machine (and CI's, where earlier runs installed things as root) would otherwise stay green while a fresh one
# fails.
#
# Usage (as root): bash hacking/fresh-machine.sh [make target...]    (default: demo)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USER_NAME="${IMAGEFLEET_FRESH_USER:-imagefleet-fresh}"
TARGETS=("${@:-demo}")
# Installed by setup (hacking/ensure-tools.sh, test targets) or absent from a fresh machine.
HIDDEN_PACKAGES=('docker-registry' 'skopeo' 'podman' 'rsync' 'jq' 'wget' 'sudo' 'docker.io' 'containerd' 'chromium' 'chromium-driver')

if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-machine: run as root (it creates the user ${USER_NAME})" >&2
    exit 2
fi
id -u "${USER_NAME}" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "${USER_NAME}"
HOME_DIR="$(getent passwd "${USER_NAME}" | cut -d: -f6)"

WORK="$(mktemp -d /tmp/imagefleet-fresh.XXXXXX)"
cleanup() {
    # The demo leaves its lab running for the user to look at; a check stops it.
    if [ -f "${WORK}/clone/.lab/state.json" ]; then
        runuser -u "${USER_NAME}" -- env -i HOME="${HOME_DIR}" PATH="${WORK}/bin" \
            make -C "${WORK}/clone" lab-down >/dev/null 2>&1 || true
    fi
    rm -rf "${WORK}"
}
trap cleanup EXIT
chown "${USER_NAME}" "${WORK}"
chmod 0755 "${WORK}"

# A PATH of links to what the machine has, less the hidden packages' programs.
mkdir -p "${WORK}/bin"
# dpkg -L fails for the packages this machine does not have: those hide nothing.
hidden="$(dpkg -L "${HIDDEN_PACKAGES[@]}" 2>/dev/null | grep -E '/s?bin/[^/]+$' | xargs -r -n1 basename | sort -u || true)"
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [ -d "${dir}" ] || continue
    for program in "${dir}"/*; do
        name="$(basename "${program}")"
        if [ ! -x "${program}" ] || [ -e "${WORK}/bin/${name}" ]; then continue; fi
        grep -qxF "${name}" <<<"${hidden}" && continue
        ln -s "${program}" "${WORK}/bin/${name}"
    done
done

# Cloned as root (git refuses to read a repository another user owns), then handed to the user.
git clone --quiet "${REPO}" "${WORK}/clone"
chown -R "${USER_NAME}:" "${WORK}/clone"
for target in "${TARGETS[@]}"; do
    echo "fresh-machine: make ${target} as ${USER_NAME}, fresh clone in ${WORK}/clone, PATH without: $(tr '\n' ' ' <<<"${hidden}" | cut -c1-200)"
    runuser -u "${USER_NAME}" -- env -i HOME="${HOME_DIR}" PATH="${WORK}/bin" LANG=C.UTF-8 \
        make -C "${WORK}/clone" "${target}"
done
