# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""jmespath_select: choose audited images with a JMESPath expression (documented in jmespath_select.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

try:
    import jmespath
    HAS_JMESPATH = True
except ImportError:
    jmespath = None
    HAS_JMESPATH = False


def jmespath_select(data, expression=None):
    """data filtered by a JMESPath expression; all of data when the expression is empty.

    The expression must give a list (V([?format=='v2s1'])); a malformed one fails naming it.
    """
    if not expression:
        return data
    if not HAS_JMESPATH:
        raise AnsibleFilterError('imagefleet.registry.jmespath_select needs the jmespath Python library on the controller')
    try:
        selected = jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as exc:
        raise AnsibleFilterError('imagefleet_select %r is not a valid JMESPath expression: %s' % (expression, exc))
    if selected is None:
        return []
    if not isinstance(selected, list):
        raise AnsibleFilterError('imagefleet_select %r must give a list of images, not %s' % (expression, type(selected).__name__))
    return selected


class FilterModule:
    def filters(self):
        return {'jmespath_select': jmespath_select}
