"""Floor-plane angles and camera offsets against hand-computed values."""

import numpy as np

from ladderdata.geometry.directions import camera_offsets, ccw_angle_deg


def test_ccw_angles():
    origin, facing = [0, 0], [0, 1]  # facing +y
    targets = np.array([[-1, 0], [0, -1], [1, 0], [1, 1]], float)
    # left of +y is -x (90 deg ccw), behind is 180, right is 270, front-right 315
    np.testing.assert_allclose(ccw_angle_deg(origin, facing, targets), [90, 180, 270, 315])


def test_camera_offsets():
    pose = np.array([[1.0, 0, 0, 2], [0, 0, 1, -3], [0, -1, 0, 1], [0, 0, 0, 1]])
    # a point 1 m to the right (+x world) and 4 m ahead (+y world) of the camera
    np.testing.assert_allclose(camera_offsets([[3.0, 1.0, 1.0]], pose), [[1.0, 0.0, 4.0]])
