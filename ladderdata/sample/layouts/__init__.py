"""The procedural sample written in other datasets' layouts (`ladderdata sample --layout NAME`).

The rooms, meshes, camera walks and lost-tracking bursts are those of the ScanNet-layout sample with the
same (scans, frames, seed): each layout module replays `sample.generate`'s random draws in the same order,
then writes the files the way its dataset ships them, with a `truth/` folder relating every scan to its
ScanNet-layout twin (`scannet_scan_id`, the mesh-to-aligned transform, upright poses). The modules live in
this sub-package so that the ScanNet sample's generator fingerprint (the `sample/*.py` files) and thus
the default sample stay untouched by them.
"""

from __future__ import annotations

from ladderdata.sample.layouts.common import LAYOUTS, default_layout_root, generate_layout

__all__ = ["LAYOUTS", "default_layout_root", "generate_layout"]
