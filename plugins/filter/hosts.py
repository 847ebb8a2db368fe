# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""host_references and host_rows: which hosts run legacy images (documented in host_references.yml and host_rows.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.module_utils import _host_audit
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError


def host_references(engines):
    try:
        return _host_audit.host_references(engines)
    except ImagefleetError as exc:
        raise AnsibleFilterError(exc.message)


def host_rows(engines, infos):
    try:
        return _host_audit.host_rows(engines, infos)
    except ImagefleetError as exc:
        raise AnsibleFilterError(exc.message)


class FilterModule:
    def filters(self):
        return {'host_references': host_references, 'host_rows': host_rows}
