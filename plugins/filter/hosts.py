# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""host_references and host_rows: which hosts run legacy images (documented in host_references.yml and host_rows.yml)."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._audit import hosts as host_audit
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors

host_references = filter_errors(host_audit.host_references)
host_rows = filter_errors(host_audit.host_rows)


class FilterModule:
    def filters(self):
        return {'host_references': host_references, 'host_rows': host_rows}
