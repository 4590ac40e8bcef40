"""Benchmark arithmetic and output: linear fit, target checks, the stdout table, `bench/results.json`."""

from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import psutil

TARGETS = {
    "build_over_floor": 1.5,
    "rss_growth": 0.20,
    "speedup_local": 1.7,
    "speedup_ray": 1.7,
    "r2": 0.98,
    "generation_ms_per_sample": 3.0,
}
"""The issue's targets (benchmark goals, never test assertions)."""


def linear_fit(xs: list[float], ys: list[float]) -> dict[str, float | None]:
    """Least-squares y = slope * x + intercept and its R^2 (None with fewer than 2 distinct x)."""
    x, y = np.asarray(xs, float), np.asarray(ys, float)
    if len(set(xs)) < 2:
        return {"slope": None, "intercept": None, "r2": None}
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (slope * x + intercept)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - residual / total if total > 0 else 1.0
    return {"slope": float(slope), "intercept": float(intercept), "r2": r2}


def machine() -> dict[str, Any]:
    """CPU model (lscpu), logical cores, RAM, Python and Ray versions: the line every figure needs."""
    model = platform.processor() or "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        found = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
        if found:
            model = found.group(1).strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        import ray

        ray_version = ray.__version__
    except ImportError:
        ray_version = None
    return {
        "cpu": model,
        "cores": psutil.cpu_count(logical=True),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "ray": ray_version,
        "load_avg_at_start": [round(x, 2) for x in psutil.getloadavg()],
    }


def check_targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its measured value and whether it is met (None when not measured)."""
    sizes = results["sizes"]
    out: dict[str, dict[str, Any]] = {}
    ratios = [s["build_over_floor"] for s in sizes if s.get("build_over_floor") is not None]
    worst = max(ratios) if ratios else None
    out["build_over_floor"] = {
        "value": worst,
        "target": f"<= {TARGETS['build_over_floor']}",
        "met": None if worst is None else worst <= TARGETS["build_over_floor"],
        "note": "worst size, wall time of the --workers 1 build's process / the floor's process",
    }
    rss = [s["build"]["peak_rss_bytes"] for s in sizes]
    growth = rss[-1] / rss[0] - 1.0 if len(rss) > 1 and rss[0] else None
    out["rss_growth"] = {
        "value": growth,
        "target": f"<= {TARGETS['rss_growth']:.0%} from smallest to largest",
        "met": None if growth is None else growth <= TARGETS["rss_growth"],
    }
    for kind in ("local", "ray"):
        sp = results.get("speedup", {}).get(kind)
        value = sp.get("ratio") if sp else None
        out[f"speedup_{kind}"] = {
            "value": value,
            "target": f">= {TARGETS['speedup_' + kind]}",
            "met": None if value is None else value >= TARGETS["speedup_" + kind],
            "note": "wall time of the whole build, 1 worker / 2 workers"
            + ("" if kind == "local" else " (Ray start-up included)"),
        }
    gen = results.get("generation")
    worst_gen = None
    if gen:
        per = [v["ms_per_sample"] for k, v in gen["families"].items() if k != "all" and v["ms_per_sample"]]
        worst_gen = max(per) if per else None
    out["generation_ms_per_sample"] = {
        "value": worst_gen,
        "target": f"<= {TARGETS['generation_ms_per_sample']}",
        "met": None if worst_gen is None else worst_gen <= TARGETS["generation_ms_per_sample"],
        "note": "worst family, CPU ms per emitted sample, per-scan caps lifted, cached scene records",
    }
    r2 = results.get("fit", {}).get("r2")
    out["linear_r2"] = {
        "value": r2,
        "target": f">= {TARGETS['r2']}",
        "met": None if r2 is None else r2 >= TARGETS["r2"],
    }
    return out


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.0f}"


def _f(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


FLOORS = (
    ("floor_verify", "the floor that also decodes every shipped colour JPEG (issue 13)"),
    ("floor_output", "the output floor (that, plus making the preview's frames, whose bytes it fixes)"),
)
"""The higher floors (bench/floor.py) the build is also compared with, and how the table names them."""


def verify_lines(sizes: list[dict[str, Any]]) -> list[str]:
    """Build / floor again (wall of both processes, then CPU) against each higher floor."""
    lines = []
    for key, name in FLOORS:
        parts = []
        for s in sizes:
            b, other = s["build"], s.get(key) or {}
            wall, b_cpu, o_cpu = other.get("process_seconds"), b.get("cpu_seconds"), other.get("cpu_seconds")
            if wall and b_cpu and o_cpu:
                parts.append(
                    f"{s['scans']} scans wall {b['seconds']:.1f}/{wall:.1f} = {b['seconds'] / wall:.2f}, "
                    f"CPU {b_cpu:.1f}/{o_cpu:.1f} = {b_cpu / o_cpu:.2f}"
                )
        if parts:
            lines.append(f"build / {name}: " + "; ".join(parts))
    return lines


def table(results: dict[str, Any]) -> str:
    """The short human-readable summary printed at the end of `make bench`."""
    m = results["machine"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"Ray {m['ray']} (load avg at start {m['load_avg_at_start']})",
        f"scans: {results['config']['frames']} exported frames each, frame stride "
        f"{results['config']['frame_stride']}, media {results['config']['media_policy']}",
        "",
        f"{'scans':>5} {'build s':>8} {'scans/s':>8} {'samples/s':>9} {'rows':>6} {'peak MB':>8} "
        f"{'floor s':>8} {'build/floor':>11} {'b/f loop':>8} {'CPU s b/f':>12} {'CPU b/f':>8}",
    ]
    for s in results["sizes"]:
        b = s["build"]
        # CPU seconds of both processes (interpreter start included): on a loaded machine, where the
        # wall times measure the other jobs as much as this one, their ratio is the steadier figure
        b_cpu, f_cpu = b.get("cpu_seconds"), s["floor"].get("cpu_seconds")
        cpu_ratio = b_cpu / f_cpu if b_cpu and f_cpu else None
        cpu_pair = "-" if cpu_ratio is None else f"{b_cpu:.1f}/{f_cpu:.1f}"
        lines.append(
            f"{s['scans']:>5} {b['seconds']:>8.1f} {b['scans_per_s']:>8.3f} {b['samples_per_s']:>9.1f} "
            f"{b['rows_written']:>6} {_mb(b['peak_rss_bytes']):>8} "
            f"{_f(s['floor'].get('process_seconds'), '.1f'):>8} {_f(s.get('build_over_floor')):>11} "
            f"{_f(s.get('build_over_floor_loop')):>8} {cpu_pair:>12} {_f(cpu_ratio):>8}"
        )
    lines.append(
        "build/floor: wall of the build's process / the floor's (both with interpreter start and imports); "
        "b/f loop: the build's process / the floor's timed decode loop alone (the figure reported before)"
    )
    lines.extend(verify_lines(results["sizes"]))
    fit = results["fit"]
    lines.append(
        f"linear fit (build s vs scans, --workers 1): slope {_f(fit['slope'])} s/scan, intercept "
        f"{_f(fit['intercept'])} s, R^2 {_f(fit['r2'], '.4f')}"
    )
    lines.extend(video_lines(results.get("video")))
    lines.append("")
    for kind, sp in results.get("speedup", {}).items():
        extra = f"; Ray start-up {_f(sp.get('startup_w2'), '.1f')} s" if kind == "ray" else ""
        lines.append(
            f"{kind:<5} {sp['scans']} scans, best of {len(sp['all_w2'])}: 1 worker {_f(sp['w1'], '.1f')} s "
            f"({_f(sp.get('cpu_w1'), '.0f')} s CPU), 2 workers {_f(sp['w2'], '.1f')} s "
            f"({_f(sp.get('cpu_w2'), '.0f')} s "
            f"CPU) -> speed-up {_f(sp['ratio'])}x (scans stage {_f(sp.get('ratio_scans_stage'))}x; peak MB "
            f"{_mb(sp.get('peak_w1'))} / {_mb(sp.get('peak_w2'))}{extra})"
        )
    th = results.get("threads")
    if th:
        lines.append(
            f"threads ({th['scans']} scans, 1 worker): LADDERDATA_THREADS=1 {_f(th['one_thread'], '.1f')} s "
            f"({_f(th.get('cpu_one_thread'), '.0f')} s CPU), default {_f(th['default'], '.1f')} s "
            f"({_f(th.get('cpu_default'), '.0f')} s CPU) -> {_f(th['ratio'])}x (the 1-worker build above "
            "already uses a second core for decoding, so 2 workers add less to it)"
        )
    cached = results.get("cached_rebuild")
    if cached:
        lines.append(
            f"re-generate with another seed on cached scene records ({cached['scans']} scans): "
            f"{cached['seconds']:.1f} s vs {cached['fresh_seconds']:.1f} s fresh "
            f"({cached['scene_cache_reused']} records reused)"
        )
    gen = results.get("generation")
    if gen:
        lines.append("")
        lines.append(
            f"generation, caps lifted, on {gen['scenes']} scans' cached scene records (CPU, best of passes; "
            f"reference round {gen['reference_round_ms'] * 1000:.1f} us CPU):"
        )
        lines.append(f"{'family':<13} {'samples':>8} {'ms/sample':>10} {'ref rounds/sample':>18}")
        for fam, fig in gen["families"].items():
            lines.append(
                f"{fam:<13} {fig['samples']:>8} {_f(fig['ms_per_sample']):>10} "
                f"{_f(fig.get('ref_rounds_per_sample'), '.1f'):>18}"
            )
        lines.append("")
    ident = results.get("identical")
    if ident:
        same = ", ".join(
            f"{k}: {'identical' if v else 'DIFFERENT'}" for k, v in ident["same_as_local_w1"].items()
        )
        lines.append(f"output bytes vs local --workers 1 ({ident['scans']} scans): {same}")
    lines.append("")
    for name, t in results["targets"].items():
        met = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        value = t["value"]
        shown = "-" if value is None else (f"{value:+.0%}" if name == "rss_growth" else f"{value:.3f}")
        lines.append(f"target {name:<24} {shown:>8}  ({t['target']}): {met}")
    return "\n".join(lines)


def video_lines(v: dict[str, Any] | None) -> list[str]:
    """The video decoding row (bench/video.py): frames/s sparse and dense, and the floors."""
    if not v:
        return []
    sp, de, jp, rd = v["sparse"], v["dense"], v["jpeg_floor"], v["read_floor"]
    return [
        f"video decode ({v['scans']} scans, 24 fps clips): sparse {sp['frames']} frames "
        f"{_f(sp['frames_per_s'], '.1f')} frames/s; dense {de['frames']} frames "
        f"{_f(de['frames_per_s'], '.1f')} frames/s; floors: JPEG decode {_f(jp['frames_per_s'], '.1f')} "
        f"frames/s (dense/JPEG {_f(v['dense_over_jpeg'])}x), raw read {_mb(rd['bytes'])} MB in "
        f"{_f(rd['seconds'], '.3f')} s; peak {_mb(v.get('peak_rss_bytes'))} MB"
    ]


def write_results(path: Path, results: dict[str, Any]) -> None:
    """bench/results.json (git-ignored)."""
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n", encoding="utf-8")
