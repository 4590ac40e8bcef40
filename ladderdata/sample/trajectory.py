"""Handheld-like camera trajectory for the procedural sample (aligned frame, OpenCV camera axes).

The operator walks once around the room's camera loop (1.1 m inside the walls) at a gently varying
speed, holding the camera at chest height and aiming it into the room: the heading is the loop's
inward normal plus a slow pan of up to about +-50 degrees, the camera tilts 17-30 degrees down, and
walking adds a vertical bob (1.8 Hz), a lateral sway and small high-frequency jitter of every angle.
All motion is a sum of sinusoids with seeded phases, so poses are smooth and deterministic.

Poses are camera-to-world 4x4 with OpenCV axes (x right, y down, z forward), as ScanNet stores them.
"""

from __future__ import annotations

import math
import random

import numpy as np

SENSOR_FPS = 30.0
"""Frame rate of the simulated sensor (ScanNet's structure sensor streams at 30 fps)."""


def look_rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Camera-to-world rotation (columns: right, down, forward) for a heading `yaw` (about +z from +x),
    `pitch` (positive looks up) and `roll` (about the viewing direction)."""
    fwd = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    c, s = math.cos(roll), math.sin(roll)
    right, down = c * right + s * down, -s * right + c * down
    return np.stack([right, down, fwd], axis=1)


class _Wave:
    """Sum of sinusoids a_i sin(2 pi f_i t + phi_i) with seeded phases."""

    def __init__(self, rng: random.Random, terms: list[tuple[float, float]]):
        self.terms = [(a, f, rng.uniform(0.0, 2 * math.pi)) for a, f in terms]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros_like(t)
        for a, f, phi in self.terms:
            out += a * np.sin(2 * math.pi * f * t + phi)
        return out


def _loop_geometry(loop: list[tuple[float, float]]):
    ring = np.asarray(loop, dtype=np.float64)
    if np.allclose(ring[0], ring[-1]):
        ring = ring[:-1]
    closed = np.vstack([ring, ring[:1]])
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    return closed, cum, float(cum[-1])


def _at(closed: np.ndarray, cum: np.ndarray, length: float, s: np.ndarray) -> np.ndarray:
    s = np.mod(s, length)
    return np.stack([np.interp(s, cum, closed[:, 0]), np.interp(s, cum, closed[:, 1])], axis=1)


def camera_trajectory(
    loop: list[tuple[float, float]], frame_indices: np.ndarray, rng: random.Random
) -> np.ndarray:
    """Camera-to-world poses (len(frame_indices), 4, 4) in the aligned frame.

    `loop` is the counter-clockwise closed loop to walk; `frame_indices` are sensor frame numbers
    (time = index / SENSOR_FPS). The walk covers the loop once over the frames' time span.
    """
    idx = np.asarray(frame_indices, dtype=np.float64)
    t = idx / SENSOR_FPS
    duration = max(float(t[-1]), 1.0 / SENSOR_FPS) if len(t) else 1.0
    closed, cum, length = _loop_geometry(loop)

    # arc length: one loop (90-105 %) with +-15 % speed variation; monotone because |variation| < 1
    cover = length * rng.uniform(0.9, 1.05)
    f_speed = 1.0 / rng.uniform(8.0, 14.0)
    phase = rng.uniform(0.0, 2 * math.pi)
    wobble = 0.15 / (2 * math.pi * f_speed) * (np.sin(2 * math.pi * f_speed * t + phase) - math.sin(phase))
    tau = np.clip((t + wobble) / duration, 0.0, None)
    direction = 1.0 if rng.random() < 0.5 else -1.0
    s = rng.uniform(0.0, length) + direction * cover * tau

    pos = _at(closed, cum, length, s)
    # heading from a chord 2 m long: the operator turns gradually around the loop's corners
    ahead = _at(closed, cum, length, s + 1.0)
    behind = _at(closed, cum, length, s - 1.0)
    tangent = ahead - behind  # counter-clockwise tangent
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    inward = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)

    sway = _Wave(rng, [(0.04, 1.0 / rng.uniform(3.5, 5.0))])(t)
    pos = pos + inward * sway[:, None]
    height = rng.uniform(1.38, 1.5) + _Wave(rng, [(0.05, 1.0 / rng.uniform(9.0, 13.0)), (0.012, 1.8)])(t)

    pan = _Wave(
        rng, [(rng.uniform(0.5, 0.65), 1.0 / rng.uniform(14.0, 20.0)), (0.15, 1.0 / rng.uniform(6.0, 9.0))]
    )
    yaw = np.arctan2(inward[:, 1], inward[:, 0]) + pan(t)
    yaw += _Wave(rng, [(0.008, 1.3), (0.005, 2.9)])(t)
    pitch = -rng.uniform(0.32, 0.4) + _Wave(rng, [(0.1, 1.0 / rng.uniform(9.0, 13.0)), (0.006, 1.7)])(t)
    roll = _Wave(rng, [(0.03, 1.0 / 7.0), (0.004, 2.3)])(t)

    poses = np.zeros((len(t), 4, 4))
    for k in range(len(t)):
        poses[k, :3, :3] = look_rotation(float(yaw[k]), float(pitch[k]), float(roll[k]))
        poses[k, :3, 3] = (pos[k, 0], pos[k, 1], height[k])
        poses[k, 3, 3] = 1.0
    return poses


def invalid_pose_frames(n_frames: int, rng: random.Random) -> list[int]:
    """Positions (0-based, among the exported frames) whose pose file is all -inf (tracking lost).

    About 2 % of the frames, as one burst in the middle of the scan; none for fewer than 10 frames,
    and never the first frame.
    """
    if n_frames < 10:
        return []
    n_bad = max(1, round(0.02 * n_frames))
    start = rng.randint(n_frames // 4, (3 * n_frames) // 4 - n_bad)
    return list(range(start, start + n_bad))
