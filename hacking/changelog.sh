#!/usr/bin/env bash
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# hacking/changelog.sh CHECKOUT COLLECTION: (re)generate CHANGELOG.rst and changelogs/changelog.yaml for the version
# in galaxy.yml from the fragments. antsibull-changelog needs the collection at .../ansible_collections/NS/NAME and
# ansible-doc for the new-plugin lists, so it runs in the copy (make collection) and the results are copied back;
# the fragments it consumed are removed from the checkout. A release that exists already is updated.
set -eu -o pipefail
CHECKOUT="$1"
COLLECTION="$2"
(cd "${COLLECTION}" && antsibull-changelog release --update-existing "${@:3}")
cp "${COLLECTION}/CHANGELOG.rst" "${CHECKOUT}/CHANGELOG.rst"
cp "${COLLECTION}/changelogs/changelog.yaml" "${COLLECTION}/changelogs/.plugin-cache.yaml" "${CHECKOUT}/changelogs/"
for fragment in "${CHECKOUT}"/changelogs/fragments/*.y*ml; do
    [ -e "${COLLECTION}/changelogs/fragments/$(basename "${fragment}")" ] || rm -f "${fragment}"
done
(cd "${CHECKOUT}" && antsibull-changelog lint)
