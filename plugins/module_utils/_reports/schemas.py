# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The schema names and fields of the report documents, and the index of mapping.json entries, in one place for
their writers and their readers (the report itself, the host audit and the workload rewrite reading mapping.json)."""

from __future__ import annotations

AUDIT_SCHEMA = 'imagefleet.registry/audit/v1'
MAPPING_SCHEMA = 'imagefleet.registry/mapping/v1'
# The fields of each mapping.json entry, and the columns of mapping.csv.
MAPPING_FIELDS = ('old_reference', 'old_digest', 'new_reference', 'new_digest')


class MappingIndex:
    """mapping.json entries by old digest and by old reference."""

    def __init__(self, entries):
        self.by_digest, self.by_reference = {}, {}
        for entry in entries or []:
            if not isinstance(entry, dict) or not all(entry.get(key) for key in MAPPING_FIELDS):
                continue
            self.by_digest.setdefault(entry['old_digest'], []).append(entry)
            self.by_reference.setdefault(entry['old_reference'], entry)

    def __len__(self):
        return sum(len(entries) for entries in self.by_digest.values())
