# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""image_report: the module, run in the worker process when its task runs on the controller (plugin_utils/_in_process.py)."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.modules import image_report
from ansible_collections.imagefleet.registry.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = image_report
