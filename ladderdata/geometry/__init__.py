"""Pure-numpy geometry of the unification step (tested against hand-computed values).

Modules, one concept each:
- `transforms`: rigid transforms, world <-> camera, pose validity.
- `projection`: pinhole projection (OpenCV camera), colour-pixel <-> depth-pixel mapping.
- `visibility`: per-frame depth-tested visibility, 2D boxes and truncation of many objects at once.
- `boxes`: gravity-aligned 3D boxes (axis-aligned, yaw-only oriented) and their corners.
- `distances`: exact axis-aligned box distances and point-set distances.
- `directions`: floor-plane angles and camera-frame offsets used by direction questions.
- `room`: floor-level point sampling and the alpha-shape floor polygon / area.

Conventions (DESIGN.md section 3): world = axis-aligned scan frame, z up, metres; camera = OpenCV
(x right, y down, z forward); poses are camera-to-world 4x4; pixel (u, v) continuous coordinates have
integer values at pixel centres, so pixel index = floor(u + 0.5) and the image spans
[-0.5, W - 0.5) x [-0.5, H - 0.5).
"""
