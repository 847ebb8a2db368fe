# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The state file that tells tests where the lab registry is."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .push import Pusher
from .server import ping


def lab_dir() -> Path:
    """Where lab state lives: $IMAGEFLEET_LAB_DIR (make sets it per checkout), else a folder of this user's own
    under the temp directory, so that a second user on the machine never meets a folder owned by the first."""
    return Path(os.environ.get("IMAGEFLEET_LAB_DIR") or Path(tempfile.gettempdir(), f"imagefleet-lab-{os.getuid()}"))


def default_path() -> str:
    return os.environ.get("IMAGEFLEET_LAB_STATE") or str(lab_dir() / "state.json")


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)  # readers never see a half-written file


def alive(state: dict | None) -> bool:
    return bool(state) and ping(state["url"], state.get("ca_path"))


def pusher_for(state: dict) -> Pusher:
    auth = (state["username"], state["password"]) if state.get("username") else None
    return Pusher(state["url"], auth=auth, ca_path=state.get("ca_path"))
