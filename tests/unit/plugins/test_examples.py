# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every plugin's EXAMPLES is valid YAML as users copy it: several documents are separated by ---, and no mapping
repeats a key (PyYAML would keep the last one silently)."""

from __future__ import annotations

import ast
import glob
import os

import pytest
import yaml

PLUGINS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins'))


class StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node):
    keys = [loader.construct_object(key) for key, _value in node.value]
    duplicates = sorted(set(key for key in keys if keys.count(key) > 1))
    if duplicates:
        raise yaml.constructor.ConstructorError(None, None, 'duplicate keys %s' % duplicates, node.start_mark)
    return loader.construct_mapping(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
StrictLoader.add_constructor('!vault', lambda loader, node: loader.construct_scalar(node))


def examples(path):
    with open(path) as handle:
        for node in ast.parse(handle.read()).body:
            if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'EXAMPLES' for target in node.targets):
                return node.value.value
    return None


@pytest.mark.parametrize('path', sorted(glob.glob(os.path.join(PLUGINS, '*', '*.py'))), ids=os.path.basename)
def test_examples_are_strict_yaml(path):
    text = examples(path)
    if text is None:
        pytest.skip('no EXAMPLES')
    documents = list(yaml.load_all(text, Loader=StrictLoader))
    assert documents and all(documents)
