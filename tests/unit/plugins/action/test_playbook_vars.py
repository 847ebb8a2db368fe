# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.imagefleet.registry.plugins.action.playbook_vars import INVENTORY_FACTS, load_specs
from ansible_collections.imagefleet.registry.plugins.plugin_utils._playbook_vars import VariablesError, check_variables

SPECS = load_specs()  # the spec file the collection ships
KNOWN = set(INVENTORY_FACTS).union(*(spec['options'] for spec in SPECS.values()))
REG = 'registry.example.com:5000'


def errors_of(playbook, variables, **kwargs):
    with pytest.raises(VariablesError) as info:
        check_variables(SPECS[playbook], variables, known=KNOWN, **kwargs)
    return info.value.errors


def test_every_playbook_has_a_spec():
    playbooks = pathlib.Path(__file__).resolve().parents[4] / 'playbooks'
    assert set(SPECS) == set(path.stem for path in playbooks.glob('*.yml'))


def test_fetch_reports_needs_its_registry_and_run():
    errors = errors_of('fetch_reports', {'imagefleet_report_dir': '/tmp/r'})
    assert errors == ['`imagefleet_report_registry` is required', '`imagefleet_report_run` is required']
    check_variables(SPECS['fetch_reports'], {'imagefleet_report_registry': REG + '/reports', 'imagefleet_report_run': 4711},
                    known=KNOWN)


def test_valid_variables_are_normalised():
    out = check_variables(SPECS['migrate'], {
        'imagefleet_sources': [{'registry': REG, 'repositories': ['team/*'], 'tags': [1], 'dest_prefix': REG + '/c',
                                'username': 'u', 'password': 'p'}],
        'imagefleet_images': [{'src': REG + '/a:1', 'dest': REG + '/b'}],
        'imagefleet_batch_size': '5',            # -e gives text
        'imagefleet_verify_deep': 'yes',
        'imagefleet_verify_tools': 'skopeo,crane',
        'imagefleet_registry_options': {'ca_path': '/ca.pem', 'registry_credentials': [{'registry': REG, 'username': 'u', 'password': 'p'}]},
        'other_variable': 'not ours',
    }, known=KNOWN)
    assert out['imagefleet_batch_size'] == 5 and out['imagefleet_verify_deep'] is True
    assert out['imagefleet_verify_tools'] == ['skopeo', 'crane']
    assert out['imagefleet_sources'][0]['tags'] == ['1']


def test_typo_in_a_rule_key_names_rule_registry_and_suggestion():
    errors = errors_of('migrate', {'imagefleet_sources': [{'registry': REG, 'repositores': ['team/*']}]})
    assert errors == ['imagefleet_sources[0] (registry %s): unknown key `repositores`: did you mean `repositories`?' % REG]


def test_typo_in_a_variable_and_an_image_entry():
    errors = errors_of('audit', {'imagefleet_formt': 'oci', 'imagefleet_images': [{'src': REG + '/a:1', 'dst': REG + '/b:1'}]})
    assert 'unknown variable `imagefleet_formt`: did you mean `imagefleet_format`?' in errors
    assert 'imagefleet_images[0] (src %s/a:1): unknown key `dst`: did you mean `dest`?' % REG in errors


def test_wrong_types_choices_required_and_exclusive_keys_are_all_listed():
    errors = errors_of('migrate', {
        'imagefleet_batch_size': 'abc',
        'imagefleet_format': 'oic',
        'imagefleet_sources': 'team/*',
        'imagefleet_images': [{'dest': REG + '/b:1'}, {'src': REG + '/a:1', 'format': 'v2s1'}],
        'imagefleet_registry_options': 'ca_path=/x',
        'imagefleet_dest_prefix': 'a', 'imagefleet_dest_registry': REG,
    })
    assert "`imagefleet_batch_size` must be an integer, got a string 'abc'" in errors
    assert "`imagefleet_format` must be one of v2s2, oci, got a string 'oic': did you mean `oci`?" in errors
    assert "`imagefleet_sources` must be a list, got a string 'team/*'" in errors
    assert 'imagefleet_images[0]: `src` is required' in errors
    assert any(e.startswith('imagefleet_images[1] (src %s/a:1): `format` must be one of v2s2, oci' % REG) for e in errors)
    assert "`imagefleet_registry_options` must be a mapping, got a string 'ca_path=/x'" in errors
    assert 'give only one of `imagefleet_dest_prefix`, `imagefleet_dest_registry`' in ' '.join(errors)
    errors = errors_of('migrate', {'imagefleet_sources': [{'registry': REG, 'dest_prefix': 'a', 'dest_registry': REG}, {}],
                                   'imagefleet_batch_size': 0})
    assert any(e.startswith('imagefleet_sources[0] (registry %s): give only one of `dest_prefix`, `dest_registry`' % REG) for e in errors)
    assert 'imagefleet_sources[1]: `registry` is required' in errors
    assert '`imagefleet_batch_size` must be at least 1, got 0' in errors


def test_registry_options_and_references_are_checked():
    errors = errors_of('verify', {'imagefleet_registry_options': {'ca_pth': '/x', 'timeout': 'soon'},
                                  'imagefleet_images': [{'src': 'UPPER/Case', 'dest': REG + '/b:1'}],
                                  'imagefleet_sources': [{'registry': REG + '/team'}]})
    assert 'imagefleet_registry_options: unknown key `ca_pth`: did you mean `ca_path`?' in errors
    assert "imagefleet_registry_options: `timeout` must be an integer, got a string 'soon'" in errors
    assert any(e.startswith('imagefleet_images[0] (src UPPER/Case): `src`: invalid image reference') for e in errors)
    assert any('`registry` must be a registry host[:port]' in e for e in errors)
    # Docker's rule: a name without a dot or port is a Docker Hub namespace, not a registry.
    for registry, valid in (('myhost', False), ('localhost', True), ('Registry.Example.com', True), ('index.docker.io', True),
                            ('10.0.0.1:5000', True), ('[::1]:5000', True), ('https://r.example.com', False), ('', False)):
        rule = {'imagefleet_sources': [{'registry': registry}]}
        if valid:
            check_variables(SPECS['audit'], rule, known=KNOWN)
        else:
            assert errors_of('audit', rule), registry


def test_secrets_never_appear_in_messages():
    errors = errors_of('migrate', {
        'imagefleet_sources': [{'registry': REG, 'password': ['hunter2'], 'pasword': 'hunter3'}],
        'imagefleet_registry_options': {'password': {'x': 'hunter4'},
                                        'registry_credentials': [{'registry': REG, 'username': 'u', 'password': 5.5, 'pass': 'hunter5'}]},
    })
    text = ' '.join(errors)
    assert 'hunter' not in text and '5.5' not in text
    assert 'imagefleet_sources[0] (registry %s): `password` must be a string, got a list' % REG in errors
    assert 'unknown key `pasword`: did you mean `password`?' in text


def test_other_playbooks_variables_and_inventory_facts_are_accepted():
    check_variables(SPECS['install_tools'], {'imagefleet_sources': 'not checked here', 'imagefleet_ref': REG + '/a:1'}, known=KNOWN)
    # Fleet mode: the inventory's imagefleet_format is the image's current format, not a target.
    check_variables(SPECS['migrate'], {'imagefleet_format': 'v2s1', 'imagefleet_ref': REG + '/a:1'}, known=KNOWN,
                    skip=INVENTORY_FACTS)
    errors = errors_of('install_tools', {'imagefleet_tools': ['skopeo', 'cran'], 'imagefleet_tool_host': 'all'})
    assert 'unknown variable `imagefleet_tool_host`: did you mean `imagefleet_tool_hosts`?' in errors
