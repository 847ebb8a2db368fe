# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry auth modes. Each mode writes what it needs and returns the `auth:` config section.

A token mode (an issuer process plus `auth.token`) fits here later: subclass LabAuth,
return the token section from configure(), start the issuer in start(), stop it in stop().
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class LabAuth:
    """No auth: anonymous pull and push."""

    name = "none"

    def __init__(self, username: str | None = None, password: str | None = None):
        self.username = username
        self.password = password

    def configure(self, directory: Path) -> dict:
        """Write files under `directory`; return the registry's `auth` section (empty for none)."""
        del directory
        return {}

    def start(self, directory: Path) -> dict:
        """Start helper processes (an issuer); return extra state to keep. Nothing to do here."""
        del directory
        return {}

    def stop(self, state: dict) -> None:
        """Stop what start() started."""
        del state

    def credentials(self) -> tuple | None:
        return (self.username, self.password) if self.username else None


def bcrypt_line(username: str, password: str) -> str:
    """One htpasswd line with a bcrypt hash (the only scheme distribution accepts)."""
    tool = shutil.which("htpasswd")
    if tool:
        out = subprocess.run([tool, "-Bbn", username, password], check=True, capture_output=True, text=True)
        return out.stdout.strip()
    try:
        import bcrypt  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise RuntimeError("htpasswd auth needs `htpasswd` (apache2-utils) or the bcrypt module") from exc
    return f"{username}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}"


class HtpasswdAuth(LabAuth):
    """Basic auth against a bcrypt htpasswd file."""

    name = "htpasswd"

    def configure(self, directory: Path) -> dict:
        path = directory / "htpasswd"
        path.write_text(bcrypt_line(self.username, self.password) + "\n", encoding="utf-8")
        return {"htpasswd": {"realm": "imagefleet-lab", "path": str(path)}}


AUTH_MODES = {mode.name: mode for mode in (LabAuth, HtpasswdAuth)}
