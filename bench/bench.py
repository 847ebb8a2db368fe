# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`make bench`: imagefleet.registry side by side with skopeo, on one lab registry, in one run.

Run through bench/run.sh (which stops the labs and the latency proxy whatever happens). Sizes come from the
environment: BENCH_IMAGES (200), BENCH_TAGS_PER_REPO (5), BENCH_BIG_LAYER_MB (1024), BENCH_SMALL_LAYER_MB (10),
BENCH_BASE_MB (8), BENCH_OWN_MB (2), BENCH_BATCH_SIZE (migrate.yml's default), BENCH_SKOPEO_PARALLEL (4), BENCH_LATENCY_MS (20),
BENCH_LATENCY_IMAGES (100), BENCH_SAME_TAGS (50), BENCH_CHECK_TAGS (5000), BENCH_CHECK_IMAGES (100), BENCH_CHECK_BATCH_SIZE (10), BENCH_OUT
(bench/out). Logs of every step are in BENCH_OUT/logs; the figures in BENCH_OUT/results.json, bench/results.md, .svg.

Requests are counted without slowing anyone down on loopback: the lab registries run with their access log on
(distribution writes one line per request) and each step's share of it is classified afterwards; in the latency
scenario the proxy, which every request crosses anyway, counts them.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "lab"))

import report  # noqa: E402  pylint: disable=wrong-import-position
from imagefleet_lab.latency import classify  # noqa: E402  pylint: disable=wrong-import-position

SKOPEO_CACHE = Path("/var/lib/containers/cache")
SKOPEO_COPY = ["skopeo", "copy", "--format", "v2s2", "--src-tls-verify=false", "--dest-tls-verify=false"]


@dataclasses.dataclass
class Config:
    images: int = 200
    tags_per_repo: int = 5
    big_layer_mb: int = 1024
    small_layer_mb: int = 10
    base_mb: float = 8.0
    own_mb: float = 2.0
    batch_size: int = 0  # 0: migrate.yml's default
    skopeo_parallel: int = 4
    fleet_workers: int = 4
    latency_ms: float = 20.0
    latency_images: int = 100
    same_tags: int = 50
    check_tags: int = 5000
    check_images: int = 100
    check_batch_size: int = 10
    out: Path = ROOT / "bench" / "out"

    @classmethod
    def from_env(cls) -> Config:
        config = cls()
        for field in dataclasses.fields(cls):
            value = os.environ.get("BENCH_" + field.name.upper())
            if value:
                setattr(config, field.name, Path(value).resolve() if field.name == "out" else type(getattr(config, field.name))(value))
        return config


class AccessLog:
    """Requests the lab registries answered between mark() and read(), from their access logs."""
    LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" \d{3} ')

    def __init__(self, paths: list):
        self.paths = [Path(path) for path in paths]
        self.offsets: dict = {}

    def mark(self) -> None:
        self.offsets = {path: path.stat().st_size for path in self.paths}

    def read(self) -> dict:
        kinds: dict = {}
        for path in self.paths:
            with open(path, "rb") as log:
                log.seek(self.offsets.get(path, 0))
                text = log.read().decode("utf-8", errors="replace")
            for method, target in self.LINE.findall(text):
                kind = classify(method, target)
                kinds[kind] = kinds.get(kind, 0) + 1
        return {"total": sum(kinds.values()), "kinds": dict(sorted(kinds.items()))}


class ProxyCounter:
    """Requests that crossed the latency proxy between mark() and read(), from its control endpoint."""

    def __init__(self, control: str):
        self.control = control

    def _call(self, name: str, method: str) -> dict:
        request = urllib.request.Request(self.control + name, method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:  # nosec - the lab's own loopback proxy
            return json.loads(answer.read())

    def mark(self) -> None:
        self._call("reset", "POST")

    def read(self) -> dict:
        stats = self._call("stats", "GET")
        return {"total": stats["total"], "kinds": stats["kinds"]}


class Bench:
    def __init__(self, config: Config):
        self.config = config
        self.out = config.out
        self.logs = self.out / "logs"
        self.results: dict = {"times": {}, "memory": {}, "notes": [], "config": {}}
        self.lab: dict = {}
        self.dest_lab: dict = {}
        self.refs: list = []
        self.sources: list = []
        self.big: dict = {}
        self.same_refs: list = []
        self.check_fleet: dict = {}
        self.proxy: dict = {}
        self.counter = None  # AccessLog of both labs, once they run
        self.collection = self._collection_root()

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _collection_root() -> Path:
        for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
            candidate = Path(base) / "ansible_collections" / "imagefleet" / "registry"
            if (candidate / "galaxy.yml").exists():
                return candidate
        raise SystemExit("ANSIBLE_COLLECTIONS_PATH holds no imagefleet.registry build: run `make bench`")

    def log(self, message: str) -> None:
        print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)

    def run(self, name: str, command: list, env: dict | None = None, cwd: Path | None = None,
            stdout_path: Path | None = None) -> tuple:
        """Run `command`, its output to logs/<name>.log (stdout to stdout_path if given); return (seconds, rc, log)."""
        log_path = self.logs / f"{name}.log"
        full_env = dict(os.environ, **(env or {}))
        with open(log_path, "wb") as log:
            log.write(("$ " + " ".join(str(part) for part in command) + "\n").encode())
            log.flush()
            with open(stdout_path, "wb") if stdout_path else open(os.devnull, "wb") as sink:
                started = time.monotonic()
                completed = subprocess.run(command, env=full_env, cwd=cwd, check=False, stdin=subprocess.DEVNULL,
                                           stdout=sink if stdout_path else log, stderr=log)
                seconds = time.monotonic() - started
        return seconds, completed.returncode, log_path

    def lab_cli(self, *args: str) -> dict:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "lab"))
        completed = subprocess.run([sys.executable, "-m", "imagefleet_lab", *args], env=env, check=True,
                                   stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        return json.loads(completed.stdout)

    def skopeo(self, command: list, cache: Path) -> tuple:
        """`command` with skopeo's blob-info cache in `cache` (an empty folder: a first migration)."""
        cache.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0 and shutil.which("unshare"):
            SKOPEO_CACHE.mkdir(parents=True, exist_ok=True)
            # A private mount namespace: the bind mount is seen by this command only.
            script = 'mount --bind "$0" ' + str(SKOPEO_CACHE) + ' && exec "$@"'
            return ["unshare", "-m", "sh", "-c", script, str(cache), *command], {}
        # Rootless skopeo keeps its cache under $XDG_DATA_HOME/containers/cache.
        return command, {"XDG_DATA_HOME": str(cache)}

    def timed(self, key: str, label: str, command: list, env: dict | None = None, images: int | None = None,
              counter=None, scenario: str = "loopback", **kwargs) -> dict:
        """Run and time one contender; count the requests it made (per image when `images` is given)."""
        self.log(f"{label} ...")
        counter = counter or self.counter
        if counter:
            counter.mark()
        seconds, rc, log_path = self.run(key, command, env=env, **kwargs)
        entry = {"label": label, "seconds": round(seconds, 2), "ok": rc == 0, "rc": rc, "log": str(log_path),
                 "scenario": scenario}
        if counter:
            entry["requests"] = counter.read()
            if images:
                entry["requests"]["images"] = images
                entry["requests"]["per_image"] = round(entry["requests"]["total"] / images, 2)
        self.results["times"][key] = entry
        counted = ""
        if "requests" in entry:
            counted = f", {entry['requests']['total']} requests"
            if images:
                counted += f" ({entry['requests']['per_image']:.1f} per image)"
        self.log(f"{label}: {seconds:.1f} s{counted}{'' if rc == 0 else f' (FAILED rc={rc}, see {log_path})'}")
        return entry

    # ------------------------------------------------------------------ steps

    def setup(self) -> None:
        config = self.config
        self.out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True)
        for stale in self.out.glob("skopeo-cache-*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.log("starting the lab registries (no fixtures)")
        self.lab = self.lab_cli("up", "--state", str(self.out / "lab" / "state.json"), "--no-fixtures", "--access-log")
        self.dest_lab = self.lab_cli("up", "--state", str(self.out / "dest" / "state.json"), "--no-fixtures",
                                     "--access-log")
        self.counter = AccessLog([self.lab["log"], self.dest_lab["log"]])
        self.log(f"pushing the fleet: {config.images} signed schema 1 images x {config.tags_per_repo} tags")
        started = time.monotonic()
        fleet = self.lab_cli("fleet", "--state", str(self.out / "lab" / "state.json"), "--count", str(config.images),
                             "--base-mb", str(config.base_mb), "--own-mb", str(config.own_mb),
                             "--tags-per-repo", str(config.tags_per_repo), "--prefix", "fleet",
                             "--workers", str(config.fleet_workers))
        self.results["fleet"] = {"images": fleet["count"], "tags": fleet["tags"],
                                 "push_seconds": round(time.monotonic() - started, 1)}
        self.refs = fleet["refs"]
        self.sources = [ref for ref in fleet["refs"] if ref.endswith(":1")]
        self.log(f"fleet pushed in {time.monotonic() - started:.0f} s; one image under {config.same_tags} tags, "
                 f"then {config.check_tags} tags of {config.check_images} images for the check run")
        same = self.lab_cli("fleet", "--state", str(self.out / "lab" / "state.json"), "--count", "1",
                            "--base-mb", str(config.base_mb), "--own-mb", str(config.own_mb),
                            "--tags-per-repo", str(config.same_tags), "--prefix", "sametags")
        self.same_refs = same["refs"]
        # Check mode reads manifests only: small layers keep the push short.
        check = self.lab_cli("fleet", "--state", str(self.out / "lab" / "state.json"), "--count", str(config.check_images),
                             "--base-mb", "0.25", "--own-mb", "0.01",
                             "--tags-per-repo", str(max(1, config.check_tags // max(1, config.check_images))),
                             "--prefix", "check", "--workers", str(config.fleet_workers))
        self.check_fleet = {"images": check["count"], "tags": check["tags"]}
        self.log("pushing the big-layer images")
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "lab"))
        for name, megabytes in (("small", config.small_layer_mb), ("big", config.big_layer_mb)):
            completed = subprocess.run([sys.executable, str(HERE / "bigimage.py"), "--state",
                                        str(self.out / "lab" / "state.json"), "--mb", str(megabytes),
                                        "--repository", f"single/{name}", "--dir", str(self.out)],
                                       env=env, check=True, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
            self.big[name] = json.loads(completed.stdout)
            self.log(f"{name}: {megabytes} MiB layer ({self.big[name]['layer_bytes']} bytes compressed), "
                     f"built in {self.big[name]['build_seconds']} s, pushed in {self.big[name]['push_seconds']} s")

    def dest(self, src: str, prefix: str) -> str:
        registry, _slash, rest = src.partition("/")
        return f"{registry}/{prefix}/{rest}"

    def skopeo_copies(self, key: str, label: str, prefix: str, parallel: int, cache: Path, sources: list | None = None,
                      **kwargs) -> dict:
        sources = self.sources if sources is None else sources
        pairs = self.out / f"pairs-{key}.txt"
        pairs.write_text("".join(f"docker://{src} docker://{self.dest(src, prefix)}\n" for src in sources),
                         encoding="utf-8")
        command, env = self.skopeo(["xargs", "-a", str(pairs), "-P", str(parallel), "-n", "2", *SKOPEO_COPY], cache)
        return self.timed(key, label, command, env, images=len(sources), **kwargs)

    def playbook(self, key: str, label: str, playbook: str, variables: dict, options: tuple = (),
                 timeline: Path | None = None, **kwargs) -> dict:
        vars_path = self.out / f"{key}.vars.json"
        vars_path.write_text(json.dumps(variables, indent=1), encoding="utf-8")
        env = {}
        if timeline:
            timeline.unlink(missing_ok=True)
            env = {"BENCH_TIMELINE": str(timeline), "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
                   "ANSIBLE_CALLBACKS_ENABLED": "bench_timeline"}
        entry = self.timed(key, label, ["ansible-playbook", *options, playbook, "-e", f"@{vars_path}"], env=env,
                           cwd=self.out, **kwargs)
        text = Path(entry["log"]).read_text(encoding="utf-8", errors="replace")
        for pattern in (r"(?:would convert|converted): \d+\s+\(\d+ reusing[^)]*\),\s+already done: \d+,\s+failed: \d+",
                        r"verified: \d+ good, \d+ bad",
                        r"audit: \d+ images in \d+ registries[^\"]*"):
            found = re.findall(pattern, text)
            if found:
                entry.setdefault("summary", []).append(re.sub(r"\s+", " ", found[-1]).strip())
        if "summary" in entry:
            self.log(f"  {'; '.join(entry['summary'])}")
        return entry

    def migrations(self) -> None:
        config = self.config
        cache_seq = self.out / "skopeo-cache-seq"
        self.skopeo_copies("skopeo_seq", f"skopeo copy, {len(self.sources)} images one after another (cold cache)",
                           "skopeo-seq", 1, cache_seq)
        self.skopeo_copies("skopeo_par", f"skopeo copy, {config.skopeo_parallel} at a time (cold cache)",
                           "skopeo-par", config.skopeo_parallel, self.out / "skopeo-cache-par")
        variables = {
            "imagefleet_images": [{"src": src, "dest": self.dest(src, "ours")} for src in self.sources],
            "imagefleet_report_dir": str(self.out / "report-migrate"),
        }
        if config.batch_size:
            variables["imagefleet_batch_size"] = config.batch_size
        images = len(self.sources)
        self.playbook("migrate", f"migrate.yml, {images} images", "imagefleet.registry.migrate", variables,
                      images=images)
        self.playbook("migrate_rerun", "migrate.yml again on the finished fleet", "imagefleet.registry.migrate",
                      variables, images=images)
        self.skopeo_copies("skopeo_warm", "skopeo re-copy onto its finished destinations (warm cache)",
                           "skopeo-seq", 1, cache_seq)
        # The conversion engine alone, without the playbook's audit, verification and reports.
        args = self.out / "engine.json"
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
            "images": [{"src": src, "dest": self.dest(src, "engine")} for src in self.sources]}}), encoding="utf-8")
        self.module("engine", f"image_convert module, {len(self.sources)} images in one call", args,
                    images=len(self.sources))
        # As migrate.yml calls it: given the audit's records, with the audit's manifest cache.
        cache = self.out / "manifest-cache"
        shutil.rmtree(cache, ignore_errors=True)
        records = self.audited("engine_audit", "engine-audited", self.sources, scenario="loopback", cache=cache)
        args = self.out / "engine-audited.json"
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"images": records, "manifest_cache": str(cache)}}),
                        encoding="utf-8")
        self.module("engine_audited", f"image_convert module, {len(self.sources)} images in one call, given the "
                    "audit records and manifest cache (as migrate.yml)", args, images=len(self.sources))

    def module(self, key: str, label: str, args: Path, **kwargs) -> dict:
        """The image_convert module file run directly from the built collection (no Ansible around it)."""
        return self.timed(key, label, [sys.executable, "plugins/modules/image_convert.py", str(args)],
                          env={"PYTHONPATH": str(self.collection.parent.parent.parent)}, cwd=self.collection, **kwargs)

    def audited(self, key: str, prefix: str, refs: list, scenario: str = "tags", cache: Path | None = None) -> list:
        """Audit records of refs going to `prefix` (image_manifest_info run directly over the sources and their
        destinations, counted as its own step), in the shape migrate.yml hands to image_convert; with `cache`, the
        audit files the manifests it reads there, as migrate.yml has it do."""
        dests = [self.dest(ref, prefix) for ref in refs]
        args = self.out / f"{key}.json"
        module_args = {"images": refs + dests, **({"manifest_cache": str(cache)} if cache else {})}
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}), encoding="utf-8")
        facts_path = self.out / f"{key}.out.json"
        self.timed(key, f"image_manifest_info module, audit of {len(refs)} tags and their destinations",
                   [sys.executable, "plugins/modules/image_manifest_info.py", str(args)],
                   env={"PYTHONPATH": str(self.collection.parent.parent.parent)}, cwd=self.collection,
                   images=len(refs), scenario=scenario, stdout_path=facts_path)
        facts = {info["reference"]: info for info in json.loads(facts_path.read_text(encoding="utf-8"))["images"]}
        records = []
        for ref, dest in zip(refs, dests):
            src, found = facts[ref], facts[dest]
            records.append({"src": ref, "dest": dest, "target_format": "v2s2", "format": src["format"],
                            "digest": src["digest"], "image_key": src.get("image_key"),
                            "dest_exists": bool(found.get("exists")), "dest_format": found.get("format"),
                            "dest_digest": found.get("digest")})
        return records

    def latency(self) -> None:
        """The same fleet (its first BENCH_LATENCY_IMAGES images) reached through the latency proxy."""
        config = self.config
        self.log(f"starting the latency proxy: {config.latency_ms:g} ms per request in front of {self.lab['registry']}")
        self.proxy = self.lab_cli("latency", "up", "--state", str(self.out / "latency" / "state.json"),
                                  "--upstream", self.lab["registry"], "--delay-ms", str(config.latency_ms),
                                  "--lifetime", "86400")
        counter = ProxyCounter(self.proxy["control"])
        sources = [src.replace(self.lab["registry"], self.proxy["registry"], 1)
                   for src in self.sources[:config.latency_images]]
        images = len(sources)
        tag = f"{config.latency_ms:g} ms"
        common = {"counter": counter, "scenario": "latency"}
        self.skopeo_copies("lat_skopeo_seq", f"{tag}: skopeo copy, {images} images one after another (cold cache)",
                           "lat-skopeo-seq", 1, self.out / "skopeo-cache-lat-seq", sources, **common)
        self.skopeo_copies("lat_skopeo_par", f"{tag}: skopeo copy, {config.skopeo_parallel} at a time (cold cache)",
                           "lat-skopeo-par", config.skopeo_parallel, self.out / "skopeo-cache-lat-par", sources,
                           **common)
        # migrate.yml at its defaults: no batch size, no imagefleet_parallel.
        variables = {
            "imagefleet_images": [{"src": src, "dest": self.dest(src, "lat-ours")} for src in sources],
            "imagefleet_report_dir": str(self.out / "report-lat-migrate"),
        }
        self.playbook("lat_migrate", f"{tag}: migrate.yml at its defaults, {images} images",
                      "imagefleet.registry.migrate", variables, images=images, **common)
        self.playbook("lat_migrate_rerun", f"{tag}: migrate.yml again on the finished fleet",
                      "imagefleet.registry.migrate", variables, images=images, **common)
        self.lab_cli("latency", "down", "--state", str(self.out / "latency" / "state.json"))

    def same_image_tags(self) -> None:
        """One schema 1 image under BENCH_SAME_TAGS tags of one repository: what each tag beyond the first costs.

        As in migrate.yml: image_manifest_info audits the tags and their destinations first, filing the manifests in
        a manifest cache, and image_convert gets the audit records (digest, image_key, dest_exists) and the cache,
        so it converts the image once and links the other tags."""
        refs = self.same_refs
        count = len(refs)
        cache = self.out / "manifest-cache-same"
        shutil.rmtree(cache, ignore_errors=True)
        records = {prefix: self.audited(f"same_audit_{prefix}", prefix, refs if prefix == "same-ours" else refs[:1],
                                        cache=cache)
                   for prefix in ("same-one", "same-ours")}
        one = self.out / "sametags-one.json"
        one.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"images": records["same-one"], "manifest_cache": str(cache)}}),
                       encoding="utf-8")
        self.module("same_ours_one", "image_convert module, the first tag alone (given its audit record)", one,
                    images=1, scenario="tags")
        every = self.out / "sametags-all.json"
        every.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"images": records["same-ours"], "manifest_cache": str(cache)}}),
                         encoding="utf-8")
        self.module("same_ours_all", f"image_convert module, all {count} tags in one call (given their audit records)",
                    every, images=count, scenario="tags")
        cache = self.out / "skopeo-cache-same"
        command, env = self.skopeo([*SKOPEO_COPY, f"docker://{refs[0]}", f"docker://{self.dest(refs[0], 'same-skopeo')}"],
                                   cache)
        self.timed("same_skopeo_first", "skopeo copy, the first tag (cold cache)", command, env, images=1,
                   scenario="tags")
        self.skopeo_copies("same_skopeo_rest", f"skopeo copy, the other {count - 1} tags one after another",
                           "same-skopeo", 1, cache, refs[1:], scenario="tags")

    def check_mode(self) -> None:
        """migrate.yml --check over a registry_images inventory: the total time at the playbook's defaults, then the
        time of every batch in a run cut into BENCH_CHECK_BATCH_SIZE-image batches (at the default size 100 images
        make one batch, which shows nothing of how the time per batch grows)."""
        inventory = self.out / "check.registry_images.yml"
        inventory.write_text(
            "plugin: imagefleet.registry.registry_images\n"
            f"registries:\n  - url: {self.lab['registry']}\n    repositories: ['check/*']\n", encoding="utf-8")
        tags = self.check_fleet["tags"]
        for key, size in (("check", None), ("check_batched", self.config.check_batch_size)):
            timeline = self.out / f"{key}-timeline.jsonl"
            variables = {"imagefleet_dest_prefix": f"{self.lab['registry']}/checked",
                         "imagefleet_report_dir": str(self.out / f"report-{key}"),
                         **({"imagefleet_batch_size": size} if size else {})}
            launched = time.time()
            entry = self.playbook(key, f"migrate.yml --check, inventory of {tags} tags of {self.check_fleet['images']} "
                                       f"images{f', batches of {size} images' if size else ''}",
                                  "imagefleet.registry.migrate", variables, options=("--check", "-i", str(inventory)),
                                  timeline=timeline, images=tags, scenario="check")
            entry["timeline"] = batch_times(timeline, launched)
            found = entry["timeline"]
            if found["batches"]:
                self.log(f"  {len(found['batches'])} batches: first {found['batches'][0]:.2f} s, last "
                         f"{found['batches'][-1]:.2f} s; before the first task {found['startup']:.1f} s")
            else:
                self.log("  no batch found in the timeline (task names changed?)")

    def audits(self) -> None:
        variables = {
            "imagefleet_sources": [{"registry": self.lab["registry"], "repositories": ["fleet/*"]}],
            "imagefleet_report_dir": str(self.out / "report-audit"),
        }
        tags = len(self.refs)
        self.playbook("audit", f"audit.yml over the catalog, {tags} tags", "imagefleet.registry.audit",
                      variables, images=tags)
        refs = self.out / "refs.txt"
        refs.write_text("".join(f"docker://{ref}\n" for ref in self.refs), encoding="utf-8")
        self.timed("skopeo_inspect", f"skopeo inspect --raw, {tags} tags one by one",
                   ["xargs", "-a", str(refs), "-n", "1", "skopeo", "inspect", "--raw", "--tls-verify=false"],
                   images=tags)
        inventory = self.out / "fleet.registry_images.yml"
        inventory.write_text(
            "plugin: imagefleet.registry.registry_images\n"
            f"registries:\n  - url: {self.lab['registry']}\n    repositories: ['fleet/*']\n", encoding="utf-8")
        listing = self.out / "inventory.json"
        entry = self.timed("inventory", f"registry_images inventory, {len(self.refs)} tags",
                           ["ansible-inventory", "-i", str(inventory), "--list"],
                           env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}, stdout_path=listing, images=tags)
        try:
            hosts = len(json.loads(listing.read_text(encoding="utf-8"))["_meta"]["hostvars"])
        except (OSError, ValueError, KeyError):
            hosts = 0
        entry["summary"] = [f"{hosts} hosts"]
        if hosts != len(self.refs):
            entry["ok"] = False
        self.log(f"  inventory: {hosts} hosts")

    def peak_rss(self, key: str, label: str, command: list, env: dict | None = None, cwd: Path | None = None) -> dict:
        self.log(f"{label} ...")
        seconds, rc, log_path = self.run(key, command, env=env, cwd=cwd)
        text = log_path.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        entry = {"label": label, "kib": int(found.group(1)) if found else None, "seconds": round(seconds, 2),
                 "ok": rc == 0 and found is not None, "log": str(log_path)}
        self.results["memory"][key] = entry
        self.log(f"{label}: {entry['kib'] and entry['kib'] / 1024:.1f} MiB peak, {seconds:.1f} s"
                 + ("" if entry["ok"] else f" (FAILED, see {log_path})"))
        return entry

    def memory(self) -> None:
        """The module process alone, then skopeo, each converting to the second registry (so every byte is uploaded)."""
        build_root = self.collection.parent.parent.parent
        for name in ("small", "big"):
            src = self.big[name]["ref"]
            megabytes = self.config.small_layer_mb if name == "small" else self.config.big_layer_mb
            dest = f"{self.dest_lab['registry']}/ours/{name}:1"
            args = self.out / f"convert-{name}.json"
            args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"src": src, "dest": dest, "format": "v2s2"}}),
                            encoding="utf-8")
            self.peak_rss(f"ours_{name}", f"image_convert module, one {megabytes} MiB layer",
                          ["/usr/bin/time", "-v", sys.executable, "plugins/modules/image_convert.py", str(args)],
                          env={"PYTHONPATH": str(build_root)}, cwd=self.collection)
            command, env = self.skopeo(["/usr/bin/time", "-v", *SKOPEO_COPY, f"docker://{src}",
                                        f"docker://{self.dest_lab['registry']}/skopeo/{name}:1"],
                                       self.out / f"skopeo-cache-mem-{name}")
            self.peak_rss(f"skopeo_{name}", f"skopeo copy, one {megabytes} MiB layer", command, env=env)

    def facts(self) -> None:
        def version(command: list) -> str:
            try:
                completed = subprocess.run(command, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                return "unknown"
            return completed.stdout.decode(errors="replace").strip().splitlines()[0] if completed.stdout else "unknown"

        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        self.results["machine"] = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(),
            "memory_gib": round(total_kib / 1024 / 1024, 1),
            "cpu": model.group(1).strip() if model else platform.machine(),
            "kernel": platform.release(),
            "python": platform.python_version(),
            "ansible": version(["ansible", "--version"]),
            "skopeo": version(["skopeo", "--version"]),
            "registry": version(["docker-registry", "--version"]),
            "load_average": " / ".join(f"{load:.1f}" for load in os.getloadavg()),
            "commit": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
            "skopeo_cache": ("a fresh empty folder bind-mounted over /var/lib/containers/cache in a private mount "
                             "namespace (unshare -m) per cold contender" if os.geteuid() == 0
                             else "XDG_DATA_HOME pointed at a fresh empty folder per cold contender"),
        }
        self.results["config"] = {key: str(value) for key, value in dataclasses.asdict(self.config).items()
                                  if key != "out"}
        self.results["machine"]["access_log_cost"] = ("requests on loopback are counted from the registries' access "
                                                      "logs (one line written per request), not through a proxy")

    def main(self) -> int:
        started = time.monotonic()
        self.facts()
        self.setup()
        self.migrations()
        self.latency()
        self.same_image_tags()
        self.check_mode()
        self.audits()
        self.memory()
        self.results["check_fleet"] = self.check_fleet
        self.results["total_seconds"] = round(time.monotonic() - started, 1)
        (self.out / "results.json").write_text(json.dumps(self.results, indent=2) + "\n", encoding="utf-8")
        markdown = report.markdown(self.results)
        (HERE / "results.md").write_text(markdown, encoding="utf-8")
        (HERE / "results.svg").write_text(report.svg(self.results), encoding="utf-8")
        print()
        print(report.table(self.results))
        print(f"\nwritten: {HERE / 'results.md'}, {HERE / 'results.svg'} (total {self.results['total_seconds']:.0f} s)")
        return 0


def batch_times(timeline: Path, launched: float) -> dict:
    """Seconds of every convert batch of a migrate.yml run, from the bench_timeline callback's events.

    A task looping over the batches ("... per batch"): each batch ends with its loop item. Otherwise a batch runs
    from the start of its `... batch N/M ...` task to the next one's; the last one ends at the
    first task that was not part of the first batch (so renamed tasks inside the batch file still count)."""
    try:
        events = [json.loads(line) for line in timeline.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return {"batches": [], "startup": None}
    tasks = [event for event in events if event["event"] == "task"]
    # migrate.yml loops one image_convert task over the batches: a batch ends with its loop item.
    looped = [index for index, event in enumerate(events) if event["event"] == "task" and "per batch" in event["name"]]
    if looped:
        start = looped[0]
        items = [event["t"] for event in events[start + 1:]
                 if event["event"] == "item" and event["name"] == events[start]["name"]]
        bounds = [events[start]["t"]] + items
        return {"batches": [round(later - earlier, 3) for earlier, later in zip(bounds, bounds[1:])],
                "startup": round(events[0]["t"] - launched, 2),
                "first_batch_at": round(events[start]["t"] - launched, 2)}
    batch_name = re.compile(r"\bbatch\b.*\d+\s*/\s*\d+|batch \{\{")
    starts = [index for index, event in enumerate(tasks) if batch_name.search(event["name"])]
    # One task whose name matches repeats once per batch: the batch's first task.
    first_name = tasks[starts[0]]["name"] if starts else None
    starts = [index for index in starts if tasks[index]["name"] == first_name or
              re.sub(r"\d+", "N", tasks[index]["name"]) == re.sub(r"\d+", "N", first_name or "")]
    batches = []
    if starts:
        body = ({task["name"] for task in tasks[starts[0] + 1:starts[1]]} if len(starts) > 1
                else {task["name"] for task in tasks[starts[0] + 1:] if task["name"].startswith("Convert |")})
        end_index = next((index for index in range(starts[-1] + 1, len(tasks)) if tasks[index]["name"] not in body),
                         None)
        end = tasks[end_index]["t"] if end_index is not None else events[-1]["t"]
        bounds = [tasks[index]["t"] for index in starts] + [end]
        batches = [round(later - earlier, 3) for earlier, later in zip(bounds, bounds[1:])]
    return {"batches": batches, "startup": round(events[0]["t"] - launched, 2) if events else None,
            "first_batch_at": round(tasks[starts[0]]["t"] - launched, 2) if starts else None}


def main() -> int:
    return Bench(Config.from_env()).main()


if __name__ == "__main__":
    sys.exit(main())
