# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.imagefleet.registry.plugins.module_utils._verification import verifier
from ansible_collections.imagefleet.registry.plugins.modules import image_verify


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as excinfo:
            image_verify.main()
    return excinfo.value.code, json.loads(capsys.readouterr().out)


def test_a_missing_tool_fails_before_any_image_is_verified(capsys, monkeypatch):
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', lambda self, name, *args, **kwargs: '/usr/bin/skopeo' if name == 'skopeo' else None)
    monkeypatch.setattr(verifier.Verifier, 'verify', lambda *args: pytest.fail('verified without its tools'))
    code, result = run(capsys, {'images': [{'dest': 'reg.example.com/a:1'}], 'tools': ['skopeo', 'crane']})
    assert code == 1
    assert result['error_type'] == 'ToolMissingError'
    assert result['tool'] == 'crane'
    assert 'install it with the imagefleet.registry.crane role' in result['msg']


def test_tools_are_checked_against_the_choices(capsys):
    code, result = run(capsys, {'images': [{'dest': 'reg.example.com/a:1'}], 'tools': ['regctl']})
    assert code == 1
    assert 'value of tools must be one or more of: skopeo, crane' in result['msg']
