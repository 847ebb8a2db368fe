# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""audit_records: join a migration plan with image_manifest_info results (documented in audit_records.yml)."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils import _plan
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors

audit_records = filter_errors(_plan.audit_records)


class FilterModule:
    def filters(self):
        return {'audit_records': audit_records}
