# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._module import abridged_params, run_module


class Exited(Exception):
    pass


class Module:
    """What run_module uses of AnsibleModule: params, warn, exit_json and fail_json (which end the run)."""

    def __init__(self, params):
        self.params = params
        self.result = None

    def warn(self, text):
        pass

    def exit_json(self, **result):
        self.result = result
        raise Exited()

    fail_json = exit_json


def test_bulky_lists_are_counted_not_echoed():
    params = {'images': [{'src': 'a:1'}] * 3, 'format': 'v2s2', 'records': None, 'tags': ['x']}
    assert abridged_params(params, ('images', 'records')) == {'images': '3 items (not echoed)', 'format': 'v2s2',
                                                              'records': None, 'tags': ['x']}
    assert abridged_params(params, ()) == params


def succeed(module):
    return {'changed': False}


def fail(module):
    raise ImagefleetError('bad')


@pytest.mark.parametrize('body', [succeed, fail])
def test_results_and_failures_carry_the_abridged_invocation(body):
    module = Module({'images': ['a:1', 'b:1'], 'parallel': 4})
    with pytest.raises(Exited):
        run_module(module, body, bulky=('images',))
    assert module.result['invocation'] == {'module_args': {'images': '2 items (not echoed)', 'parallel': 4}}
