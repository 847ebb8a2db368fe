# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Manifests recorded from the lab registry (fixtures/recorded.json says which headers came with each)."""

from __future__ import annotations

import json
import os

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
with open(os.path.join(FIXTURES, 'recorded.json')) as _index:
    RECORDED = json.load(_index)


def recorded(name):
    """(raw bytes, Content-Type, Docker-Content-Digest) of a recorded manifest."""
    entry = RECORDED[name]
    with open(os.path.join(FIXTURES, entry['file']), 'rb') as body:
        return body.read(), entry['content_type'], entry['docker_content_digest']
