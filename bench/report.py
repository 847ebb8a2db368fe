# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tables (terminal, Markdown) and a self-contained SVG bar chart of the figures bench.py measured."""

from __future__ import annotations

import html

# (label, ours key, theirs key, largest ours/theirs ratio that meets the target, target text); the targets are
# issue 14's, the rows without one are for reading the others.
TIME_COMPARISONS = [
    ("loopback: migrate.yml vs skopeo one after another", "migrate", "skopeo_seq", 1 / 3, "≥ 3x faster"),
    ("loopback: migrate.yml vs skopeo 4 at a time", "migrate", "skopeo_par", 1 / 1.5, "≥ 1.5x faster"),
    ("loopback: image_convert alone (no audit, verify, reports) vs skopeo one after another", "engine", "skopeo_seq",
     None, "none"),
    ("loopback: re-run vs our first run", "migrate_rerun", "migrate", None, "none"),
    ("loopback: re-run vs skopeo warm re-copy", "migrate_rerun", "skopeo_warm", None, "none"),
    ("{ms}: migrate.yml vs skopeo one after another", "lat_migrate", "lat_skopeo_seq", 1 / 6, "≥ 6x faster"),
    ("{ms}: migrate.yml vs skopeo 4 at a time", "lat_migrate", "lat_skopeo_par", 1 / 2, "≥ 2x faster"),
    ("{ms}: re-run of a finished migration vs skopeo one after another", "lat_migrate_rerun", "lat_skopeo_seq",
     1 / 10, "≥ 10x faster"),
    ("audit.yml vs skopeo inspect one by one", "audit", "skopeo_inspect", 1 / 5, "≥ 5x faster"),
    ("registry_images inventory vs skopeo inspect one by one", "inventory", "skopeo_inspect", None, "none"),
]
# The scenarios of the requests table, in order, with the steps counted in each.
SCENARIOS = [
    ("loopback", "loopback (registry access log)"),
    ("latency", "{ms} per request (counted by the latency proxy)"),
    ("tags", "one schema 1 image under many tags (registry access log)"),
    ("check", "migrate.yml --check over an image inventory (registry access log)"),
]
REQUESTS_PER_IMAGE = {"engine": 8, "migrate": 10}
# Requests a run needs once whatever its size: the fleet's images share one base layer, whose diff_id is learnt by
# reading it (a blob GET) once per run. The per-image targets are met when the total stays within them plus this.
REQUESTS_ONCE_PER_RUN = 1
REQUESTS_PER_EXTRA_TAG = 2
CHECK_LIMIT_S = 30
# "The time per batch does not grow": the mean of the last three batches within this factor of the mean of the
# first three after the first (batch 1 pays one-off costs such as packaging the module; with 4 batches or fewer
# the first three are taken as they are).
BATCH_GROWTH = 1.25

PEAK_LIMIT_MB = 100
GROWTH_LIMIT_MB = 20
OURS = "#0072B2"
THEIRS = "#E69F00"
GOOD = "#1a7f37"
BAD = "#cf222e"


def _mb(kib) -> float | None:
    return None if kib is None else kib * 1024 / 1e6


def _ok(entry: dict | None) -> bool:
    return bool(entry) and entry.get("ok", False)


def _latency_name(results: dict) -> str:
    return f"{float(results.get('config', {}).get('latency_ms', 20)):g} ms"


def time_rows(results: dict) -> list:
    """One dict per comparison: label, ours, theirs (seconds), ratio, speedup, target, met (True/False/None)."""
    times = results.get("times", {})
    rows = []
    for label, ours_key, theirs_key, limit, target in TIME_COMPARISONS:
        label = label.format(ms=_latency_name(results))
        ours, theirs = times.get(ours_key), times.get(theirs_key)
        row = {"label": label, "ours": ours and ours["seconds"], "theirs": theirs and theirs["seconds"],
               "ratio": None, "speedup": None, "target": target, "met": None, "ok": _ok(ours) and _ok(theirs),
               "ours_key": ours_key, "theirs_key": theirs_key}
        if row["ok"] and row["theirs"] and row["ours"]:
            row["ratio"] = row["ours"] / row["theirs"]
            row["speedup"] = row["theirs"] / row["ours"]
            if limit is not None:
                row["met"] = row["ratio"] <= limit
        elif limit is not None:
            row["met"] = False
        rows.append(row)
    return rows


def memory_rows(results: dict) -> list:
    memory = results.get("memory", {})
    config = results.get("config", {})
    big, small = config.get("big_layer_mb", "?"), config.get("small_layer_mb", "?")
    ours_big, ours_small = memory.get("ours_big"), memory.get("ours_small")
    theirs_big, theirs_small = memory.get("skopeo_big"), memory.get("skopeo_small")

    def value(entry):
        return _mb(entry["kib"]) if _ok(entry) else None

    rows = []
    for label, ours, theirs, limit, target in (
            (f"peak RSS converting a {big} MiB layer", value(ours_big), value(theirs_big), PEAK_LIMIT_MB,
             f"< {PEAK_LIMIT_MB} MB"),
            (f"peak RSS converting a {small} MiB layer", value(ours_small), value(theirs_small), None, "none")):
        rows.append({"label": label, "ours": ours, "theirs": theirs, "ratio": ours / theirs if ours and theirs else None,
                     "target": target, "met": (ours is not None and ours < limit) if limit else None})
    growth = value(ours_big) - value(ours_small) if value(ours_big) is not None and value(ours_small) is not None else None
    theirs_growth = (value(theirs_big) - value(theirs_small)
                     if value(theirs_big) is not None and value(theirs_small) is not None else None)
    rows.append({"label": f"growth from {small} MiB to {big} MiB layer", "ours": growth, "theirs": theirs_growth,
                 "ratio": None, "target": f"≤ {GROWTH_LIMIT_MB} MB",
                 "met": growth is not None and growth <= GROWTH_LIMIT_MB})
    return rows


def _batch_size(config: dict) -> str:
    size = str(config.get("batch_size", "0"))
    return "its default batch size" if size in ("0", "") else f"batch size {size}"


def _requests(results: dict, key: str) -> dict | None:
    entry = results.get("times", {}).get(key)
    return entry.get("requests") if entry and _ok(entry) else None


def per_extra_tag(results: dict) -> dict:
    """Requests per tag beyond the first, ours (all tags in one call minus the first alone) and skopeo's."""
    found = {"ours": None, "skopeo": None, "tags": None}
    one, every = _requests(results, "same_ours_one"), _requests(results, "same_ours_all")
    if one and every and every.get("images", 0) > 1:
        found["tags"] = every["images"]
        found["ours"] = (every["total"] - one["total"]) / (every["images"] - 1)
    rest = _requests(results, "same_skopeo_rest")
    if rest and rest.get("images"):
        found["skopeo"] = rest["total"] / rest["images"]
    return found


def check_figures(results: dict) -> dict:
    """The total of the run at the defaults; the batch times of the run cut into small batches (else of the first)."""
    entry = results.get("times", {}).get("check") or {}
    batched = results.get("times", {}).get("check_batched") or entry
    batches = (batched.get("timeline") or {}).get("batches") or []
    first, last = (batches[1:4] if len(batches) > 4 else batches[:3]), batches[-3:]
    growth = (sum(last) / len(last)) / (sum(first) / len(first)) if batches and sum(first) else None
    return {"seconds": entry.get("seconds") if _ok(entry) else None, "batches": batches, "growth": growth,
            "head": "batches 2-4" if len(batches) > 4 else "batches 1-3",
            "startup": (entry.get("timeline") or {}).get("startup"), "tags": (entry.get("requests") or {}).get("images"),
            "batched_seconds": batched.get("seconds") if batched is not entry else None}


def target_rows(results: dict) -> list:
    """issue 14's targets table, row for row: scenario, target, figure (text), met."""
    config = results.get("config", {})
    ms = _latency_name(results)
    times = {row["ours_key"] + "/" + row["theirs_key"]: row for row in time_rows(results)}

    def speed(key: str) -> tuple:
        row = times[key]
        figure = "n/a" if row["speedup"] is None else (
            f"{row['speedup']:.2f}x ({_num(row['ours'])} s vs {_num(row['theirs'])} s)")
        return figure, row["met"]

    rows = []
    for scenario, key, target in (
            ("loopback: migrate.yml vs skopeo one after another", "migrate/skopeo_seq", "≥ 3x faster"),
            ("loopback: migrate.yml vs skopeo 4 at a time", "migrate/skopeo_par", "≥ 1.5x faster"),
            (f"{ms} per request: migrate.yml vs skopeo one after another", "lat_migrate/lat_skopeo_seq", "≥ 6x faster"),
            (f"{ms} per request: migrate.yml vs skopeo 4 at a time", "lat_migrate/lat_skopeo_par", "≥ 2x faster"),
            (f"{ms} per request: re-run of a finished migration vs skopeo one after another",
             "lat_migrate_rerun/lat_skopeo_seq", "≥ 10x faster")):
        rows.append((scenario, target) + speed(key))
    # image_convert as migrate.yml calls it (audit records and manifest cache); without them it also reads the
    # source and the destination itself.
    engine, migrate = _requests(results, "engine_audited"), _requests(results, "migrate")
    alone = _requests(results, "engine")

    def counted(entry):
        return "n/a" if entry is None else f"{entry['per_image']:.2f} ({entry['total']} for {entry.get('images', '?')} images)"

    def within(entry, key):
        return entry is not None and entry["total"] <= REQUESTS_PER_IMAGE[key] * entry["images"] + REQUESTS_ONCE_PER_RUN

    figure = (f"image_convert {counted(engine)}, given the audit ({_num(alone and alone.get('per_image'))} alone); "
              f"migrate.yml {counted(migrate)}; met when within the target per image plus {REQUESTS_ONCE_PER_RUN} "
              "per run (the shared base layer, read once)")
    met = within(engine, "engine") and within(migrate, "migrate")
    rows.append(("requests per schema 1 image converted within one registry (shared base layer, two own layers)",
                 f"≤ {REQUESTS_PER_IMAGE['engine']} for `image_convert`, ≤ {REQUESTS_PER_IMAGE['migrate']} for the "
                 "whole `migrate.yml` run", figure, met))
    rows.append((f"audit.yml of {results.get('fleet', {}).get('tags', '?')} tags vs `skopeo inspect` one by one",
                 "≥ 5x faster") + speed("audit/skopeo_inspect"))
    extra = per_extra_tag(results)
    rows.append((f"a repository with {extra['tags'] or config.get('same_tags', '?')} tags of one schema 1 image: "
                 "requests per tag beyond the first", f"≤ {REQUESTS_PER_EXTRA_TAG}",
                 f"{_num(extra['ours'])} (skopeo {_num(extra['skopeo'])})",
                 extra["ours"] is not None and extra["ours"] <= REQUESTS_PER_EXTRA_TAG))
    check = check_figures(results)
    batches = check["batches"] or [None]
    figure = (f"{_num(check['seconds'])} s; cut into {len(check['batches'])} batches "
              f"({_num(check['batched_seconds'])} s in all): first {_num(batches[0], 2)} s, last {_num(batches[-1], 2)} s "
              f"(mean of the last 3 / of {check['head']}: {_num(check['growth'], 2)})")
    rows.append((f"`migrate.yml --check` over an inventory of {check['tags'] or '?'} tags of "
                 f"{results.get('check_fleet', {}).get('images', '?')} images",
                 f"≤ {CHECK_LIMIT_S} s, and the time per batch does not grow with the batch number", figure,
                 check["seconds"] is not None and check["seconds"] <= CHECK_LIMIT_S and check["growth"] is not None
                 and check["growth"] <= BATCH_GROWTH))
    memory = memory_rows(results)
    rows.append(("peak RSS on a 1 GiB layer" if config.get("big_layer_mb") == "1024"
                 else f"peak RSS on a {config.get('big_layer_mb', '?')} MiB layer",
                 "stays < 100 MB and flat", f"{_num(memory[0]['ours'])} MB, growth {_num(memory[2]['ours'])} MB",
                 bool(memory[0]["met"] and memory[2]["met"])))
    return rows


def _target_lines(results: dict) -> list:
    lines = ["| scenario | target | figure | met |", "|---|---|---|---|"]
    for scenario, target, figure, met in target_rows(results):
        lines.append(f"| {scenario} | {target} | {figure} | {_met(met)} |")
    return lines


def _request_lines(results: dict) -> list:
    ms = _latency_name(results)
    lines = ["| scenario | contender | seconds | requests | per image | by kind |", "|---|---|---:|---:|---:|---|"]
    for scenario, title in SCENARIOS:
        for entry in results.get("times", {}).values():
            if entry.get("scenario", "loopback") != scenario or "requests" not in entry:
                continue
            counted = entry["requests"]
            kinds = ", ".join(f"{kind} {number}" for kind, number in
                              sorted(counted["kinds"].items(), key=lambda item: -item[1]))
            lines.append(f"| {title.format(ms=ms)} | {entry['label']} | {entry['seconds']:.1f} | {counted['total']} "
                         f"| {_num(counted.get('per_image'))} | {kinds} |")
    return lines


def _check_lines(results: dict) -> list:
    check = check_figures(results)
    if not check["batches"]:
        return ["No batch times found (see the check step's log and check-timeline.jsonl)."]
    batches = check["batches"]
    return [f"At the playbook's defaults: {_num(check['seconds'])} s (the first task started {_num(check['startup'])} s "
            f"after launch: inventory and Ansible start). Cut into {len(batches)} batches "
            f"(`BENCH_CHECK_BATCH_SIZE` images each): {_num(check['batched_seconds'])} s; per batch, in order (s): "
            + ", ".join(f"{value:.2f}" for value in batches) + ".",
            "",
            f"First {batches[0]:.2f} s, last {batches[-1]:.2f} s, mean {sum(batches) / len(batches):.2f} s, "
            f"max {max(batches):.2f} s; mean of the last 3 / mean of {check['head']}: {_num(check['growth'], 2)} "
            f"(\"does not grow\": ≤ {BATCH_GROWTH}; batch 1 pays one-off costs, so it is left out when there are "
            "more than 4 batches)."]


def _num(value, digits: int = 1, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{suffix}"


def _met(met) -> str:
    return "-" if met is None else ("MET" if met else "MISSED")


def _time_lines(results: dict) -> list:
    lines = ["| comparison | ours (s) | theirs (s) | ours / theirs | speed-up | target | met |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in time_rows(results):
        lines.append(f"| {row['label']} | {_num(row['ours'])} | {_num(row['theirs'])} | {_num(row['ratio'], 3)} "
                     f"| {_num(row['speedup'], 2, 'x')} | {row['target']} | {_met(row['met'])} |")
    return lines


def _memory_lines(results: dict) -> list:
    lines = ["| memory | ours (MB) | skopeo (MB) | ours / skopeo | target | met |", "|---|---:|---:|---:|---|---|"]
    for row in memory_rows(results):
        lines.append(f"| {row['label']} | {_num(row['ours'])} | {_num(row['theirs'])} | {_num(row['ratio'], 2)} "
                     f"| {row['target']} | {_met(row['met'])} |")
    return lines


def table(results: dict) -> str:
    """Plain text for the terminal (the Markdown tables read fine there too)."""
    return "\n".join(_target_lines(results) + [""] + _time_lines(results) + [""] + _request_lines(results) + [""]
                     + _check_lines(results) + [""] + _memory_lines(results))


def markdown(results: dict) -> str:
    machine = results.get("machine", {})
    config = results.get("config", {})
    fleet = results.get("fleet", {})
    ms = _latency_name(results)
    check_fleet = results.get("check_fleet", {})
    small = (config.get("images") != "200" or config.get("big_layer_mb") != "1024"
             or config.get("latency_images") != "100" or config.get("check_tags") != "5000")
    lines = [
        "# make bench: imagefleet.registry side by side with skopeo",
        "",
        f"Generated by `make bench` (bench/run.sh) on {machine.get('date', '?')}, commit {machine.get('commit', '?')}.",
        "Targets are reported, never asserted. Ratios are ours / theirs: below 1 means we are faster.",
        "",
        *(["**Sizes below the issue's (a quick look, not the issue's figures):** "
           + ", ".join(f"{key} {value}" for key, value in config.items()) + ".", ""] if small else []),
        "## Targets (issue 14)",
        "",
        *_target_lines(results),
        "",
        "## Machine",
        "",
        f"- {machine.get('nproc', '?')} CPUs ({machine.get('cpu', '?')}), {machine.get('memory_gib', '?')} GiB memory, "
        f"Linux {machine.get('kernel', '?')}",
        f"- Python {machine.get('python', '?')}; {machine.get('ansible', '?')}; {machine.get('skopeo', '?')}; "
        f"{machine.get('registry', '?')} (one lab registry on loopback, plain HTTP)",
        f"- skopeo's blob-info cache: {machine.get('skopeo_cache', '?')}",
        f"- load average (1, 5, 15 min) at the start: {machine.get('load_average', '?')} (other work shared the machine)",
        "",
        "## Workload",
        "",
        f"- Fleet: {fleet.get('images', '?')} signed schema 1 images, {fleet.get('tags', '?')} tags "
        f"({config.get('tags_per_repo', '?')} per repository); each image shares one {config.get('base_mb', '?')} MiB "
        f"base layer and adds two {config.get('own_mb', '?')} MiB layers of its own (random, incompressible) "
        f"plus throwaway history entries (pushed in {fleet.get('push_seconds', '?')} s).",
        "- Migrations copy tag `:1` of every repository to a fresh destination prefix per contender on the same "
        f"registry, v2s2; migrate.yml with `imagefleet_images` (src/dest), "
        f"{_batch_size(config)} (audit, convert, verify and reports included).",
        f"- skopeo: `skopeo copy --format v2s2` per image through `xargs -P1` and `xargs -P{config.get('skopeo_parallel', '?')}`, "
        "each starting with an empty blob-info cache; the warm re-copy reuses the sequential run's cache and destinations.",
        "- Audit: audit.yml with one `imagefleet_sources` rule (`fleet/*` over the catalog) against "
        "`skopeo inspect --raw` one tag after another; inventory: `ansible-inventory -i fleet.registry_images.yml "
        "--list`, no cache.",
        f"- {ms} per request: a latency proxy (`tests/lab/imagefleet_lab/latency.py`) in front of the same registry "
        f"delays every request by {ms} before forwarding it (bodies streamed, connections kept alive); the first "
        f"{config.get('latency_images', '?')} images of the fleet (`BENCH_LATENCY_IMAGES`, fewer than the "
        f"{fleet.get('images', '?')} on loopback to keep the run short) reached through it: skopeo one after another "
        f"and {config.get('skopeo_parallel', '?')} at a time (cold caches), migrate.yml at its defaults (no "
        "`imagefleet_batch_size`, no `imagefleet_parallel`), and the same playbook again on its finished migration.",
        f"- Many tags: one schema 1 image under {config.get('same_tags', '?')} tags of one repository "
        "(`BENCH_SAME_TAGS`); as in migrate.yml, image_manifest_info audits the tags and their destinations, filing "
        "the manifests in a manifest cache, then the image_convert module gets the audit records and the cache, with "
        "the first tag alone and with every tag in one call "
        "(per tag beyond the first = the difference / (tags - 1); the audit's own requests are listed apart, about "
        "one manifest GET per tag); skopeo the first tag, then the others one after another with the same cache.",
        "- image_convert's requests per image as migrate.yml calls it: image_manifest_info run directly over the "
        "sources and fresh destinations with a manifest cache (its requests listed apart), then one image_convert "
        "call with the audit records and the cache; the \"alone\" figure is the call without them.",
        f"- Check mode: `ansible-playbook -i check.registry_images.yml imagefleet.registry.migrate --check` over "
        f"{check_fleet.get('tags', '?')} tags of {check_fleet.get('images', '?')} images (`BENCH_CHECK_TAGS`, "
        "`BENCH_CHECK_IMAGES`; small layers), `imagefleet_dest_prefix` set, everything else default (the total), then "
        "again in batches of `BENCH_CHECK_BATCH_SIZE` images (the time of every batch, from the end of each loop item "
        "of the batch task, bench/callback_plugins/bench_timeline.py).",
        "- Requests: on loopback from the registries' access logs (distribution writes one line per request, so "
        "nobody is slowed down); in the latency scenario counted by the proxy. Kinds: manifest GET/HEAD/PUT, "
        "blob GET/HEAD, upload POST/PATCH/PUT, mount, tags, catalog, ping.",
        "- Memory: `/usr/bin/time -v`, maximum resident set size of the image_convert module process run directly "
        "(not through Ansible), and of `skopeo copy`, each converting a one-layer schema 1 image to a second registry "
        "(every byte downloaded, decompressed, hashed and uploaded).",
        "",
        "## Times",
        "",
        *_time_lines(results),
        "",
        "## Requests",
        "",
        *_request_lines(results),
        "",
        "## migrate.yml --check, batch by batch",
        "",
        *_check_lines(results),
        "",
        "## Memory",
        "",
        *_memory_lines(results),
        "",
        "## Every step",
        "",
        "| step | seconds | result |",
        "|---|---:|---|",
    ]
    for entry in list(results.get("times", {}).values()) + list(results.get("memory", {}).values()):
        extra = "; ".join(entry.get("summary", []))
        if "kib" in entry:
            extra = f"peak {_num(_mb(entry['kib']))} MB"
        lines.append(f"| {entry['label']} | {entry['seconds']:.1f} | {'ok' if entry.get('ok') else 'FAILED'}"
                     f"{'; ' + extra if extra else ''} |")
    lines += ["", f"Whole bench: {results.get('total_seconds', '?')} s. Chart: [results.svg](results.svg).", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- SVG

WIDTH = 980
LABEL_W = 330
BAR_X = LABEL_W + 20
BAR_MAX = 470
ROW_H = 24


def _text(x, y, text, size=13, weight="normal", fill="#24292f", anchor="start") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{html.escape(str(text))}</text>')


def _groups(results: dict) -> list:
    times = results.get("times", {})
    memory = results.get("memory", {})
    config = results.get("config", {})
    fleet = results.get("fleet", {})
    rows = {(row["ours_key"], row["theirs_key"]): row for row in time_rows(results)}
    mem_rows = memory_rows(results)

    def make_bar(entries, key, label, who):
        entry = entries.get(key)
        if not entry:
            return None
        if "kib" in entry:
            return (label, _mb(entry["kib"]) if _ok(entry) else None, "MB", who)
        return (label, entry["seconds"] if _ok(entry) else None, "s", who)

    def caption(prefix, ours_key, theirs_key):
        """(text, met) for the comparison of two timed steps, found by their keys."""
        row = rows[(ours_key, theirs_key)]
        if row["speedup"] is None:
            pace = "not measured"
        elif row["ours_key"] == "migrate_rerun" and row["theirs_key"] == "migrate":
            pace = f"{row['ratio']:.0%} of it"
        elif row["speedup"] >= 1:
            pace = f"{row['speedup']:.1f}x faster"
        else:
            pace = f"{1 / row['speedup']:.1f}x slower"
        return f"{prefix}: ours/theirs {_num(row['ratio'], 2)} ({pace}), target {row['target']}", row["met"]

    images = fleet.get("images", "?")
    tags = fleet.get("tags", "?")
    return [
        {"title": f"First migration of {images} schema 1 images (seconds, lower is better)",
         "captions": [caption("migrate.yml vs sequential", "migrate", "skopeo_seq"),
                      caption("migrate.yml vs 4 at a time", "migrate", "skopeo_par"),
                      caption("image_convert alone vs sequential", "engine", "skopeo_seq")],
         "bars": [make_bar(times, "migrate", "migrate.yml (ours)", "ours"),
                  make_bar(times, "engine", "image_convert alone (ours)", "ours"),
                  make_bar(times, "skopeo_seq", "skopeo copy, one after another", "theirs"),
                  make_bar(times, "skopeo_par", "skopeo copy, 4 at a time", "theirs")]},
        {"title": f"{_latency_name(results)} per request, {config.get('latency_images', '?')} images (seconds)",
         "captions": [caption("migrate.yml vs sequential", "lat_migrate", "lat_skopeo_seq"),
                      caption("migrate.yml vs 4 at a time", "lat_migrate", "lat_skopeo_par"),
                      caption("re-run vs sequential", "lat_migrate_rerun", "lat_skopeo_seq")],
         "bars": [make_bar(times, "lat_migrate", "migrate.yml, defaults (ours)", "ours"),
                  make_bar(times, "lat_migrate_rerun", "migrate.yml re-run (ours)", "ours"),
                  make_bar(times, "lat_skopeo_seq", "skopeo copy, one after another", "theirs"),
                  make_bar(times, "lat_skopeo_par", "skopeo copy, 4 at a time", "theirs")]},
        {"title": "Re-run on the finished fleet (seconds)",
         "captions": [caption("vs our first run", "migrate_rerun", "migrate"),
                      caption("vs skopeo warm", "migrate_rerun", "skopeo_warm")],
         "bars": [make_bar(times, "migrate_rerun", "migrate.yml re-run (ours)", "ours"),
                  make_bar(times, "skopeo_warm", "skopeo re-copy, warm cache", "theirs")]},
        {"title": f"Reading {tags} tags (seconds)",
         "captions": [caption("audit.yml", "audit", "skopeo_inspect"),
                      caption("inventory", "inventory", "skopeo_inspect")],
         "bars": [make_bar(times, "audit", "audit.yml over the catalog (ours)", "ours"),
                  make_bar(times, "inventory", "registry_images inventory (ours)", "ours"),
                  make_bar(times, "skopeo_inspect", "skopeo inspect --raw, one by one", "theirs")]},
        {"title": f"Peak resident memory converting one layer (MB; dashed: {PEAK_LIMIT_MB} MB target)",
         "captions": [(f"{row['label']}: ours {_num(row['ours'])} MB, target {row['target']}", row["met"])
                      for row in mem_rows if row["met"] is not None],
         "marker": PEAK_LIMIT_MB,
         "bars": [make_bar(memory, "ours_small", f"image_convert, {config.get('small_layer_mb', '?')} MiB layer", "ours"),
                  make_bar(memory, "skopeo_small", f"skopeo copy, {config.get('small_layer_mb', '?')} MiB layer", "theirs"),
                  make_bar(memory, "ours_big", f"image_convert, {config.get('big_layer_mb', '?')} MiB layer", "ours"),
                  make_bar(memory, "skopeo_big", f"skopeo copy, {config.get('big_layer_mb', '?')} MiB layer", "theirs")]},
    ]


def svg(results: dict) -> str:
    machine = results.get("machine", {})
    body = []
    y = 34
    body.append(_text(20, y, "make bench: imagefleet.registry vs skopeo", size=20, weight="bold"))
    y += 22
    body.append(_text(20, y, f"{machine.get('date', '')} · {machine.get('nproc', '?')} CPUs, "
                             f"{machine.get('memory_gib', '?')} GiB · {machine.get('skopeo', '')} · "
                             f"commit {machine.get('commit', '?')}", size=12, fill="#57606a"))
    body.append(f'<rect x="{WIDTH - 250}" y="{y - 30}" width="14" height="14" fill="{OURS}"/>')
    body.append(_text(WIDTH - 230, y - 18, "imagefleet.registry (ours)", size=12))
    body.append(f'<rect x="{WIDTH - 250}" y="{y - 10}" width="14" height="14" fill="{THEIRS}"/>')
    body.append(_text(WIDTH - 230, y + 2, "skopeo", size=12))
    y += 18
    for group in _groups(results):
        bars = [item for item in group["bars"] if item is not None]
        y += 26
        body.append(f'<line x1="20" y1="{y - 20}" x2="{WIDTH - 20}" y2="{y - 20}" stroke="#d0d7de"/>')
        body.append(_text(20, y, group["title"], size=15, weight="bold"))
        values = [value for _label, value, _unit, _who in bars if value is not None]
        scale_max = max(values + [group.get("marker") or 0] + [1e-9]) * 1.05
        y += 10
        top = y
        for label, value, unit, who in bars:
            body.append(_text(LABEL_W, y + 16, label, anchor="end"))
            if value is None:
                body.append(_text(BAR_X, y + 16, "failed / not measured", fill=BAD))
            else:
                width = max(1.0, BAR_MAX * value / scale_max)
                body.append(f'<rect x="{BAR_X}" y="{y + 3}" width="{width:.1f}" height="{ROW_H - 6}" '
                            f'fill="{OURS if who == "ours" else THEIRS}"/>')
                body.append(_text(BAR_X + width + 6, y + 16, f"{value:.1f} {unit}", weight="bold"))
            y += ROW_H
        if group.get("marker"):
            x = BAR_X + BAR_MAX * group["marker"] / scale_max
            body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y}" stroke="{BAD}" stroke-dasharray="5,4"/>')
        for text, met in group["captions"]:
            y += 18
            verdict = "" if met is None else (" — MET" if met else " — MISSED")
            body.append(_text(BAR_X, y, text + verdict, size=12, fill=GOOD if met else (BAD if met is False else "#57606a")))
        y += 8
    y += 20
    body.append(_text(20, y, "Bars of each panel share one scale; numbers are wall-clock seconds of one run "
                             "(details and commands: bench/results.md).", size=11, fill="#57606a"))
    height = y + 16
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n'
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n")
