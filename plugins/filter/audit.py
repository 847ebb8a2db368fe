# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""audit_records: join a migration plan with image_manifest_info results (documented in audit_records.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._plan import audit_records as _audit_records


def audit_records(plan, infos, default_format='v2s2'):
    try:
        return _audit_records(plan, infos, default_format)
    except ImagefleetError as exc:
        raise AnsibleFilterError(exc.message)


class FilterModule:
    def filters(self):
        return {'audit_records': audit_records}
