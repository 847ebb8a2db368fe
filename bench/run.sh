#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make bench: imagefleet.registry side by side with skopeo on one lab registry (see bench/README.md).
# Run through `make bench`, which builds the collection and sets PATH, ANSIBLE_COLLECTIONS_PATH and PYTHONPATH.
# Sizes: BENCH_IMAGES, BENCH_TAGS_PER_REPO, BENCH_BIG_LAYER_MB, ... (bench/bench.py). Both lab registries
# and the latency proxy are stopped on exit, whatever happens. Nothing here needs root (the proxy is plain Python).

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "${HERE}")"
OUT="${BENCH_OUT:-${HERE}/out}"
PYTHON="${PYTHON:-$(command -v python)}"
export BENCH_OUT="${OUT}"
export PYTHONPATH="${ROOT}/tests/lab${PYTHONPATH:+:${PYTHONPATH}}"

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    echo "ANSIBLE_COLLECTIONS_PATH is not set: run this through 'make bench'" >&2
    exit 2
fi
for tool in skopeo docker-registry ansible-playbook ansible-inventory /usr/bin/time xargs; do
    if ! command -v "${tool}" >/dev/null; then
        echo "bench needs ${tool} (GNU time: apt-get install time)" >&2
        exit 2
    fi
done

stop_labs() {
    if [ -f "${OUT}/latency/state.json" ]; then
        "${PYTHON}" -m imagefleet_lab latency down --state "${OUT}/latency/state.json" >/dev/null || true
    fi
    for lab in lab dest; do
        if [ -f "${OUT}/${lab}/state.json" ]; then
            "${PYTHON}" -m imagefleet_lab down --state "${OUT}/${lab}/state.json" >/dev/null || true
        fi
    done
}
trap stop_labs EXIT
trap 'exit 130' INT TERM

mkdir -p "${OUT}"
"${PYTHON}" "${HERE}/bench.py"
