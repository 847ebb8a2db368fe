# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""make bench only: the wall-clock start of every task and the end of every loop item, one JSON line each, to the
file $BENCH_TIMELINE. bench.py reads the batch boundaries of migrate.yml from it (the progress lines carry no time)."""

from __future__ import annotations

DOCUMENTATION = """
name: bench_timeline
type: aggregate
short_description: task start times to a JSON lines file (make bench)
description:
  - "Writes one JSON object per line (t: epoch seconds, event: start, task, item or end, name: the task name) to
    the file named by the environment variable BENCH_TIMELINE. Used by bench/bench.py only; not shipped."
requirements:
  - enabled in the bench's ansible-playbook runs (ANSIBLE_CALLBACKS_ENABLED=bench_timeline)
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TIMELINE")

    def _write(self, event: str, name: str = "") -> None:
        if self._path:
            with open(self._path, "a", encoding="utf-8") as timeline:
                timeline.write(json.dumps({"t": time.time(), "event": event, "name": name}) + "\n")

    def v2_playbook_on_start(self, playbook):
        self._write("start")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write("task", task.get_name())

    def v2_runner_item_on_ok(self, result):
        self._write("item", result.task_name)

    def v2_runner_item_on_failed(self, result):
        self._write("item", result.task_name)

    def v2_playbook_on_stats(self, stats):
        self._write("end")
