# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migrate playbook's data shaping, each documented in its <name>.yml: fleet_images, references_to_read,
migration_batches, conversion_outcome, rule_credentials, audit_summary."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.filter.select import jmespath_select
from ansible_collections.imagefleet.registry.plugins.module_utils._audit import records as audit
from ansible_collections.imagefleet.registry.plugins.plugin_utils import _fleet as fleet
from ansible_collections.imagefleet.registry.plugins.plugin_utils import _migrate
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors

fleet_images = filter_errors(fleet.fleet_images)
references_to_read = filter_errors(audit.references_to_read)
conversion_outcome = filter_errors(_migrate.conversion_outcome)
rule_credentials = filter_errors(_migrate.rule_credentials)
audit_summary = filter_errors(audit.audit_summary)


@filter_errors
def migration_batches(records, size=50, select=None):
    """The records imagefleet_select chooses (else those needing conversion), in batches of whole images."""
    chosen = jmespath_select(records, select) if select else [record for record in records or [] if record.get('needs_conversion')]
    return _migrate.selected_batches(chosen, size)


class FilterModule:
    def filters(self):
        return {
            'fleet_images': fleet_images,
            'references_to_read': references_to_read,
            'migration_batches': migration_batches,
            'conversion_outcome': conversion_outcome,
            'rule_credentials': rule_credentials,
            'audit_summary': audit_summary,
        }
