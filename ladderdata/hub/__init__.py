"""Publishing a build: push to the Hugging Face Hub, pull it back, rebuild withheld images.

The work lives in small modules; this is the public entry point:

- `push(build_dir, PushOptions(...))` (hub.push): bounded, resumable commits; card validated first;
  licensed pixel media withheld unless `allow_media`; head tagged `schema-v<SCHEMA_VERSION>`.
- `pull(repo_id, out)` (hub.pull): snapshot_download of a pushed build.
- `materialize(build_dir, ["PATH" | "SOURCE=PATH"])` (hub.materialize): images/ rebuilt from raw scans,
  verified against meta/media.json.

Tokens come from `--token`, `HF_TOKEN` or the `hf auth login` cache and are scrubbed from every message
(hub.auth). `Report` (the message callback) and `REPO_TYPE` are shared by the commands (hub.types).
"""

from __future__ import annotations

from ladderdata.hub.materialize import MaterializeResult, materialize, require_complete
from ladderdata.hub.pull import PullResult, pull
from ladderdata.hub.push import PushOptions, PushResult, push, schema_tag
from ladderdata.hub.types import REPO_TYPE, Report

__all__ = [
    "MaterializeResult",
    "PullResult",
    "PushOptions",
    "PushResult",
    "REPO_TYPE",
    "Report",
    "materialize",
    "pull",
    "push",
    "require_complete",
    "schema_tag",
]
