# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every test starts as a fresh module process would: nothing hashed yet."""

from __future__ import annotations

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion import blobs


@pytest.fixture(autouse=True)
def nothing_hashed_yet():
    blobs._HASHED.clear()  # pylint: disable=protected-access
    yield
    blobs._HASHED.clear()  # pylint: disable=protected-access
