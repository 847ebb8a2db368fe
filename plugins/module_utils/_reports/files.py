# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Local files written whole and atomically, only when their content changes."""

from __future__ import annotations

import os
import tempfile


def read_bytes(path):
    """The file's bytes, or None when it cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_atomic(module, path, data):
    """Write bytes through a temporary file in the same directory and module.atomic_move (readers never see half)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix='.%s.' % os.path.basename(path))
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
    module.atomic_move(tmp, path)


def write_if_changed(module, path, data):
    """True when path did not hold data; written unless in check mode."""
    if read_bytes(path) == data:
        return False
    if not module.check_mode:
        write_atomic(module, path, data)
    return True
