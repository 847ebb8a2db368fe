# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Registry auth modes. Each mode writes what it needs and returns the `auth:` config section.

TokenAuth runs a small issuer process (tokenissuer.py) next to the registry.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from . import spawn
from .tokenissuer import write_key_and_cert


class LabAuth:
    """No auth: anonymous pull and push."""

    name = "none"

    def __init__(self, username: str | None = None, password: str | None = None, **options):
        self.username = username
        self.password = password
        self.options = options

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


class TokenAuth(LabAuth):
    """`auth: token` with a lab issuer: the user may pull and push, `reader` (same password) only
    pull, anonymous only pull. Options: token_lifetime (real, seconds), token_advertised (expires_in),
    token_last_scope (the issuer honours only the last scope of a request)."""

    name = "token"
    reader = "reader"

    def configure(self, directory: Path) -> dict:
        files = write_key_and_cert(directory)
        self.options["port"] = port = spawn.free_port()
        lifetime = int(self.options.get("token_lifetime") or 300)
        config = {
            "issuer": "lab-issuer", "service": "lab-registry", "key": files["key"],
            "users": {self.username: {"password": self.password, "actions": ["pull", "push"]},
                      self.reader: {"password": self.password, "actions": ["pull"]}},
            "anonymous": ["pull"], "lifetime": lifetime,
            "advertised": int(self.options.get("token_advertised") or lifetime),
            "token_log": str(directory / "issued-tokens.log"),
            "last_scope_only": bool(self.options.get("token_last_scope")),
        }
        config_path = directory / "issuer.json"
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        config_path.chmod(0o600)
        return {"token": {"realm": f"http://127.0.0.1:{port}/token", "service": "lab-registry",
                          "issuer": "lab-issuer", "rootcertbundle": files["cert"]}}

    def start(self, directory: Path) -> dict:
        config_path = str(directory / "issuer.json")
        url = f"http://127.0.0.1:{self.options['port']}"
        pid = spawn.start(["issuer", "--port", str(self.options["port"]), "--config", config_path],
                          url + "/stats", directory / "issuer.log")
        return {"issuer_pid": pid, "issuer_url": url, "issuer_config": config_path,
                "token_log": str(directory / "issued-tokens.log"), "reader_username": self.reader}

    def stop(self, state: dict) -> None:
        spawn.stop(state.get("issuer_pid"), state.get("issuer_config", ""))


AUTH_MODES = {mode.name: mode for mode in (LabAuth, HtpasswdAuth, TokenAuth)}
