# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""legacy_format: whether a manifest format is one the next engines refuse (documented in legacy_format.yml)."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._image.media_types import LEGACY_FORMATS


def legacy_format(value):
    return value in LEGACY_FORMATS


class TestModule:
    def tests(self):
        return {'legacy_format': legacy_format}
