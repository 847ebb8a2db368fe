# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Playbook settings that are data shaping, not I/O: the registry credentials a migration's tasks share."""

from __future__ import annotations


def rule_credentials(sources, registry_options=None):
    """registry_credentials for every registry module of a run: imagefleet_registry_options' own, then one entry per
    imagefleet_sources rule that gives a username (its password, or empty)."""
    found = list((registry_options or {}).get('registry_credentials') or [])
    for rule in sources or []:
        if rule.get('username') is not None:
            found.append({'registry': rule.get('registry'), 'username': rule['username'], 'password': rule.get('password') or ''})
    return found
