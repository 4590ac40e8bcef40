"""Depth-tested visibility, 2D boxes and truncation with hand-made depth maps."""

import numpy as np
import pytest

from ladderdata.errors import GeometryError
from ladderdata.geometry.visibility import frame_visibility

K = np.array([[100.0, 0, 50], [0, 100.0, 40], [0, 0, 1]])  # 100 x 80 image
SIZE = (100, 80)
IDENTITY = np.eye(4)  # camera at the origin looking along world +z


def grid(x0, x1, y0, y1, z, n=5):
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.column_stack([xs.ravel(), ys.ravel(), np.full(xs.size, z)])


def test_box_behind_wall_is_occluded():
    # wall: a plane at z = 2 covering the centre of the image (depth map reads 2.0 m there);
    # object A at z = 3 behind it, object B at z = 2.05 (within the 0.1 m tolerance), object C at z = 1.
    depth = np.zeros((80, 100), dtype=np.float32)
    depth[20:60, 25:75] = 2.0
    a = grid(-0.2, 0.2, -0.2, 0.2, 3.0)  # projects to u 43.3..56.7, v 33.3..46.7: inside the wall
    b = grid(-0.1, 0.1, -0.1, 0.1, 2.05)
    c = grid(-0.1, 0.1, -0.1, 0.1, 1.0)  # in front of the wall: u 40..60, v 30..50
    pts = np.concatenate([a, b, c])
    owner = np.repeat([0, 1, 2], 25)
    vis = frame_visibility(pts, owner, 3, IDENTITY, K, SIZE, depth_m=depth)
    assert vis.in_frustum.tolist() == [25, 25, 25]
    assert vis.visible.tolist() == [0, 25, 25]
    assert vis.ratio.tolist() == [0.0, 1.0, 1.0]
    assert vis.boxes[0].tolist() == [-1, -1, -1, -1]
    # C: u = 50 + 100 * x, x in [-0.1, 0.1] -> pixels 40..60 -> box [40, 30, 61, 51]
    assert vis.boxes[2].tolist() == [40, 30, 61, 51]
    assert vis.truncated.tolist() == [False, False, False]


def test_zero_depth_is_unknown_not_occluded():
    depth = np.zeros((80, 100), dtype=np.float32)
    pts = grid(-0.1, 0.1, -0.1, 0.1, 5.0)
    vis = frame_visibility(pts, np.zeros(25, int), 1, IDENTITY, K, SIZE, depth_m=depth)
    assert vis.visible.tolist() == [25]


def test_partial_occlusion_ratio_and_box():
    # depth 1.0 on the left half of the image (u < 50): the left columns of the object are hidden
    depth = np.zeros((80, 100), dtype=np.float32)
    depth[:, :50] = 1.0
    pts = grid(-0.4, 0.4, -0.2, 0.2, 2.0)  # columns x = -0.4, -0.2, 0, 0.2, 0.4 -> u = 30, 40, 50, 60, 70
    vis = frame_visibility(pts, np.zeros(25, int), 1, IDENTITY, K, SIZE, depth_m=depth)
    # u = 50 rounds to pixel 50 which has no reading: visible. Visible columns u = 50, 60, 70.
    assert vis.visible.tolist() == [15]
    assert vis.ratio.tolist() == [0.6]
    assert vis.boxes[0].tolist() == [50, 30, 71, 51]  # v = 40 + 100 * y / 2, y in [-0.2, 0.2]


def test_truncation_and_clipping():
    # points x in [0, 1] at z = 1 -> u = 50 .. 150: half outside the 100-pixel-wide image
    pts = grid(0.0, 1.0, 0.0, 0.1, 1.0, n=11)
    vis = frame_visibility(pts, np.zeros(len(pts), int), 1, IDENTITY, K, SIZE)
    assert vis.truncated.tolist() == [True]
    assert vis.in_frustum.tolist() == [5 * 11]  # u = 50, 60, 70, 80, 90
    assert vis.boxes[0].tolist() == [50, 40, 91, 51]
    # an object partly behind the camera is truncated too
    behind = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]])
    assert frame_visibility(behind, [0, 0], 1, IDENTITY, K, SIZE).truncated.tolist() == [True]


def test_objects_without_frustum_points_and_area():
    pts = np.array([[0.0, 0.0, -1.0], [0.1, 0.1, 1.0], [0.3, 0.2, 1.0]])
    vis = frame_visibility(pts, [0, 1, 1], 2, IDENTITY, K, SIZE)
    assert vis.in_frustum.tolist() == [0, 2]
    assert vis.truncated.tolist() == [False, False]  # nothing in frustum -> not "truncated"
    # pixels (60, 50) and (80, 60) -> box [60, 50, 81, 61] -> 21 * 11 / 8000
    assert vis.boxes[1].tolist() == [60, 50, 81, 61]
    assert vis.area_frac[1] == pytest.approx(21 * 11 / 8000)


def test_unsorted_owner_and_separate_depth_intrinsics():
    # depth map at half resolution with its own K: 50 x 40, f = 50, c = (25, 20)
    kd = np.array([[50.0, 0, 25], [0, 50.0, 20], [0, 0, 1]])
    depth = np.zeros((40, 50), dtype=np.float32)
    depth[15:25, 20:30] = 1.0  # wall at 1 m around the centre in depth pixels
    hidden = np.array([[0.0, 0.0, 3.0]])  # colour (50, 40) -> depth (25, 20): behind the wall
    free = np.array([[1.2, 0.0, 3.0]])  # colour (90, 40) -> depth (45, 20): no reading
    vis = frame_visibility(
        np.concatenate([free, hidden]), [1, 0], 2, IDENTITY, K, SIZE, depth_m=depth, k_depth=kd
    )
    assert vis.visible.tolist() == [0, 1]


def test_bad_owner_index_rejected():
    with pytest.raises(GeometryError):
        frame_visibility(np.zeros((2, 3)), [0, 5], 2, IDENTITY, K, SIZE)


def test_frustum_culling_of_boxes():
    # camera at the origin looking along +z, 100 x 80 image, f = 100: half-angles atan(0.505), atan(0.405)
    mins = np.array([[-0.1, -0.1, 1.0], [-0.1, -0.1, -3.0], [2.0, -0.1, 1.0], [0.4, -0.1, 1.0], [-5, -5, -5]])
    maxs = np.array([[0.1, 0.1, 2.0], [0.1, 0.1, -1.0], [3.0, 0.1, 2.0], [1.0, 0.1, 1.0], [5, 5, 5]])
    from ladderdata.geometry.visibility import frustum_may_contain

    # 0 in view; 1 behind; 2 right of the frustum (x/z >= 1 > 0.495); 3 straddles the right plane
    # (x/z from 0.4 to 1.0); 4 contains the camera
    assert frustum_may_contain(mins, maxs, IDENTITY, K, SIZE).tolist() == [True, False, False, True, True]


def test_culling_never_changes_results():
    rng = np.random.default_rng(3)
    owner = np.repeat(np.arange(30), 20)
    centres = rng.uniform([-3, -3, -1], [3, 3, 6], size=(30, 3))
    pts = centres[owner] + rng.uniform(-0.3, 0.3, size=(600, 3))
    mins = np.array([pts[owner == i].min(axis=0) for i in range(30)])
    maxs = np.array([pts[owner == i].max(axis=0) for i in range(30)])
    depth = rng.uniform(2.0, 10.0, size=(80, 100)).astype(np.float32)  # occludes some points
    from ladderdata.geometry.visibility import frustum_may_contain

    culled_objects = ~frustum_may_contain(mins, maxs, IDENTITY, K, SIZE)
    assert culled_objects.sum() >= 5  # the comparison below exercises real culling
    plain = frame_visibility(pts, owner, 30, IDENTITY, K, SIZE, depth_m=depth)
    culled = frame_visibility(pts, owner, 30, IDENTITY, K, SIZE, depth_m=depth, object_bounds=(mins, maxs))
    assert (plain.in_frustum > 0).sum() >= 5 and (plain.visible > 0).sum() >= 3
    for field in ("in_frustum", "visible", "boxes", "truncated"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(culled, field))


@pytest.mark.parametrize("skew", [0.0, 1.5])
def test_counts_and_boxes_match_the_per_point_functions_bit_for_bit(skew):
    # frame_visibility works on one array per coordinate; the public per-point functions are the spec
    from ladderdata.geometry.projection import pixel_index, project_camera_points
    from ladderdata.geometry.transforms import world_to_camera
    from ladderdata.geometry.visibility import depth_behind

    rng = np.random.default_rng(7)
    owner = np.repeat(np.arange(12), 50)
    pts = rng.uniform([-2, -2, 0.5], [2, 2, 5], size=(12, 3))[owner] + rng.normal(0, 0.2, size=(600, 3))
    angle = 0.3
    pose = np.eye(4)
    pose[:3, :3] = [[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]]
    pose[:3, 3] = [0.1, -0.2, -0.3]
    k = np.array([[100.0, skew, 50], [0, 100.0, 40], [0, 0, 1]])
    k_depth = np.array([[60.0, 0, 31], [0, 60.0, 23], [0, 0, 1]])
    depth = rng.uniform(1.0, 6.0, size=(48, 64)).astype(np.float32)
    vis = frame_visibility(pts, owner, 12, pose, k, SIZE, depth_m=depth, k_depth=k_depth)

    cam = world_to_camera(pts, pose)
    uv = project_camera_points(cam, k)
    with np.errstate(invalid="ignore"):
        inside = (
            (cam[:, 2] > 1e-6)
            & (uv[:, 0] >= -0.5)
            & (uv[:, 0] < 99.5)
            & (uv[:, 1] >= -0.5)
            & (uv[:, 1] < 79.5)
        )
    behind = np.full(len(pts), -np.inf)
    behind[inside] = depth_behind(cam[inside, 2], project_camera_points(cam[inside], k_depth), depth)
    seen = inside & ~(behind > 0.1)
    assert 0 < seen.sum() < inside.sum() < len(pts)  # some points outside, some occluded
    np.testing.assert_array_equal(vis.in_frustum, np.bincount(owner[inside], minlength=12))
    np.testing.assert_array_equal(vis.visible, np.bincount(owner[seen], minlength=12))
    px = pixel_index(uv[seen])
    for o in np.unique(owner[seen]):
        mine = px[owner[seen] == o]
        expected = [*mine.min(axis=0), *(mine.max(axis=0) + 1)]
        assert vis.boxes[o].tolist() == np.clip(expected, 0, [100, 80, 100, 80]).tolist()


def test_rows_times_is_einsum_bit_for_bit():
    from ladderdata.geometry.transforms import rows_times

    rng = np.random.default_rng(11)
    pts = rng.normal(0, 50, size=(20000, 3))
    rot = rng.normal(size=(3, 3))
    assert rows_times(pts, rot).tobytes() == np.einsum("ij,jk->ik", pts, rot).tobytes()
