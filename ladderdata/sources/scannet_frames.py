"""Where a ScanNet scan's RGB-D frames come from: its SensReader export, or its `<scan>.sens` directly.

Both stores answer the same questions (frame numbers, intrinsics, sizes, and per frame the pose, the
colour image's size and path, the depth map), so the adapter reads frames the same way from either. The
`.sens` store hands out the values SensReader's exporter would have written: matrices pass through its
`%f` text (6 decimals, below float32's resolution for ScanNet's magnitudes), depth keeps its uint16
values, colour its JPEG bytes. A scan read from its `.sens` and from an export of it therefore gives the
same scene record, apart from the colour and depth paths (`<scan>.sens#color/<i>.jpg` names a frame
inside the file).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ladderdata.errors import SourceError
from ladderdata.geometry.transforms import pose_problem
from ladderdata.sources import scannet_files as files
from ladderdata.sources.sens import SensError, SensFile

logger = logging.getLogger("ladderdata.sources")

DEFAULT_DEPTH_SIZE = (640, 480)
FRAMES_FROM = ("auto", "sens", "export")
"""Values of the adapter's `frames_from`: `.sens` when present (auto), only `.sens`, only the export."""
LOST_TO_CUT = "frames_lost_sens_cut"
"""Stats key: frames a `.sens` cut mid-frame announced but no longer holds."""


def as_exported(matrix: np.ndarray) -> np.ndarray:
    """A matrix as SensReader's exporter writes it (`np.savetxt(fmt='%f')`) and the adapter reads it."""
    return np.array([float(f"{v:f}") for v in np.asarray(matrix, dtype=np.float64).reshape(-1)]).reshape(
        np.shape(matrix)
    )


class ExportFrames:
    """Frames of a SensReader export folder: pose/<i>.txt, color/<i>.jpg, depth/<i>.png, intrinsic/."""

    def __init__(self, export: Path, meta: dict[str, str], meta_path: Path):
        self.where = export
        self.indices = sorted(int(p.stem) for p in (export / "pose").glob("*.txt") if p.stem.isdigit())
        if not self.indices:
            raise SourceError.at(export / "pose", "export has no pose files", files.REEXPORT)
        k_color = self._intrinsics(meta, meta_path, "color")
        if k_color is None:
            raise SourceError.at(
                export / "intrinsic" / "intrinsic_color.txt",
                "colour intrinsics are missing (and not in the scene .txt)",
                files.REEXPORT,
            )
        self.k_color = k_color
        self.color_size = (
            files.meta_int(meta, "colorWidth", meta_path),
            files.meta_int(meta, "colorHeight", meta_path),
        )
        self.depth_size = (
            files.meta_int(meta, "depthWidth", meta_path) or DEFAULT_DEPTH_SIZE[0],
            files.meta_int(meta, "depthHeight", meta_path) or DEFAULT_DEPTH_SIZE[1],
        )
        self.k_depth = self._intrinsics(meta, meta_path, "depth")
        self.stats: dict[str, int] = {}

    def _intrinsics(self, meta: dict[str, str], meta_path: Path, kind: str) -> np.ndarray | None:
        path = self.where / "intrinsic" / f"intrinsic_{kind}.txt"
        if path.is_file():
            return files.check_intrinsics(files.read_matrix4(path, f"intrinsic_{kind}")[:3, :3], path)
        k = files.meta_intrinsics(meta, kind, meta_path)
        return None if k is None else files.check_intrinsics(k, meta_path)

    def unposed(self, stride: int) -> int:
        """Colour frames at the stride without a pose file (they cannot be placed)."""
        posed = set(self.indices)
        return sum(
            1
            for p in (self.where / "color").glob("*.jpg")
            if p.stem.isdigit() and (i := int(p.stem)) not in posed and i % stride == 0
        )

    def pose(self, index: int) -> np.ndarray:
        """Camera-to-world of frame `index` (mesh frame)."""
        return files.read_matrix4(self.where / "pose" / f"{index}.txt", "pose")

    def color_path(self, index: int) -> Path:
        """Path of frame `index`'s colour JPEG."""
        return self.where / "color" / f"{index}.jpg"

    def depth_path(self, index: int) -> Path:
        """Path of frame `index`'s depth PNG."""
        return self.where / "depth" / f"{index}.png"

    def image_size(self, index: int) -> tuple[int, int]:
        """(width, height) of frame `index`'s colour image, from its header."""
        return files.image_size(self.color_path(index))

    def depth(self, index: int) -> np.ndarray:
        """uint16 (H, W) millimetres of frame `index`."""
        return files.read_depth(self.depth_path(index), self.depth_size)

    def close(self) -> None:
        """Nothing to release."""


class SensFrames:
    """Frames of `<scan>.sens`, read by seeking (ladderdata.sources.sens); frame numbers are positions.

    Frames without a colour image (dropped sensor frames) are not frames of the scan. A file cut
    mid-frame keeps the frames before the cut and counts the rest in `stats` (LOST_TO_CUT), unless
    `strict`, which raises.
    """

    def __init__(self, path: Path, *, strict: bool):
        self.where = path
        self.file = SensFile(path)
        header = self.file.header
        self.stats: dict[str, int] = {}
        if self.file.lost_frames:
            cut = SensError.at(
                path,
                f"file is cut inside frame {self.file.frames}: {self.file.lost_frames} of "
                f"{header.num_frames} frames lost",
                files.REDOWNLOAD,
            )
            if strict:
                self.file.close()
                raise cut
            logger.warning("%s; reading the %d frames before the cut", cut, self.file.frames)
            self.stats[LOST_TO_CUT] = self.file.lost_frames
        self.indices = [int(i) for i in np.flatnonzero(self.file.index.color_sizes > 0)]
        if not self.indices:
            self.file.close()
            raise SensError.at(path, "holds no frame with a colour image", files.REDOWNLOAD)
        if abs(header.depth_shift - 1000.0) > 1e-3:
            self.file.close()
            raise SensError.at(
                path,
                f"depth shift {header.depth_shift:g}, expected 1000 (depth in millimetres)",
                files.REDOWNLOAD,
            )
        self.k_color = files.check_intrinsics(as_exported(header.intrinsic_color)[:3, :3], path)
        self.k_depth = files.check_intrinsics(as_exported(header.intrinsic_depth)[:3, :3], path)
        self.color_size: tuple[int | None, int | None] = header.color_size
        self.depth_size = header.depth_size

    def unposed(self, stride: int) -> int:
        """Every frame of a `.sens` has a pose slot."""
        return 0

    def pose(self, index: int) -> np.ndarray:
        """Camera-to-world of frame `index` as SensReader exports it (`-inf` kept)."""
        return as_exported(self.file.pose(index))

    def color_path(self, index: int) -> Path:
        """Virtual path `<scan>.sens#color/<i>.jpg` of the frame's JPEG (sens.read_color_bytes reads it)."""
        return Path(self.file.member("color", index))

    def depth_path(self, index: int) -> Path:
        """Virtual path `<scan>.sens#depth/<i>` of the frame's depth."""
        return Path(self.file.member("depth", index))

    def image_size(self, index: int) -> tuple[int, int]:
        """(width, height) from the JPEG's header (the bytes are read, not decoded)."""
        try:
            with Image.open(io.BytesIO(self.file.color_bytes(index))) as img:
                return img.size
        except (UnidentifiedImageError, OSError) as err:
            raise SensError.at(
                self.color_path(index), "cannot read colour image header (not a JPEG)", files.REDOWNLOAD
            ) from err

    def depth(self, index: int) -> np.ndarray:
        """uint16 (H, W) millimetres of frame `index` (inflated now, for this frame only)."""
        return self.file.depth(index)

    def close(self) -> None:
        """Close the `.sens` file."""
        self.file.close()


@dataclass(frozen=True)
class FrameRead:
    """A frame's pose and depth map as read ahead of its turn (`threads.prefetched`): each is the value or
    the exception reading it raised, re-raised by `pose()` / `depth()` when the frame is processed, so a
    bad file fails at the same point as when read in turn."""

    pose_or_error: np.ndarray | Exception
    depth_or_error: np.ndarray | Exception | None
    """None: not read, because the pose is missing or unusable (the frame is skipped without it)."""

    def pose(self) -> np.ndarray:
        """The camera-to-world pose (raises what reading it raised)."""
        return _value(self.pose_or_error)

    def depth(self) -> np.ndarray:
        """The uint16 depth map (raises what reading it raised)."""
        if self.depth_or_error is None:
            raise RuntimeError("depth of a frame with an unusable pose was not read")
        return _value(self.depth_or_error)


def _value(got: np.ndarray | Exception) -> np.ndarray:
    if isinstance(got, Exception):
        raise got
    return got


def read_frame(store: ExportFrames | SensFrames, index: int) -> FrameRead:
    """Read frame `index`'s pose and, when the pose is usable, its depth (the costly decode, which
    releases the GIL: run ahead on a thread, it overlaps the previous frame's visibility)."""
    try:
        pose = store.pose(index)
    except Exception as err:  # noqa: BLE001 - handed back and re-raised in turn by FrameRead.pose
        return FrameRead(err, None)
    if pose_problem(pose) is not None:
        return FrameRead(pose, None)
    try:
        return FrameRead(pose, store.depth(index))
    except Exception as err:  # noqa: BLE001 - re-raised in turn by FrameRead.depth
        return FrameRead(pose, err)
