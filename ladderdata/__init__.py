"""ladderdata: SpatialLadder-style spatial-reasoning data from 3D scans, and a trainer for it."""

__version__ = "0.1.0"
