# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbook_vars: check a playbook's imagefleet_* variables on the controller (documented in modules/playbook_vars.py)."""

from __future__ import annotations

import os

import yaml

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.imagefleet.registry.plugins.plugin_utils._inventory_hosts import HOST_FACTS, VAR_PREFIX
from ansible_collections.imagefleet.registry.plugins.plugin_utils._playbook_vars import VariablesError, check_variables

SPEC_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         'meta', 'playbook_argument_specs.yml')
# What the registry_images inventory sets on every image host; never the operator's input.
INVENTORY_FACTS = tuple(VAR_PREFIX + name for name in HOST_FACTS + ('error',))


def load_specs(path=SPEC_FILE):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)['argument_specs']


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('playbook',))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        specs = load_specs()
        playbook = self._task.args.get('playbook')
        if playbook not in specs:
            return dict(result, failed=True, msg='playbook must be one of %s, got %r' % (', '.join(sorted(specs)), playbook))

        known = set(INVENTORY_FACTS)
        for spec in specs.values():
            known.update(spec.get('options') or {})
        # In fleet mode imagefleet_format is the image host's current format, set by the inventory.
        skip = set(INVENTORY_FACTS) if 'imagefleet_ref' in task_vars else set()
        values, errors = {}, []
        for name in task_vars:
            if not name.startswith(VAR_PREFIX) or name in skip:
                continue
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError as exc:
                errors.append('`%s` cannot be templated: %s' % (name, exc.message))
        try:
            check_variables(specs[playbook], values, known=known, skip=skip)
        except VariablesError as exc:
            errors.extend(exc.errors)
        if errors:
            return dict(result, failed=True, errors=errors,
                        msg='imagefleet.registry.%s: %d invalid variable(s), nothing was done: %s' % (
                            playbook, len(errors), '; '.join(errors)))
        return dict(result, changed=False, playbook=playbook, checked=sorted(values),
                    msg='imagefleet.registry.%s: %d variable(s) checked' % (playbook, len(values)))
