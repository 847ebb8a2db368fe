# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""examples/awx checked against the formats AWX imports: the custom credential type (inputs and injectors, as
AWX's CredentialTypeInputField / CredentialTypeInjectorField validate them), the survey spec (the keys AWX's
survey_spec endpoint requires), and the collection requirements of a project sync."""

from __future__ import annotations

import json
import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
AWX = os.path.join(ROOT, 'examples', 'awx')
NAME = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
SURVEY_TYPES = {'text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect'}


def load(name):
    with open(os.path.join(AWX, name)) as handle:
        return json.load(handle) if name.endswith('.json') else yaml.safe_load(handle)


def credential_type_problems(doc):
    problems = []
    if doc.get('kind') not in ('cloud', 'net'):
        problems.append('kind must be cloud or net for a custom credential type')
    inputs, injectors = doc.get('inputs') or {}, doc.get('injectors') or {}
    problems += ['inputs: unknown key %s' % key for key in set(inputs) - {'fields', 'required'}]
    ids = []
    for field in inputs.get('fields') or []:
        problems += ['field %s: unknown key %s' % (field.get('id'), key) for key in set(field) - FIELD_KEYS]
        if not NAME.match(field.get('id') or '') or field.get('id') == 'tower' or not isinstance(field.get('label'), str):
            problems.append('field %r: needs an id (a variable name, not tower) and a label' % field.get('id'))
        if field.get('type', 'string') not in ('string', 'boolean'):
            problems.append('field %s: type must be string or boolean' % field['id'])
        ids.append(field.get('id'))
    if len(ids) != len(set(ids)):
        problems.append('field ids must be unique')
    problems += ['required: %s is not a field' % name for name in inputs.get('required') or [] if name not in ids]
    problems += ['injectors: unknown kind %s' % key for key in set(injectors) - {'env', 'extra_vars', 'file'}]
    namespace = dict((field_id, 'EXAMPLE') for field_id in ids)
    for kind in ('env', 'extra_vars'):
        for key, template in (injectors.get(kind) or {}).items():
            if not NAME.match(key) or (kind == 'env' and key.startswith('ANSIBLE_')) or not isinstance(template, str):
                problems.append('%s %s: not allowed' % (kind, key))
                continue
            ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(namespace)
    return problems


def survey_problems(doc):
    problems = ['survey: %s must be a string' % key for key in ('name', 'description') if not isinstance(doc.get(key), str)]
    spec = doc.get('spec')
    if not isinstance(spec, list) or not spec:
        return problems + ['survey: spec must be a non-empty list']
    variables = set()
    for index, item in enumerate(spec):
        problems += ['question %d: %s missing' % (index, key) for key in ('type', 'question_name', 'variable', 'required')
                     if key not in item]
        if item.get('variable') in variables:
            problems.append('question %d: variable %s duplicated' % (index, item.get('variable')))
        variables.add(item.get('variable'))
        kind, default = item.get('type'), item.get('default')
        if kind not in SURVEY_TYPES:
            problems.append('question %d: unknown type %s' % (index, kind))
        if kind in ('multiplechoice', 'multiselect'):
            choices = item.get('choices')
            choices = choices.split('\n') if isinstance(choices, str) else choices
            if not choices or (default not in (None, '') and default not in choices):
                problems.append('question %d: choices missing or default %r not one of them' % (index, default))
        if kind == 'integer' and default not in (None, '') and not isinstance(default, int):
            problems.append('question %d: integer default %r' % (index, default))
        if kind in ('text', 'textarea', 'password') and default is not None and not isinstance(default, str):
            problems.append('question %d: text default %r' % (index, default))
    return problems


def test_credential_type_is_what_awx_imports():
    assert credential_type_problems(load('credential-type.yml')) == []


def test_credential_type_injects_the_registry_options_the_wrappers_read():
    doc = load('credential-type.yml')
    template = doc['injectors']['env']['IMAGEFLEET_REGISTRY_OPTIONS']
    rendered = ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(
        registry='registry.example.com:5000', username='svc', password='p"w\\ü')
    assert rendered.isascii()
    assert json.loads(rendered) == {'registry_credentials': [
        {'registry': 'registry.example.com:5000', 'username': 'svc', 'password': 'p"w\\ü'}]}
    assert [field['id'] for field in doc['inputs']['fields'] if field.get('secret')] == ['password']
    for wrapper in ('audit.yml', 'migrate.yml', 'verify.yml', 'fetch_reports.yml'):
        assert 'IMAGEFLEET_REGISTRY_OPTIONS' in load(wrapper)[0]['vars']['imagefleet_registry_options']


@pytest.mark.parametrize('broken, problem', [
    ({'inputs': {'fields': [{'id': 'tower', 'label': 'x'}]}}, 'not tower'),
    ({'inputs': {'fields': [{'id': 'a', 'label': 'A', 'kind': 'x'}]}}, 'unknown key kind'),
    ({'injectors': {'env': {'ANSIBLE_X': '{{ a }}'}}}, 'not allowed'),
    ({'inputs': {'fields': [], 'required': ['a']}}, 'required: a'),
])
def test_the_checks_catch_what_awx_refuses(broken, problem):
    doc = dict({'kind': 'cloud', 'inputs': {'fields': [{'id': 'a', 'label': 'A'}]}, 'injectors': {}}, **broken)
    assert any(problem in text for text in credential_type_problems(doc)), credential_type_problems(doc)


def test_survey_is_valid_for_the_awx_api():
    assert survey_problems(load('migrate-survey.json')) == []
    assert survey_problems({'name': 'x', 'description': '', 'spec': [{'type': 'text', 'variable': 'a'}]}) == \
        ['question 0: question_name missing', 'question 0: required missing']


def test_project_requirements_install_this_collection_from_source():
    for path in (os.path.join(AWX, 'collections', 'requirements.yml'), os.path.join(ROOT, 'collections', 'requirements.yml')):
        if not os.path.exists(path):
            continue  # the root one is not part of the collection tarball
        with open(path) as handle:
            entries = yaml.safe_load(handle)['collections']
        assert len(entries) == 1 and entries[0]['type'] in ('git', 'dir'), entries
