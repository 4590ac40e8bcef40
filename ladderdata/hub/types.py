"""Types and constants shared by the hub commands (push, pull, materialize).

They live here rather than in `hub/__init__.py` because `__init__` re-exports the command modules: a
submodule importing from `ladderdata.hub` would run `__init__`, which imports that very submodule
before the names it wants exist (an import cycle that only works by ordering lines).
"""

from __future__ import annotations

from collections.abc import Callable

REPO_TYPE = "dataset"
"""The Hub repo type every command uses: a build is a dataset repo."""

Report = Callable[[str], None]
"""Where a command writes its one-line progress and result messages (print by default)."""
