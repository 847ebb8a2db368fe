# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Modules run in Ansible's worker process: the same validation and results as AnsibleModule, and only where the
module would have run on this machine, in this Python, as this user."""

from __future__ import annotations

import json
import os
import stat
import sys
from types import SimpleNamespace

import pytest

from ansible_collections.imagefleet.registry.plugins.modules import image_report
from ansible_collections.imagefleet.registry.plugins.plugin_utils import _in_process
from ansible_collections.imagefleet.registry.plugins.plugin_utils._in_process import ControllerModule, run_module_here, why_not_here

SPEC = dict(argument_spec=dict(name=dict(type='str', required=True), secret=dict(type='str', no_log=True),
                               count=dict(type='int', default=2), where=dict(type='path')),
            supports_check_mode=True)


def result_of(args, check_mode=False, **spec):
    with pytest.raises(_in_process._Exit) as done:  # pylint: disable=protected-access
        module = ControllerModule('demo', args, check_mode, False, **dict(SPEC, **spec))
        module.warn('a warning')
        module.exit_json(changed=False, echoed=module.params, pair=(1, 2))
    return done.value.result


def test_parameters_are_validated_and_converted_as_ansiblemodule_does(monkeypatch):
    monkeypatch.setenv('HOME', '/home/someone')
    result = result_of({'name': 'x', 'count': '5', 'where': '~/reports'})
    assert result['echoed'] == {'name': 'x', 'secret': None, 'count': 5, 'where': '/home/someone/reports'}
    assert result['pair'] == [1, 2]  # through JSON, as a module's result
    assert result['warnings'] == ['a warning']


def test_unknown_and_missing_parameters_fail_with_ansiblemodule_words():
    result = result_of({'name': 'x', 'nmae': 'y'})
    assert result['failed'] is True
    assert result['msg'].startswith('Unsupported parameters for (demo) module: nmae')
    result = result_of({})
    assert result['failed'] is True and result['msg'] == 'missing required arguments: name'


def test_no_log_values_never_leave():
    result = result_of({'name': 'x', 'secret': 'hunter2-pw'})
    assert 'hunter2-pw' not in json.dumps(result)


def test_check_mode_unsupported_is_skipped():
    result = result_of({'name': 'x'}, check_mode=True, supports_check_mode=False)
    assert result['skipped'] is True


def test_atomic_move_keeps_the_mode_of_what_it_replaces(tmp_path):
    old = tmp_path / 'old'
    old.write_text('before')
    old.chmod(0o640)
    new = tmp_path / 'new'
    new.write_text('after')
    ControllerModule.atomic_move(str(new), str(old))
    assert old.read_text() == 'after' and stat.S_IMODE(old.stat().st_mode) == 0o640
    fresh, placed = tmp_path / 'fresh', tmp_path / 'placed'
    fresh.write_text('x')
    fresh.chmod(0o600)
    umask = os.umask(0o022)
    try:
        ControllerModule.atomic_move(str(fresh), str(placed))
    finally:
        os.umask(umask)
    assert stat.S_IMODE(placed.stat().st_mode) == 0o644


def action(transport='local', become=False, async_val=0, environment=None, interpreter=sys.executable, delegated=None):
    """An action plugin's view of a task; delegated: the interpreter of the host it is delegated to."""
    templar = SimpleNamespace(template=lambda value: value)
    task = SimpleNamespace(async_val=async_val, environment=environment if environment is not None else [{}],
                           delegate_to='localhost' if delegated is not None else None)
    found = SimpleNamespace(_task=task, _connection=SimpleNamespace(transport=transport),
                            _play_context=SimpleNamespace(become=become), _templar=templar)
    task_vars = {'ansible_python_interpreter': interpreter} if interpreter else {}
    if delegated is not None:
        task_vars['ansible_delegated_vars'] = {'localhost': {'ansible_python_interpreter': delegated} if delegated else {}}
    return found, task_vars


@pytest.mark.parametrize('kwargs, expected', [
    ({}, True),
    ({'transport': 'ansible.builtin.local'}, True),
    ({'transport': 'ssh'}, False),
    ({'become': True}, False),
    ({'async_val': 60}, False),
    ({'environment': [{'HTTPS_PROXY': 'http://proxy:3128'}]}, False),
    ({'interpreter': '/usr/bin/python3.6'}, False),
    ({'interpreter': None}, False),
    ({'interpreter': '/usr/bin/python3.6', 'delegated': sys.executable}, True),
    ({'delegated': '/usr/bin/python3.6'}, False),
    ({'delegated': ''}, False),
])
def test_only_a_task_that_would_run_here_runs_here(kwargs, expected):
    assert (why_not_here(*action(**kwargs)) is None) is expected


def test_a_real_module_writes_its_report_here_and_not_in_check_mode(tmp_path):
    dry = run_module_here(image_report, {'path': str(tmp_path / 'dry'), 'records': []}, True, False)
    assert dry['changed'] is True and not (tmp_path / 'dry').exists()
    done = run_module_here(image_report, {'path': str(tmp_path / 'report'), 'records': []}, False, False)
    assert done['changed'] is True and (tmp_path / 'report' / 'audit.json').is_file()
    again = run_module_here(image_report, {'path': str(tmp_path / 'report'), 'records': []}, False, False)
    assert again['changed'] is False
    assert run_module_here(image_report, {'records': []}, False, False)['msg'] == 'missing required arguments: path'


def test_arguments_that_are_not_plain_json_go_the_module_way():
    assert _in_process.plain_arguments({'images': ('a', 'b')}) == {'images': ['a', 'b']}
    assert _in_process.plain_arguments({'when': object()}) is None


def test_an_option_given_with_its_alias_too_is_a_warning():
    spec = dict(argument_spec=dict(name=dict(type='str', aliases=['title'])), supports_check_mode=True)
    with pytest.raises(_in_process._Exit) as done:  # pylint: disable=protected-access
        ControllerModule('demo', {'name': 'a', 'title': 'b'}, False, False, **spec).exit_json(changed=False)
    assert done.value.result['warnings'] == ['Both option name and its alias title are set.']
