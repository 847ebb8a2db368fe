# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""CLI: `python -m imagefleet_lab up|down|fleet` (run with PYTHONPATH=tests/lab)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from . import fixtures, fleet, server, state
from .auth import AUTH_MODES


def cmd_up(args) -> dict:
    path = Path(args.state)
    current = state.load(path)
    if state.alive(current):
        return current
    if current:
        server.stop(current)  # stale: a dead or unreachable registry from an earlier run
    if args.auth != "none" and not (args.user and args.password):
        raise SystemExit("--auth htpasswd needs --user and --password")
    auth = AUTH_MODES[args.auth](args.user, args.password)
    # A fresh data dir each time: fixtures are re-pushed and old uploads do not linger.
    directory = path.parent / "lab"
    shutil.rmtree(directory, ignore_errors=True)
    lab = server.start(directory, auth=auth, tls=args.tls)
    try:
        lab["fixtures"] = {} if args.no_fixtures else fixtures.push_all(state.pusher_for(lab), lab["registry"])
    except Exception:
        server.stop(lab)
        raise
    state.save(path, lab)
    return lab


def cmd_down(args) -> dict:
    path = Path(args.state)
    current = state.load(path)
    if current:
        server.stop(current)
        path.unlink()
        if args.purge:
            shutil.rmtree(current["dir"], ignore_errors=True)
    return {"stopped": bool(current), "purged": bool(current and args.purge)}


def cmd_fleet(args) -> dict:
    current = state.load(Path(args.state))
    if not state.alive(current):
        raise SystemExit(f"no running lab in {args.state}: run `up` first")
    return fleet.build(state.pusher_for(current), current["registry"], args.count, args.base_mb, args.own_mb,
                       tags_per_repo=args.tags_per_repo, prefix=args.prefix, workers=args.workers)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="imagefleet_lab", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the lab registry and seed fixtures (idempotent)")
    up.add_argument("--auth", choices=sorted(AUTH_MODES), default="none")
    up.add_argument("--user")
    up.add_argument("--password")
    up.add_argument("--tls", action="store_true", help="serve HTTPS with a lab CA (state ca_path)")
    up.add_argument("--no-fixtures", action="store_true")
    up.set_defaults(func=cmd_up)

    down = commands.add_parser("down", help="stop the lab registry and remove the state file")
    down.add_argument("--purge", action="store_true", help="also delete the data directory")
    down.set_defaults(func=cmd_down)

    build = commands.add_parser("fleet", help="push a synthetic schema 1 fleet to the running lab")
    build.add_argument("--count", type=int, required=True)
    build.add_argument("--base-mb", type=float, default=8.0)
    build.add_argument("--own-mb", type=float, default=1.0)
    build.add_argument("--tags-per-repo", type=int, default=1)
    build.add_argument("--prefix", default="fleet")
    build.add_argument("--workers", type=int, default=4)
    build.set_defaults(func=cmd_fleet)

    for sub in (up, down, build):
        sub.add_argument("--state", default=state.default_path(), help="state file (env IMAGEFLEET_LAB_STATE)")
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    json.dump(args.func(args), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
