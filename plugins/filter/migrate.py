# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migrate playbook's data shaping, each documented in its <name>.yml: fleet_plan, fleet_facts,
references_to_read, image_batches, conversion_outcome, rule_credentials."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._audit import fleet
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion import batches, settings
from ansible_collections.imagefleet.registry.plugins.plugin_utils._filter import filter_errors

fleet_plan = filter_errors(fleet.fleet_plan)
fleet_facts = filter_errors(fleet.fleet_facts)
references_to_read = filter_errors(fleet.references_to_read)
image_batches = filter_errors(batches.image_batches)
conversion_outcome = filter_errors(batches.conversion_outcome)
rule_credentials = filter_errors(settings.rule_credentials)


class FilterModule:
    def filters(self):
        return {
            'fleet_plan': fleet_plan,
            'fleet_facts': fleet_facts,
            'references_to_read': references_to_read,
            'image_batches': image_batches,
            'conversion_outcome': conversion_outcome,
            'rule_credentials': rule_credentials,
        }
