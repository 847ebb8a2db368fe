# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the collection's filters share: module_utils errors become filter errors naming the problem."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError


def filter_errors(func):
    """func as a filter: an ImagefleetError fails the task with its message, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ImagefleetError as exc:
            raise AnsibleFilterError(exc.message)

    return wrapper
