# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The schema names written into the report documents, in one place for their writers and their readers
(the report itself, the workload rewrite reading mapping.json)."""

from __future__ import annotations

AUDIT_SCHEMA = 'imagefleet.registry/audit/v1'
MAPPING_SCHEMA = 'imagefleet.registry/mapping/v1'
# The fields of each mapping.json entry, and the columns of mapping.csv.
MAPPING_FIELDS = ('old_reference', 'old_digest', 'new_reference', 'new_digest')
