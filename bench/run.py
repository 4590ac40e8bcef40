"""`make bench` (`python -m bench.run`): build throughput, memory and scaling of `ladderdata build`.

In one run, on procedural scans in ScanNet layout (bench/scans.py, cached under bench/_work/):

1. for each size (scans): a fresh `--workers 1` local build (wall time, scans/s, samples/s, peak RSS
   of the build's process tree) and the three floors of the same scans (bench/floor.py: decode,
   with every shipped colour image decoded, and the output floor with the preview's frames), each
   BENCH_REPEATS times with the sizes interleaved, the fastest kept; then video decoding of the
   smallest size's scans as 24 fps clips, sparse and dense, against its floors (bench/video.py);
2. the linear fit of build time against scans (slope, intercept, R^2);
3. `--workers 1` vs `--workers 2`, locally and on Ray (private runtime, start-up included and shown),
   and `--workers 1` on one thread (`LADDERDATA_THREADS=1`: what the threads add), each run
   BENCH_REPEATS times interleaved, the fastest kept (other work on a shared machine only ever slows
   a run down);
4. the output bytes of every variant compared with the local `--workers 1` build;
5. re-generation with another seed on the cached scene records (`--overwrite` keeps `scenes/`);
6. generation speed (bench/generation.py): CPU ms per emitted sample per family with the per-scan caps
   lifted, on the cached scene records of the largest build (no decode), beside a fixed reference
   workload timed in the same process (the ratio stays comparable across machines).
7. the smallest size built from `<scan>.sens` instead of the export, its decode floor, and the `.sens`
   reader's throughput as a ratio to a raw `read()` of the same files (bench/sens.py).

Builds use the default manifest (manifests/sample.yaml: families, quotas, generation settings, media
policy) with its source pointed at the benchmark scans; quotas that few scans cannot meet are allowed
short (`--allow-short`), so every size writes what it can.

Environment: BENCH_SIZES (default 4,8,16; the full run is 10,40,160), BENCH_FRAMES (exported frames per
scan, default 150), BENCH_SPEEDUP_SIZE (scans for the worker comparisons, default the largest size),
BENCH_REPEATS (runs of each worker variant, best kept; default 2), BENCH_RAY=0 (skip Ray),
BENCH_PROFILE=1 (pyinstrument profile of the smallest build, written to bench/_work/profile.txt),
BENCH_WORK (cache folder), BENCH_KEEP_STALE=1 (reuse scans made by older generator code),
BENCH_KEEP_BUILDS=1 (keep the build folders under bench/_work/builds/). Results:
bench/results.json (git-ignored) and a table on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench import sens as sens_bench
from bench.measure import run_measured
from bench.report import check_targets, linear_fit, machine, table, write_results
from bench.scans import ensure_scans
from ladderdata.config import DEFAULT_MANIFEST, BuildConfig, load_manifest
from ladderdata.io import sha256_file
from ladderdata.lifetime import exit_with_parent
from ladderdata.sample.generate import DEFAULT_FRAMES
from ladderdata.writers.layout import UNPUBLISHED_DIRS
from ladderdata.writers.reader import BuildReader

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_SIZES = (4, 8, 16)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _env_sizes() -> list[int]:
    raw = os.environ.get("BENCH_SIZES")
    if not raw:
        return list(DEFAULT_SIZES)
    sizes = sorted({int(x) for x in raw.replace(" ", "").split(",") if x})
    if not sizes or sizes[0] < 1:
        raise SystemExit(f"BENCH_SIZES={raw!r}: give comma-separated positive scan counts, e.g. 10,40,160")
    return sizes


def bench_manifest(work: Path, base: BuildConfig, root: Path, scan_ids: list[str]) -> Path:
    """The default manifest with its (first) source replaced by the benchmark scans."""
    data = base.model_dump(mode="json", exclude={"manifest_path"})
    src = dict(data["sources"][0])
    src.update(
        name="bench",
        kind="scannet",
        root=str(root),
        export_root=None,
        licensed=False,
        licence={"name": "CC0-1.0", "text": "Procedural benchmark scans (ladderdata.sample.generate)."},
        scans=list(scan_ids),
    )
    data["sources"] = [src]
    data["name"] = f"bench-{len(scan_ids)}"
    path = work / "manifests" / f"bench-{len(scan_ids)}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def build(
    work: Path,
    manifest: Path,
    name: str,
    *,
    workers: int,
    executor: str,
    fresh: bool = True,
    seed: int | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One measured build subprocess (bench.build_once), `env` added to its environment; returns its
    figures."""
    out = work / "builds" / name
    if fresh and out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = work / "builds" / f"{name}.json"
    cmd = [sys.executable, "-m", "bench.build_once", "--manifest", str(manifest), "--out", str(out)]
    cmd += ["--workers", str(workers), "--executor", executor, "--json", str(report)]
    if not fresh:
        cmd.append("--overwrite")
    if seed is not None:
        cmd += ["--seed", str(seed)]
    log(f"build {name} ({executor}, {workers} worker(s)) ...")
    m = run_measured(cmd, cwd=REPO, env=None if env is None else {**os.environ, **env})
    if m.returncode != 0:
        raise SystemExit(f"bench build {name} failed (exit {m.returncode}):\n{m.stderr[-4000:]}")
    got = json.loads(report.read_text(encoding="utf-8"))
    got.update(
        out=str(out),
        seconds=m.seconds,
        peak_rss_bytes=m.peak_rss_bytes,
        max_process_rss_bytes=m.max_child_rss_bytes,
        cpu_seconds=m.cpu_seconds,
        load_avg=m.load_avg,
        scans_per_s=got["scans"] / m.seconds,
        samples_per_s=got["samples_generated"] / m.seconds,
    )
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in got["stages"].items())
    log(
        f"  {m.seconds:.1f}s wall, {m.cpu_seconds:.1f}s CPU, peak {m.peak_rss_bytes / 2**20:.0f} MB "
        f"({stages}), load {m.load_avg:.1f}"
    )
    return got


def preview_paths(build_out: Path) -> list[str]:
    """Build-relative paths of the images a build's preview shard embeds (none without a preview)."""
    import pyarrow.parquet as pq

    from ladderdata.writers.layout import BuildLayout

    shard = BuildLayout(build_out).preview_shard
    if not shard.is_file():
        return []
    return sorted(
        {
            image["path"]
            for row in pq.read_table(shard, columns=["images"])["images"].to_pylist()
            for image in row
        }
    )


def floor(
    work: Path,
    root: Path,
    scan_ids: list[str],
    stride: int,
    build_out: Path,
    verify: bool = False,
    preview: bool = False,
) -> dict[str, Any]:
    """The decode floor of the scans a build read (its per-scan media entries name the colour reads);
    `verify`: with the build's full decode of every shipped colour image (`bench.floor --verify-colour`);
    `preview`: also making the preview frames the build's preview shard embeds (`--preview`)."""
    from bench.floor import images_by_scan, preview_sources

    reader = BuildReader(build_out)
    media = {rel: entry for s in scan_ids for rel, entry in reader.scan_media(s).items()}
    images_file = work / "builds" / f"floor-images-{len(scan_ids)}.json"
    images_file.write_text(json.dumps(images_by_scan(media.values())), encoding="utf-8")
    cmd = [sys.executable, "-m", "bench.floor", "--root", str(root), "--stride", str(stride)]
    cmd += ["--images", str(images_file), *scan_ids] + (["--verify-colour"] if verify else [])
    if preview:
        preview_file = work / "builds" / f"floor-preview-{len(scan_ids)}.json"
        preview_file.write_text(
            json.dumps(preview_sources(media, preview_paths(build_out))), encoding="utf-8"
        )
        cmd += ["--preview", str(preview_file)]
    what = ", colour images decoded" if verify else ""
    log(f"decode floor ({len(scan_ids)} scans{what}{', preview frames made' if preview else ''}) ...")
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise SystemExit(f"decode floor failed (exit {m.returncode}):\n{m.stderr[-4000:]}")
    got = json.loads(m.stdout.strip().splitlines()[-1])
    got.update(process_seconds=m.seconds, peak_rss_bytes=m.peak_rss_bytes, cpu_seconds=m.cpu_seconds)
    log(f"  decode {got['seconds']:.1f}s ({m.seconds:.1f}s with interpreter start)")
    return got


def video_row(work: Path, root: Path, scan_ids: list[str]) -> dict[str, Any]:
    """Video decoding of the scans' clips and its floors (bench/video.py), one process."""
    cmd = [sys.executable, "-m", "bench.video", "--root", str(root), "--work", str(work), *scan_ids]
    log(f"video decoding ({len(scan_ids)} scans; clips written once) ...")
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise SystemExit(f"video bench failed (exit {m.returncode}):\n{m.stderr[-4000:]}")
    got = json.loads(m.stdout.strip().splitlines()[-1])
    got.update(peak_rss_bytes=m.peak_rss_bytes)
    return got


def _fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated runs, with every run's wall time and load average beside it."""
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["all_seconds"] = [r["seconds"] for r in runs]
    best["all_load_avg"] = [r.get("load_avg") for r in runs]
    return best


def tree_digest(out: Path) -> dict[str, str]:
    """sha256 of every published file of a build (state, drops and the scene cache left out)."""
    digests = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and rel.parts[0] not in UNPUBLISHED_DIRS:
            digests[rel.as_posix()] = sha256_file(path)
    return digests


def generation(work: Path, manifest: Path, build_out: Path) -> dict[str, Any]:
    """The generation row (bench.generation) on a finished build's scene records, in its own process."""
    cmd = [sys.executable, "-m", "bench.generation", "--scenes", str(build_out), "--manifest", str(manifest)]
    log(f"generation speed on the scene records of {build_out.name} (caps lifted) ...")
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise SystemExit(f"generation bench failed (exit {m.returncode}):\n{m.stderr[-4000:]}")
    got = json.loads(m.stdout)
    fams = got["families"]
    log(
        "  "
        + ", ".join(f"{k} {v['ms_per_sample']:.2f} ms" for k, v in fams.items() if v["ms_per_sample"])
        + f" per sample (reference round {got['reference_round_ms'] * 1000:.1f} us)"
    )
    return got


def profile(work: Path, manifest: Path) -> Path:
    """pyinstrument over one `--workers 1` build (text report)."""
    out = work / "builds" / "profile"
    shutil.rmtree(out, ignore_errors=True)
    report = work / "profile.txt"
    cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(report), "-m", "bench.build_once"]
    cmd += ["--manifest", str(manifest), "--out", str(out), "--json", str(work / "builds" / "profile.json")]
    log("profiling one --workers 1 build (pyinstrument) ...")
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise SystemExit(f"profile build failed:\n{m.stderr[-4000:]}")
    return report


def parse_args(argv: list[str] | None = None) -> None:
    """`--help` prints this module's description (every setting is an environment variable); any other
    argument is a usage error (exit 2), so a typo never starts an hour-long benchmark."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parse_args(argv)
    exit_with_parent()  # `make bench` killed: end this run, and with it its builds and their workers
    started = time.perf_counter()
    sizes = _env_sizes()
    frames = int(os.environ.get("BENCH_FRAMES", DEFAULT_FRAMES))
    speed_size = int(os.environ.get("BENCH_SPEEDUP_SIZE", max(sizes)))
    with_ray = os.environ.get("BENCH_RAY", "1") != "0"
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "2")))
    work = Path(os.environ.get("BENCH_WORK", BENCH_DIR / "_work")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if not DEFAULT_MANIFEST.is_file():
        raise SystemExit(f"{DEFAULT_MANIFEST}: the default manifest is missing; the benchmark builds with it")
    base = load_manifest(DEFAULT_MANIFEST)
    stride = base.sources[0].frame_stride

    results: dict[str, Any] = {"machine": machine()}
    root, ids = ensure_scans(
        work, max(sizes + [speed_size]), frames=frames, workers=min(2, os.cpu_count() or 1), log=log
    )
    results["config"] = {
        "sizes": sizes,
        "frames": frames,
        "frame_stride": stride,
        "media_policy": base.media_policy(),
        "manifest": str(DEFAULT_MANIFEST.relative_to(REPO)),
        "speedup_scans": speed_size,
        "repeats": repeats,
        "scan_root": str(root),
    }
    manifests = {n: bench_manifest(work, base, root, ids[:n]) for n in sorted(set(sizes + [speed_size]))}

    # every size `repeats` times, sizes interleaved, fastest build and floor kept (see the worker runs)
    size_tries: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    floor_tries: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    verify_tries: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}  # floor + colour decode
    output_tries: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}  # ... + preview frames
    local_w1_digest = None
    for _round in range(repeats):
        for n in sizes:
            b = build(work, manifests[n], f"local-w1-{n}", workers=1, executor="local")
            size_tries[n].append(b)
            floor_tries[n].append(floor(work, root, ids[:n], stride, Path(b["out"])))
            verify_tries[n].append(floor(work, root, ids[:n], stride, Path(b["out"]), verify=True))
            output_tries[n].append(
                floor(work, root, ids[:n], stride, Path(b["out"]), verify=True, preview=True)
            )
            if n == speed_size:
                local_w1_digest = tree_digest(Path(b["out"]))
    rows = []
    for n in sizes:
        b = _fastest(size_tries[n])
        f = min(floor_tries[n], key=lambda r: r["seconds"])
        v = min(verify_tries[n], key=lambda r: r["seconds"])
        o = min(output_tries[n], key=lambda r: r["seconds"])
        rows.append(
            {
                "scans": n,
                "build": b,
                "floor": f,
                "floor_verify": v,
                "floor_output": o,
                # both whole processes, interpreter start and imports included (the target's figure)
                "build_over_floor": b["seconds"] / f["process_seconds"],
                # the build's whole process over the floor's timed loop alone (the figure before
                # 2026-12-03, which charged the interpreter start to the build only)
                "build_over_floor_loop": b["seconds"] / f["seconds"],
            }
        )
    results["sizes"] = rows
    results["video"] = video_row(work, root, ids[: min(sizes)])
    results["fit"] = linear_fit([r["scans"] for r in rows], [r["build"]["seconds"] for r in rows])
    # .sens input (bench/sens.py): the smallest size again, read from <scan>.sens instead of the export
    results["sens"] = sens_bench.rows(
        work, root, ids[: sizes[0]], manifests[sizes[0]], size_tries[sizes[0]], floor_tries[sizes[0]],
        stride=stride, repeats=repeats, build_fn=build, floor_fn=floor, digest_fn=tree_digest, log=log,
    )  # fmt: skip
    results["fit_scans_stage"] = linear_fit(
        [r["scans"] for r in rows], [r["build"]["stages"]["scans"] for r in rows]
    )

    # Worker comparisons: each variant `repeats` times, interleaved, best (least disturbed) run kept:
    # on a shared machine other work steals cores at random, and the minimum is the least-noisy estimate.
    # local_w1_t1: one worker on one thread (LADDERDATA_THREADS=1), what the threads add to --workers 1
    one_thread = {"LADDERDATA_THREADS": "1"}
    variants = [
        ("local_w1", "local", 1, None),
        ("local_w2", "local", 2, None),
        ("local_w1_t1", "local", 1, one_thread),
    ]
    if with_ray:
        variants += [("ray_w1", "ray", 1, None), ("ray_w2", "ray", 2, None)]
    tries: dict[str, list[dict[str, Any]]] = {key: [] for key, _ex, _w, _env in variants}
    digests: dict[str, dict[str, str]] = {}
    if speed_size in sizes:  # the size sweep already ran local --workers 1 at this size
        tries["local_w1"] = list(size_tries[speed_size])
        digests["local_w1"] = local_w1_digest
        variants = variants[1:]
    for _round in range(repeats):
        for key, executor, workers, env in variants:
            name = f"{key.replace('_', '-')}-{speed_size}"
            got = build(work, manifests[speed_size], name, workers=workers, executor=executor, env=env)
            tries[key].append(got)
            digests[key] = tree_digest(Path(got["out"]))
    runs = {key: _fastest(runs_of_key) for key, runs_of_key in tries.items()}
    speedup = {}
    for kind in ("local", "ray"):
        w1, w2 = runs.get(f"{kind}_w1"), runs.get(f"{kind}_w2")
        if not (w1 and w2):
            continue
        speedup[kind] = {
            "scans": speed_size,
            "w1": w1["seconds"],
            "w2": w2["seconds"],
            "ratio": w1["seconds"] / w2["seconds"],
            "ratio_scans_stage": w1["stages"]["scans"] / w2["stages"]["scans"],
            "peak_w1": w1["peak_rss_bytes"],
            "peak_w2": w2["peak_rss_bytes"],
            "startup_w1": w1.get("executor_startup"),
            "startup_w2": w2.get("executor_startup"),
            "cpu_w1": w1.get("cpu_seconds"),
            "cpu_w2": w2.get("cpu_seconds"),
            "all_w1": w1["all_seconds"],
            "all_w2": w2["all_seconds"],
        }
    results["speedup"] = speedup
    single = runs.get("local_w1_t1")
    if single:
        results["threads"] = {
            "scans": speed_size,
            "one_thread": single["seconds"],
            "default": runs["local_w1"]["seconds"],
            "ratio": single["seconds"] / runs["local_w1"]["seconds"],
            "cpu_one_thread": single.get("cpu_seconds"),
            "cpu_default": runs["local_w1"].get("cpu_seconds"),
        }

    reference = digests["local_w1"]
    results["identical"] = {
        "scans": speed_size,
        "files": len(reference),
        "same_as_local_w1": {k: d == reference for k, d in digests.items() if k != "local_w1"},
    }

    fresh = runs["local_w1"]
    cached = build(
        work,
        manifests[speed_size],
        f"local-w1-{speed_size}",
        workers=1,
        executor="local",
        fresh=False,
        seed=base.seed + 1,
    )
    results["cached_rebuild"] = {
        "scans": speed_size,
        "seconds": cached["seconds"],
        "fresh_seconds": fresh["seconds"],
        "scans_stage": cached["stages"]["scans"],
        "fresh_scans_stage": fresh["stages"]["scans"],
        "scene_cache_reused": cached["scene_cache_reused"],
    }
    results["generation"] = generation(work, manifests[speed_size], Path(fresh["out"]))
    results["runs"] = runs
    results["targets"] = check_targets(results)
    if os.environ.get("BENCH_PROFILE") == "1":
        results["profile"] = str(profile(work, manifests[min(sizes)]))
    if os.environ.get("BENCH_KEEP_BUILDS") != "1":  # ~40 MB per build (copied images); reports stay
        for path in (work / "builds").iterdir():
            if path.is_dir():
                shutil.rmtree(path)
    results["bench_seconds"] = time.perf_counter() - started
    write_results(BENCH_DIR / "results.json", results)
    print(table(results))
    print("\n" + sens_bench.table(results["sens"]))
    print(f"\n(bench took {results['bench_seconds']:.0f}s; details in bench/results.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
