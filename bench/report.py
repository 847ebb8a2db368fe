# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tables (terminal, Markdown) and a self-contained SVG bar chart of the figures bench.py measured."""

from __future__ import annotations

import html

# (label, ours key, theirs key, largest ours/theirs ratio that meets the target, target text)
TIME_COMPARISONS = [
    ("migrate.yml vs skopeo one after another", "migrate", "skopeo_seq", 1 / 3, "≥ 3x faster"),
    ("migrate.yml vs skopeo 4 at a time", "migrate", "skopeo_par", 1 / 1.5, "≥ 1.5x faster"),
    ("image_convert alone (no audit, verify, reports) vs skopeo one after another", "engine", "skopeo_seq", None, "none"),
    ("re-run vs our first run", "migrate_rerun", "migrate", 0.25, "≤ 25% of first run"),
    ("re-run vs skopeo warm re-copy", "migrate_rerun", "skopeo_warm", 1 / 3, "≥ 3x faster"),
    ("audit.yml vs skopeo inspect one by one", "audit", "skopeo_inspect", 1 / 5, "≥ 5x faster"),
    ("registry_images inventory vs skopeo inspect one by one", "inventory", "skopeo_inspect", None, "none"),
]

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


def time_rows(results: dict) -> list:
    """One dict per comparison: label, ours, theirs (seconds), ratio, speedup, target, met (True/False/None)."""
    times = results.get("times", {})
    rows = []
    for label, ours_key, theirs_key, limit, target in TIME_COMPARISONS:
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
    return "\n".join(_time_lines(results) + [""] + _memory_lines(results))


def markdown(results: dict) -> str:
    machine = results.get("machine", {})
    config = results.get("config", {})
    fleet = results.get("fleet", {})
    lines = [
        "# make bench: imagefleet.registry side by side with skopeo",
        "",
        f"Generated by `make bench` (bench/run.sh) on {machine.get('date', '?')}, commit {machine.get('commit', '?')}.",
        "Targets are reported, never asserted. Ratios are ours / theirs: below 1 means we are faster.",
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
        f"registry, v2s2; migrate.yml with `imagefleet_images` (src/dest), batch size {config.get('batch_size', '?')} "
        "(audit, convert, verify and reports included).",
        f"- skopeo: `skopeo copy --format v2s2` per image through `xargs -P1` and `xargs -P{config.get('skopeo_parallel', '?')}`, "
        "each starting with an empty blob-info cache; the warm re-copy reuses the sequential run's cache and destinations.",
        "- Audit: audit.yml with one `imagefleet_sources` rule (`fleet/*` over the catalog) against "
        "`skopeo inspect --raw` one tag after another; inventory: `ansible-inventory -i fleet.registry_images.yml "
        "--list`, no cache.",
        "- Memory: `/usr/bin/time -v`, maximum resident set size of the image_convert module process run directly "
        "(not through Ansible), and of `skopeo copy`, each converting a one-layer schema 1 image to a second registry "
        "(every byte downloaded, decompressed, hashed and uploaded).",
        "",
        "## Times",
        "",
        *_time_lines(results),
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
