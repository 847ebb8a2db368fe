# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Things a run had to put up with that the user should hear about (long waits a registry asked for,
fallbacks to another upload protocol). Module runs turn them into Ansible warnings (_module.py).

One module run is one process (an Ansible worker process when it runs there, plugin_utils/_in_process.py), so a
process-wide list is enough; it is deduplicated and bounded, and taken at the end of each run.
"""

from __future__ import annotations

import os
import threading

_MAX_NOTICES = 50
_lock = threading.Lock()
_notices: list[str] = []


def _forget():
    """A forked child (Ansible's worker) starts with none of its parent's notices, and a lock nobody holds."""
    global _lock  # pylint: disable=global-statement
    _lock = threading.Lock()
    del _notices[:]


os.register_at_fork(after_in_child=_forget)


def notice(text):
    """Record text once."""
    with _lock:
        if text not in _notices and len(_notices) < _MAX_NOTICES:
            _notices.append(text)


def take():
    """Every notice recorded so far, forgetting them."""
    with _lock:
        taken = list(_notices)
        del _notices[:]
    return taken
