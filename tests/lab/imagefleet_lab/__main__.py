# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""CLI: `python -m imagefleet_lab up|down|fleet|...` (run with PYTHONPATH=tests/lab)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from . import bomb, faultproxy, fixtures, fleet, hostile, latency, quirkproxy, server, spawn, state, tokenissuer
from .auth import AUTH_MODES
from .certs import write_tls_files


def cmd_up(args) -> dict:
    path = Path(args.state)
    current = state.load(path)
    if state.alive(current):
        return current
    if current:
        server.stop(current)  # stale: a dead or unreachable registry from an earlier run
    if args.auth != "none" and not (args.user and args.password):
        raise SystemExit("--auth htpasswd needs --user and --password")
    auth = AUTH_MODES[args.auth](args.user, args.password, token_lifetime=args.token_lifetime,
                                 token_advertised=args.token_advertised, token_last_scope=args.token_last_scope)
    # A fresh data dir each time: fixtures are re-pushed and old uploads do not linger.
    directory = path.parent / "lab"
    shutil.rmtree(directory, ignore_errors=True)
    lab = server.start(directory, auth=auth, tls=args.tls, access_log=args.access_log)
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


def cmd_issuer(args) -> dict:
    tokenissuer.serve(args.config, args.port, args.lifetime)
    return {"stopped": True}


def cmd_proxy_serve(args) -> dict:
    faultproxy.serve(args.upstream, json.loads(args.rules), args.port, args.lifetime)
    return {"stopped": True}


def cmd_proxy(args) -> dict:
    """Start (idempotent per state file) or stop a fault proxy in front of a registry."""
    path = Path(args.state)
    current = state.load(path)
    if args.action == "down":
        if current:
            spawn.stop(current["pid"], current["marker"])
            path.unlink()
        return {"stopped": bool(current)}
    if current:
        spawn.stop(current["pid"], current["marker"])
    path.parent.mkdir(parents=True, exist_ok=True)
    port = spawn.free_port()
    url = f"http://127.0.0.1:{port}"
    marker = str(path)
    pid = spawn.start(["proxy-serve", "--upstream", args.upstream, "--port", str(port), "--rules", args.rules,
                       "--lifetime", str(args.lifetime), "--marker", marker],
                      url + faultproxy.CONTROL + "stats", path.with_suffix(".log"))
    proxy = {"registry": f"127.0.0.1:{port}", "url": url, "pid": pid, "upstream": args.upstream, "marker": marker}
    state.save(path, proxy)
    return proxy


def cmd_latency(args) -> dict:
    """Start (replacing one of the same state file) or stop a latency proxy (latency.py) in front of a registry."""
    path, directory, current = _fresh_helper(args)
    if directory is None:
        return {"stopped": bool(current)}
    if not args.upstream:
        raise SystemExit("latency up needs --upstream (host:port or http://host:port of the registry)")
    upstream = args.upstream.split("://", 1)[-1].rstrip("/")
    port = spawn.free_port()
    url = f"http://127.0.0.1:{port}"
    marker = str(path)
    pid = spawn.start(["latency-serve", "--upstream", upstream, "--port", str(port), "--delay-ms", str(args.delay_ms),
                       "--lifetime", str(args.lifetime), "--marker", marker],
                      url + latency.CONTROL + "stats", path.with_suffix(".log"))
    proxy = {"registry": f"127.0.0.1:{port}", "url": url, "pid": pid, "upstream": upstream, "marker": marker,
             "delay_ms": args.delay_ms, "control": url + latency.CONTROL}
    state.save(path, proxy)
    return proxy


def cmd_latency_serve(args) -> dict:
    latency.serve(args.upstream, args.delay_ms, args.port, args.lifetime)
    return {"stopped": True}


def _fresh_helper(args) -> tuple:
    """Stop the helper process of args.state if one runs: (state path, the folder for its files, what ran before);
    the folder is None for `down`."""
    path = Path(args.state)
    current = state.load(path)
    if current:
        spawn.stop(current["pid"], current["marker"])
        path.unlink()
    if args.action == "down":
        return path, None, current
    directory = path.parent / (path.stem + "-files")
    directory.mkdir(parents=True, exist_ok=True)
    return path, directory, current


def cmd_quirks(args) -> dict:
    """Start (replacing one of the same state file) or stop a quirk proxy with its storage host and forward proxy."""
    path, directory, current = _fresh_helper(args)
    if directory is None:
        return {"stopped": bool(current)}
    ports = [spawn.free_port() for _server in range(3)]
    marker = str(path)
    argv = ["quirks-serve", "--upstream", args.upstream, "--ports", ",".join(map(str, ports)),
            "--lifetime", str(args.lifetime)]
    scheme = "http"
    answer = {}
    if args.tls:
        # The registry's certificate from one CA (given as ca_path), the storage host's from another
        # (the "public" CA a default trust would hold).
        for sub in ("registry-tls", "storage-tls"):
            (directory / sub).mkdir(exist_ok=True)
        registry_tls = write_tls_files(directory / "registry-tls")
        storage_tls = write_tls_files(directory / "storage-tls", address=quirkproxy.STORAGE_HOST)
        argv += ["--tls", ",".join([registry_tls["certificate"], registry_tls["key"],
                                    storage_tls["certificate"], storage_tls["key"]])]
        scheme = "https"
        answer.update(ca_path=registry_tls["ca"], storage_ca_path=storage_tls["ca"])
    url = f"{scheme}://127.0.0.1:{ports[0]}"
    pid = spawn.start(argv + ["--marker", marker], url + faultproxy.CONTROL + "stats", path.with_suffix(".log"),
                      verify=answer.get("ca_path", True))
    answer.update(registry=f"127.0.0.1:{ports[0]}", url=url, pid=pid, upstream=args.upstream, marker=marker,
                  storage=f"{quirkproxy.STORAGE_HOST}:{ports[1]}", forward_proxy=f"http://127.0.0.1:{ports[2]}")
    state.save(path, answer)
    return answer


def cmd_quirks_serve(args) -> dict:
    ports = [int(p) for p in args.ports.split(",")]
    files = args.tls.split(",") if args.tls else None
    quirkproxy.serve(args.upstream, *ports, lifetime=args.lifetime, proxy_tls=tuple(files[:2]) if files else None,
                     storage_tls=tuple(files[2:]) if files else None)
    return {"stopped": True}


def cmd_hostile(args) -> dict:
    """Start (anew) or stop the hostile registry (hostile.py); its config, certificates and log sit beside --state."""
    path, directory, current = _fresh_helper(args)
    if directory is None:
        return {"stopped": bool(current)}
    tls = write_tls_files(directory, extra=("127.0.0.2",))
    config = {"user": args.user, "password": args.password, "certificate": tls["certificate"], "key": tls["key"],
              "listeners": hostile.listeners()}
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    marker = str(path)
    control = "http://%s%sreset" % (hostile.registry_of(config, "plain"), hostile.CONTROL)
    pid = spawn.start(["hostile-serve", "--config", str(config_path), "--lifetime", str(args.lifetime), "--marker", marker],
                      control, path.with_suffix(".log"))
    found = {"pid": pid, "marker": marker, "ca_path": tls["ca"], "user": args.user, "password": args.password,
             "control": control.rsplit("/", 1)[0] + "/", "bad_digests": list(hostile.BAD_DIGESTS),
             "catalog": hostile.CATALOG, "bad_tags": hostile.BAD_TAGS, "token": hostile.TOKEN,
             "registries": {name: hostile.registry_of(config, name) for name in config["listeners"]}}
    state.save(path, found)
    return found


def cmd_hostile_serve(args) -> dict:
    hostile.serve(args.config, args.lifetime)
    return {"stopped": True}


def cmd_bomb(args) -> dict:
    current = state.load(Path(args.state))
    if not state.alive(current):
        raise SystemExit(f"no running lab in {args.state}: run `up` first")
    return bomb.push_all(state.pusher_for(current), current["registry"], Path(args.cache))


def cmd_run_killed(args) -> dict:
    return spawn.run_and_kill(args.argv, args.after)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="imagefleet_lab", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the lab registry and seed fixtures (idempotent)")
    up.add_argument("--auth", choices=sorted(AUTH_MODES), default="none")
    up.add_argument("--user")
    up.add_argument("--password")
    up.add_argument("--tls", action="store_true", help="serve HTTPS with a lab CA (state ca_path)")
    up.add_argument("--no-fixtures", action="store_true")
    up.add_argument("--access-log", action="store_true", help="the registry logs every request to its registry.log")
    up.add_argument("--token-lifetime", type=int, help="--auth token: seconds a token really lasts")
    up.add_argument("--token-advertised", type=int, help="--auth token: expires_in announced (may lie)")
    up.add_argument("--token-last-scope", action="store_true",
                    help="--auth token: the issuer honours only the last scope of a request")
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

    proxy = _proxy_command(commands, "proxy", "start or stop a fault-injecting proxy (faultproxy.py)", cmd_proxy)
    proxy.add_argument("--rules", default="[]", help="JSON list of fault rules")

    proxy_serve = commands.add_parser("proxy-serve", help=argparse.SUPPRESS)
    proxy_serve.add_argument("--upstream", required=True)
    proxy_serve.add_argument("--port", type=int, required=True)
    proxy_serve.add_argument("--rules", default="[]")
    proxy_serve.add_argument("--lifetime", type=float, default=900)
    proxy_serve.add_argument("--marker", help="identifies the process for `proxy down`")
    proxy_serve.set_defaults(func=cmd_proxy_serve)

    quirks = _proxy_command(commands, "quirks", "start or stop a quirk proxy, its storage host and forward proxy (quirkproxy.py)",
                            cmd_quirks)
    quirks.add_argument("--tls", action="store_true", help="HTTPS proxy (lab CA) and storage host (a second CA)")

    quirks_serve = commands.add_parser("quirks-serve", help=argparse.SUPPRESS)
    quirks_serve.add_argument("--upstream", required=True)
    quirks_serve.add_argument("--ports", required=True)
    quirks_serve.add_argument("--tls")
    quirks_serve.add_argument("--lifetime", type=float, default=900)
    quirks_serve.add_argument("--marker")
    quirks_serve.set_defaults(func=cmd_quirks_serve)

    bad = _proxy_command(commands, "hostile", "start or stop a registry that misbehaves on purpose (hostile.py)", cmd_hostile)
    bad.add_argument("--user", default="hostile-user")
    bad.add_argument("--password", default="hostile-password")

    bad_serve = commands.add_parser("hostile-serve", help=argparse.SUPPRESS)
    bad_serve.add_argument("--config", required=True)
    bad_serve.add_argument("--lifetime", type=float, default=900)
    bad_serve.add_argument("--marker", help="identifies the process for `hostile down`")
    bad_serve.set_defaults(func=cmd_hostile_serve)

    slow = _proxy_command(commands, "latency", "start or stop a proxy that delays every request by one round trip and "
                          "counts them (latency.py)", cmd_latency)
    slow.add_argument("--delay-ms", type=float, default=20, help="the round trip every request waits, milliseconds")

    slow_serve = commands.add_parser("latency-serve", help=argparse.SUPPRESS)
    slow_serve.add_argument("--upstream", required=True)
    slow_serve.add_argument("--port", type=int, required=True)
    slow_serve.add_argument("--delay-ms", type=float, default=20)
    slow_serve.add_argument("--lifetime", type=float, default=900)
    slow_serve.add_argument("--marker", help="identifies the process for `latency down`")
    slow_serve.set_defaults(func=cmd_latency_serve)

    bombs = commands.add_parser("bomb", help="push schema 1 images with decompression-bomb layers to the running lab")
    bombs.add_argument("--state", default=state.default_path(), help="state file of the lab (env IMAGEFLEET_LAB_STATE)")
    bombs.add_argument("--cache", required=True, help="folder keeping the compressed layers between runs")
    bombs.set_defaults(func=cmd_bomb)

    killed = commands.add_parser("run-killed", help="run a command, SIGKILL it and all it started after --after seconds")
    killed.add_argument("--after", type=float, required=True)
    killed.add_argument("argv", nargs="+")
    killed.set_defaults(func=cmd_run_killed)

    issuer = commands.add_parser("issuer", help=argparse.SUPPRESS)
    issuer.add_argument("--port", type=int, required=True)
    issuer.add_argument("--lifetime", type=float, default=3600)
    issuer.add_argument("--config", required=True)
    issuer.set_defaults(func=cmd_issuer)
    return top


def _proxy_command(commands, name: str, text: str, func):
    """`NAME up|down --state --upstream --lifetime`, the shape of every helper proxy's command."""
    sub = commands.add_parser(name, help=text)
    sub.add_argument("action", choices=["up", "down"])
    sub.add_argument("--state", required=True, help="the proxy's own state file")
    sub.add_argument("--upstream", help="host:port of the registry behind it")
    sub.add_argument("--lifetime", type=float, default=900, help="seconds before it exits on its own")
    sub.set_defaults(func=func)
    return sub


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    json.dump(args.func(args), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
