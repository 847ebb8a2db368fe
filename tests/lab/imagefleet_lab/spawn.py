# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Detached helper processes of the lab (token issuer, fault proxy): start, wait until up, stop by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

LAB_PATH = str(Path(__file__).resolve().parents[1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list, probe_url: str, log_path: Path, wait: float = 15, verify=True) -> int:
    """Run `python -m imagefleet_lab ARGS` detached; return its pid once probe_url answers."""
    env = dict(os.environ, PYTHONPATH=LAB_PATH)
    with open(log_path, "ab") as log:
        # A new session: it outlives the CLI call that started it, and is stopped by pid.
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "imagefleet_lab"] + args, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, env=env)
    deadline = time.monotonic() + wait
    while True:
        try:
            requests.get(probe_url, timeout=1, verify=verify)
            return process.pid
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process.pid, args[-1])
            raise RuntimeError(f"{args[0]} did not come up: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)


def _is_ours(pid: int, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False


def stop(pid: int | None, marker: str) -> None:
    """Stop pid if it still runs our command line (marker is one of its arguments)."""
    if not pid or not _is_ours(pid, marker):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while _is_ours(pid, marker) and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    if _is_ours(pid, marker):
        os.kill(pid, signal.SIGKILL)


def _children() -> dict:
    """ppid -> [pid] for every process we can see."""
    tree: dict = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def run_and_kill(argv: list, after: float) -> dict:
    """Run argv; after `after` seconds SIGKILL it and every process it started (an ansible-playbook's
    workers and module processes do not all share its process group). Returns what happened."""
    # Its output goes to stderr: stdout carries our JSON answer.
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=sys.stderr)  # pylint: disable=consider-using-with
    try:
        return {"rc": process.wait(timeout=after), "killed": []}
    except subprocess.TimeoutExpired:
        pass
    # Freeze the tree first so nothing forks or re-parents while it is being killed.
    victims = [process.pid] + descendants(process.pid)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass
    victims = sorted(set(victims + descendants(process.pid)))
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    return {"rc": process.returncode, "killed": victims}
