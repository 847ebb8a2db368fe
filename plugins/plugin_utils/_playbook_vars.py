# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checking a playbook's variables against its spec (meta/playbook_argument_specs.yml), before anything runs.

Pure functions over plain data: the playbook_vars action plugin gathers and templates the
variables and hands them here. The spec has the shape of a role's argument_specs (type,
elements, choices, required, default, options, mutually_exclusive, no_log) plus a few keys
of our own (see the spec file's header). Unlike Ansible's argument validation, every message
names the variable, the position and registry of the rule or image it is in, and the closest
valid name for an unknown one, and never shows the value of a no_log option.
"""

from __future__ import annotations

import difflib
import re

from ansible.module_utils.common.validation import check_type_bool

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import REGISTRY_ARGSPEC

VAR_PREFIX = 'imagefleet_'
_INT_RE = re.compile(r'^\s*[-+]?[0-9]+\s*$')
# Named sets of suboptions a spec can refer to with options_from, so they are written once.
OPTIONS_FROM = {'registry': REGISTRY_ARGSPEC}


class VariablesError(ImagefleetError):
    """One or more variables are invalid; errors lists every message."""

    def __init__(self, errors):
        super().__init__('; '.join(errors))
        self.errors = list(errors)


def suggestion(name, valid):
    """': did you mean `x`?' for the closest valid name, else the valid names."""
    close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
    if close:
        return ': did you mean `%s`?' % close[0]
    return ' (valid: %s)' % ', '.join(sorted(valid))


def _kind(value):
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, dict):
        return 'a mapping'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, (int, float)):
        return 'a number'
    return 'null' if value is None else 'a %s' % type(value).__name__


def _shown(value, spec):
    """How a wrong value is named in a message: scalars of non-secret options, briefly; never a secret."""
    if spec.get('no_log') or isinstance(value, (dict, list, tuple)) or value is None:
        return _kind(value)
    text = str(value)
    return '%s %r' % (_kind(value), text if len(text) <= 60 else text[:57] + '...')


class _Checker:
    def __init__(self):
        self.errors = []

    def error(self, where, message):
        self.errors.append('%s%s' % (where, message))

    def options(self, spec, values, where, mutually_exclusive=()):
        """The normalised mapping; unknown keys, missing required ones and exclusive pairs are errors."""
        out = {}
        for key in values:
            if key not in spec:
                self.error(where, 'unknown key `%s`%s' % (key, suggestion(key, spec)))
        for key, option in spec.items():
            if values.get(key) is None:
                if option.get('required'):
                    self.error(where, '`%s` is required' % key)
                continue
            out[key] = self.value(option, values[key], key, where)
        for group in mutually_exclusive:
            given = [key for key in group if values.get(key) is not None]
            if len(given) > 1:
                self.error(where, 'give only one of %s (got %s)' % (', '.join('`%s`' % k for k in group), ', '.join('`%s`' % k for k in given)))
        return out

    def value(self, spec, value, name, where):
        kind = spec.get('type', 'str')
        checker = getattr(self, '_' + kind, None)
        if checker is None:
            raise ImagefleetError('spec of %s: unsupported type %r' % (name, kind))
        return checker(spec, value, name, where)

    def _fail(self, spec, value, name, where, wanted):
        self.error(where, '`%s` must be %s, got %s' % (name, wanted, _shown(value, spec)))
        return None

    def _choose(self, spec, value, name, where):
        choices = spec.get('choices')
        if choices and value not in choices:
            self.error(where, '`%s` must be one of %s, got %s%s' % (
                name, ', '.join(str(c) for c in choices), _shown(value, spec),
                suggestion(str(value), [str(c) for c in choices]) if not spec.get('no_log') else ''))
        return value

    def _reference(self, spec, value, name, where):
        try:
            if spec.get('reference') == 'image':
                parse_reference(value)
            elif not _is_registry_host(value):
                self.error(where, '`%s` must be a registry host[:port] such as registry.example.com:5000, got %s' % (
                    name, _shown(value, spec)))
        except ImagefleetError as exc:
            self.error(where, '`%s`: %s' % (name, exc.message))
        return value

    def _str(self, spec, value, name, where):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # tags: [1] is YAML's number 1
        if not isinstance(value, str):
            return self._fail(spec, value, name, where, 'a string')
        if spec.get('reference'):
            self._reference(spec, value, name, where)
        return self._choose(spec, value, name, where)

    _path = _str

    def _int(self, spec, value, name, where):
        if isinstance(value, str) and _INT_RE.match(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return self._fail(spec, value, name, where, 'an integer')
        if spec.get('minimum') is not None and value < spec['minimum']:
            self.error(where, '`%s` must be at least %d, got %d' % (name, spec['minimum'], value))
        return self._choose(spec, value, name, where)

    def _bool(self, spec, value, name, where):
        try:
            return check_type_bool(value)
        except TypeError:
            return self._fail(spec, value, name, where, 'a boolean (true or false)')

    def _raw(self, spec, value, name, where):
        return value

    def _list(self, spec, value, name, where):
        elements = spec.get('elements', 'raw')
        if elements == 'str' and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [item.strip() for item in str(value).split(',')]  # -e name=a,b or tags: 5, as module options take it
        if not isinstance(value, (list, tuple)):
            return self._fail(spec, value, name, where, 'a list')
        element_spec = dict(spec, type=elements)
        element_spec.pop('elements', None)
        out = []
        for index, item in enumerate(value):
            item_name = '%s[%d]' % (name, index)
            if elements == 'dict' and isinstance(item, dict):
                item_where = '%s%s%s: ' % (where, item_name, _label(spec, item))
                out.append(self._members(element_spec, item, item_where))
            else:
                out.append(self.value(element_spec, item, item_name, where))
        return out

    def _dict(self, spec, value, name, where):
        if not isinstance(value, dict):
            return self._fail(spec, value, name, where, 'a mapping')
        return self._members(spec, value, '%s%s: ' % (where, name))

    def _members(self, spec, value, where):
        options = OPTIONS_FROM[spec['options_from']] if spec.get('options_from') else spec.get('options')
        if options is None:
            return value
        return self.options(options, value, where, spec.get('mutually_exclusive') or ())


def _is_registry_host(value):
    """Whether value names a registry as image references do (a host with a dot or a port, or localhost)."""
    if '/' in value or not value:
        return False
    try:
        registry = parse_reference('%s/probe' % value).registry
    except ImagefleetError:
        return False
    # Docker's rule: a first component without a dot or port is a Docker Hub namespace, not a registry.
    return registry == value or value == 'index.docker.io'


def _label(spec, item):
    """' (registry r)' for a rule, ' (src r/a:1)' for an image: what an item of a list of mappings is called."""
    key = spec.get('label')
    if key and isinstance(item, dict) and isinstance(item.get(key), str) and item.get(key):
        return ' (%s %s)' % (key, item[key])
    return ''


def check_variables(spec, variables, known=(), skip=()):
    """Check the imagefleet_* variables against a playbook spec; return them normalised.

    spec: the playbook's entry of argument_specs ({options, mutually_exclusive}).
    variables: name -> value (already templated); names without the prefix are ignored.
    known: other names that are not errors (other playbooks' variables, inventory facts).
    skip: names whose value is not checked here (an image inventory's own facts).
    Raises VariablesError listing every problem.
    """
    options = spec.get('options') or {}
    checker = _Checker()
    given = {}
    for name in sorted(variables):
        if not name.startswith(VAR_PREFIX) or name in skip:
            continue
        if name in options:
            given[name] = variables[name]
        elif name not in known:
            checker.error('', 'unknown variable `%s`%s' % (name, suggestion(name, set(options) | set(known))))
    normalised = checker.options(dict((k, v) for k, v in options.items() if k not in skip), given, '',
                                 spec.get('mutually_exclusive') or ())
    if checker.errors:
        raise VariablesError(checker.errors)
    return normalised
