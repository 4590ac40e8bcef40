"""The procedural sample: rooms, furniture, meshes and camera walks rendered with open3d and written in
ScanNet's exact layout (`generate.ensure_sample`), with ground truth for the tests' independent checker."""

SENS_OPTION_HELP = "also write scans/<scan>/<scan>.sens (ScanNet's RGB-D stream) from the exported frames"
"""Help of `ladderdata sample --sens` (the file name is the sample layout's knowledge, not the CLI's)."""
