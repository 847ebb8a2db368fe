# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""audit_records: join a migration plan with image_manifest_info results (documented in audit_records.yml);
resolved_plan: a plan with normalised references and destination tags (resolved_plan.yml)."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion import plan as migration_plan
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors

audit_records = filter_errors(migration_plan.audit_records)
resolved_plan = filter_errors(migration_plan.resolve_plan)


class FilterModule:
    def filters(self):
        return {'audit_records': audit_records, 'resolved_plan': resolved_plan}
