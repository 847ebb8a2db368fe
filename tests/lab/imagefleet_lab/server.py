# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Start and stop a detached distribution 2.8 registry bound to 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from .auth import AUTH_MODES, LabAuth
from .certs import write_tls_files

REPO_ROOT = Path(__file__).resolve().parents[3]


class ServerError(Exception):
    pass


def registry_binary() -> str:
    """IMAGEFLEET_REGISTRY_BIN, then PATH, then what hacking/ensure-tools.sh unpacked."""
    candidates = [os.environ.get("IMAGEFLEET_REGISTRY_BIN"), shutil.which("docker-registry"),
                  str(REPO_ROOT / ".tools" / "usr" / "bin" / "docker-registry")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServerError("docker-registry not found: run hacking/ensure-tools.sh or set IMAGEFLEET_REGISTRY_BIN")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def registry_config(directory: Path, port: int, auth_section: dict | None, tls: dict | None,
                    access_log: bool = False) -> dict:
    config = {
        "version": "0.1",
        # The access log (one line per request, in registry.log) is how make bench counts requests on loopback.
        "log": {"level": "warn", "accesslog": {"disabled": not access_log}},
        "storage": {
            "filesystem": {"rootdirectory": str(directory / "storage")},
            "delete": {"enabled": True},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": "imagefleet-lab"},
        "compatibility": {"schema1": {"enabled": True}},
    }
    if auth_section:
        config["auth"] = auth_section
    if tls:
        config["http"]["tls"] = {"certificate": tls["certificate"], "key": tls["key"]}
    return config


def ping(url: str, ca_path: str | None = None, timeout: float = 2) -> bool:
    """True when GET /v2/ answers as a registry does (200, or 401 behind auth)."""
    try:
        response = requests.get(url + "/v2/", timeout=timeout, verify=ca_path or True)
    except requests.RequestException:
        return False
    return response.status_code in (200, 401)


def start(directory: Path, auth: LabAuth | None = None, tls: bool = False, wait: float = 20,
          access_log: bool = False) -> dict:
    """Start a registry with its data, config and log under `directory`; return its state (no fixtures)."""
    auth = auth or LabAuth()
    directory.mkdir(parents=True, exist_ok=True)
    tls_files = write_tls_files(directory) if tls else None
    port = free_port()
    config_path = directory / "config.yml"
    # JSON is YAML, and keeps the lab free of a YAML dependency.
    config_path.write_text(json.dumps(registry_config(directory, port, auth.configure(directory), tls_files,
                                                      access_log),
                                      indent=2), encoding="utf-8")
    log_path = directory / "registry.log"
    with open(log_path, "ab") as log:
        # A new session detaches it from the CLI so it outlives `up`; hence no `with`.
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [registry_binary(), "serve", str(config_path)], stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    scheme = "https" if tls else "http"
    state = {
        "registry": f"127.0.0.1:{port}",
        "url": f"{scheme}://127.0.0.1:{port}",
        "pid": process.pid,
        "dir": str(directory),
        "config": str(config_path),
        "log": str(log_path),
        "auth": auth.name,
        "ca_path": tls_files["ca"] if tls_files else None,
        "cert_dir": tls_files["cert_dir"] if tls_files else None,
        "username": auth.username,
        "password": auth.password,
    }
    deadline = time.monotonic() + wait
    while not ping(state["url"], state["ca_path"], timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(state)
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise ServerError(f"registry did not come up on {state['url']}:\n{tail}")
        time.sleep(0.05)
    state.update(auth.start(directory))
    return state


def _is_our_registry(pid: int, config_path: str) -> bool:
    """Guard against a reused pid: the process must be serving our config."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return config_path.encode() in cmdline


def _reap(pid: int) -> None:
    # Only a child of this process needs reaping; otherwise init does it.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop(state: dict, wait: float = 10) -> None:
    """Stop the registry of `state` (and whatever its auth mode started)."""
    pid = state["pid"]
    if _is_our_registry(pid, state["config"]):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while _is_our_registry(pid, state["config"]) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _is_our_registry(pid, state["config"]):
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
    AUTH_MODES[state.get("auth", "none")]().stop(state)
