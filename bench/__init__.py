"""Throughput and memory benchmarks of `ladderdata build` (`make bench`, i.e. `python -m bench.run`).

- `scans.py`   procedural scans in ScanNet layout (ladderdata.sample.generate), cached per scan under
  `bench/_work/raw/`;
- `floor.py`   the decode floor: read and decode only what a build reads (mesh, segments, aggregation,
  poses, depth PNGs at the build's stride, colour bytes of the images it hashes/copies);
- `measure.py` runs a command as a subprocess and samples the peak RSS of its whole process tree;
- `build_once.py` one build through `run_build` (what `ladderdata build` calls), with its stage timings;
- `report.py`  linear fit, ratios, the stdout table and `bench/results.json`;
- `run.py`     the whole benchmark in one run.

Numbers are ratios measured side by side on the same machine; nothing here is a test assertion.
"""
