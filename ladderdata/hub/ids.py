"""Validation of Hub repo ids and revisions before anything is sent (push, pull).

A repo id is `NAMESPACE/NAME` of letters, digits, `-`, `_` and `.` (huggingface_hub's own rule, plus a
required namespace): `me/ds?x=1` or `me/ds#frag` would otherwise be pasted into request URLs. A
revision follows git's ref-name rules (`git check-ref-format`), so `../../x` cannot walk out of the
URL path it is placed in.
"""

from __future__ import annotations

import re

from ladderdata.errors import HubError

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\#%]")


def check_repo_id(repo_id: str) -> str:
    """`repo_id` when it is NAMESPACE/NAME of safe characters, else HubError saying what is wrong."""
    parts = repo_id.split("/")
    bad = len(parts) != 2 or not all(_NAME.fullmatch(p) for p in parts)
    if bad or ".." in repo_id or "--" in repo_id:
        raise HubError(
            f"repo id {repo_id!r}: expected NAMESPACE/NAME of letters, digits, '-', '_' and '.' "
            "(no '?', '#', '..', '--' or extra '/'); e.g. me/spatial-ladder-sample"
        )
    return repo_id


def check_revision(revision: str | None) -> str | None:
    """`revision` when it is a valid git ref name (branch, tag or commit), else HubError."""
    if revision is None:
        return None
    bad = (
        not revision
        or _REF_FORBIDDEN.search(revision) is not None
        or ".." in revision
        or "//" in revision
        or "@{" in revision
        or revision.startswith(("/", "-", "."))
        or revision.endswith(("/", ".", ".lock"))
        or any(part.startswith(".") for part in revision.split("/"))
    )
    if bad:
        raise HubError(
            f"--revision {revision!r}: not a valid branch, tag or commit name (no '..', leading '/' or "
            "'-', spaces or any of ~^:?*[\\#%); e.g. main or v1"
        )
    return revision
