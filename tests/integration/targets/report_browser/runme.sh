#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# audit.html in a real headless browser (Debian's chromium and chromium-driver through Selenium, paths given
# explicitly, SE_OFFLINE=true: nothing is downloaded): the 13-image demo set after a migration, and a lab fleet of
# 20 images x 25 tags in two namespaces. Each page: no console errors, the summary equals audit.json, the filter
# leaves one repository's rows, a digest row lists all its tags, JavaScript off shows every row. Screenshots are
# kept under tests/output/report_browser/ (printed at the end); the size and load time of a 20,000-tag report are
# measured and printed, not asserted.

set -eu -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/integration/targets/setup_lab_shell/lab.sh
source "${HERE}/../setup_lab_shell/lab.sh" report_browser

CHROMIUM="${IMAGEFLEET_CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${IMAGEFLEET_CHROMEDRIVER:-/usr/bin/chromedriver}"
if [ ! -x "${CHROMIUM}" ] || [ ! -x "${CHROMEDRIVER}" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP report_browser: ${CHROMIUM} or ${CHROMEDRIVER} missing and not root to install them" \
             "(as root: IMAGEFLEET_BROWSER=1 bash hacking/ensure-tools.sh)"
        exit 0
    fi
    IMAGEFLEET_BROWSER=1 bash "${ROOT}/hacking/ensure-tools.sh"
fi
if ! "${PYTHON}" -c 'import selenium' 2>/dev/null; then
    echo "SKIP report_browser: the selenium package is missing (pip install -r requirements-dev.txt)"
    exit 0
fi
export IMAGEFLEET_CHROMIUM="${CHROMIUM}" IMAGEFLEET_CHROMEDRIVER="${CHROMEDRIVER}" SE_OFFLINE=true
# Only loopback: a browser or driver that tried to go out would meet a dead proxy.
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
ARTIFACTS="${ROOT}/tests/output/report_browser"
mkdir -p "${ARTIFACTS}"
check() { "${PYTHON}" "${HERE}/browser_check.py" "$@"; }

set -x
cd "${WORK}"
lab_up lab >lab.json
REG="$(json lab.json 'd["registry"]')"

# --- the 13-image demo set: audit, then migrate (two points of history, the last run's counts) ------------------
demo_rules "${REG}" "${WORK}/demo" >demo.yml
play audit -e @demo.yml "$@" >audit.log
play migrate -e @demo.yml "$@" >migrate.log
[ "$(json demo/history.json '[(e["left_images"] > 0, e.get("converted")) for e in d]')" = "[(True, None), (False, 13)]" ]
check check demo "${ARTIFACTS}/demo.png" legacy/multi

# --- a lab fleet with many tags per image: 20 images x 25 tags, in two namespaces ------------------------------
lab fleet --state "${WORK}/lab/state.json" --count 12 --tags-per-repo 25 --base-mb 0.2 --own-mb 0.05 --prefix team-a >/dev/null
lab fleet --state "${WORK}/lab/state.json" --count 8 --tags-per-repo 25 --base-mb 0.2 --own-mb 0.05 --prefix team-b >/dev/null
cat >fleet.yml <<VARS
imagefleet_sources:
  - registry: "${REG}"
    repositories: ['team-*/*']
    dest_prefix: "${REG}/converted"
imagefleet_report_dir: "${WORK}/fleet"
VARS
play audit -e @fleet.yml "$@" >fleet.log
[ "$(json fleet/audit.json 'd["summary"]["counts"]["tags"], d["summary"]["counts"]["images"], [n["namespace"] for n in d["summary"]["namespaces"]]')" = \
  "500 20 ['team-a', 'team-b']" ]
# Bytes to move, in unique layers: each image's two own layers, each namespace's base once, the empty throwaway layer once.
[ "$(json fleet/audit.json 'd["summary"]["bytes"]["left_layers"], d["summary"]["bytes"]["images_with_unknown_sizes"]')" = "43 0" ]
check check fleet "${ARTIFACTS}/fleet.png" team-b/app-003

# --- measured, not asserted: 20,000 tags -------------------------------------------------------------------------
PYTHONPATH="$(cd "${ROOT}/../../.." && pwd)" check measure 20000 25 "${ARTIFACTS}/measure-25-per-image"
PYTHONPATH="$(cd "${ROOT}/../../.." && pwd)" check measure 20000 1 "${ARTIFACTS}/measure-1-per-image"
echo "screenshots and measured reports in ${ARTIFACTS}"
