"""A small, honest stand-in for the Hugging Face Hub HTTP API (dataset repos only), for tests.

It serves the endpoints huggingface_hub calls for push/pull - repo creation, preupload, LFS batch +
basic upload + verify, NDJSON commit, tree / paths-info listing, repo info, refs, branches, tags,
validate-yaml, and `resolve` downloads - stores what it is sent in memory (a commit graph of trees) and
serves it back. Every request is appended to `events` so tests can check what arrived.

It asserts nothing the real Hub would not: writes need a valid `Authorization: Bearer` token, an invalid
token gets 401, a commit may only reference LFS objects that were uploaded, `parentCommit` must be the
branch head, existing tags/branches/repos answer 409. The upload mode follows the rule of the real Hub
(binary content, big files or the default `.gitattributes` LFS suffixes go through LFS). Failures can be
injected per commit request to simulate an interrupted push. Xet is not served: clients must run with
HF_HUB_DISABLE_XET=1 (then huggingface_hub uses the LFS protocol, which the real Hub also accepts).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

LFS_SUFFIXES = (".parquet", ".arrow", ".jpg", ".jpeg", ".png", ".webp", ".mp4", ".gz", ".zip", ".npy", ".bin")
"""A subset of the default .gitattributes of a new dataset repo on the Hub."""
LFS_THRESHOLD = 10 * 1024 * 1024
GITATTRIBUTES = "".join(f"*{s} filter=lfs diff=lfs merge=lfs -text\n" for s in LFS_SUFFIXES)


def git_oid(data: bytes) -> str:
    """Git blob id of `data`."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass(frozen=True)
class Blob:
    """A file in a tree; LFS blobs are stored by sha256 in the repo's LFS store."""

    content: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def oid(self) -> str:
        """Git blob id (of the pointer file for LFS blobs, as on the Hub)."""
        return git_oid(lfs_pointer(self.sha256, self.size)) if self.lfs else git_oid(self.content)

    def entry(self, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "file", "oid": self.oid, "size": self.size, "path": path}
        if self.lfs:
            out["lfs"] = {
                "oid": self.sha256,
                "size": self.size,
                "pointerSize": len(lfs_pointer(self.sha256, self.size)),
            }
        return out


@dataclass
class Commit:
    oid: str
    parent: str | None
    tree: dict[str, Blob]
    title: str


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    lfs_store: dict[str, bytes] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit | None:
        if revision in self.branches:
            return self.commits[self.branches[revision]]
        if revision in self.tags:
            return self.commits[self.tags[revision]]
        matches = [c for oid, c in self.commits.items() if len(revision) >= 7 and oid.startswith(revision)]
        return matches[0] if len(matches) == 1 else None


def _is_binary(sample: bytes) -> bool:
    """Content sniffing on the first 512 bytes (a multi-byte character cut at the end is still text)."""
    if b"\0" in sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(sample) - 3
    return False


def _error(status: int, message: str, code: str | None = None) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    if code:
        resp.headers["X-Error-Code"] = code
    resp.headers["X-Error-Message"] = message
    return resp


class FakeHub:
    """The server. `tokens` maps valid tokens to user names. Use `start()` / `stop()`."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = dict(tokens)
        self.repos: dict[str, Repo] = {}
        self.events: list[dict[str, Any]] = []
        self.fail_commit_requests: dict[int, int] = {}
        """1-based index of a commit request -> HTTP status to answer it with (once), instead of committing."""
        self.commit_requests = 0
        self._lock = threading.RLock()
        self._counter = 0
        self.app = self._make_app()
        self._server = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeHub:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the test's stderr
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ helpers for tests
    def head_tree(self, repo_id: str, revision: str = "main") -> dict[str, Blob]:
        repo = self.repos[repo_id]
        return dict(repo.resolve(revision).tree)

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind]

    # ------------------------------------------------------------------ internals
    def _new_oid(self, *parts: str) -> str:
        self._counter += 1
        return hashlib.sha1("\0".join((*parts, str(self._counter))).encode()).hexdigest()  # noqa: S324

    def _user(self) -> tuple[str | None, Response | None]:
        """(user, None) for a valid token, (None, None) for no token, (None, 401) for a bad one."""
        header = request.headers.get("Authorization", "")
        if not header:
            return None, None
        token = header.removeprefix("Bearer ").strip()
        if token in self.tokens:
            return self.tokens[token], None
        return None, _error(401, "Invalid credentials in Authorization header")

    def _repo_for(self, ns: str, name: str, *, write: bool) -> tuple[Repo | None, Response | None]:
        user, err = self._user()
        if err is not None:
            return None, err
        repo = self.repos.get(f"{ns}/{name}")
        if repo is None or (repo.private and user is None):
            return None, _error(404, "Repository not found", "RepoNotFound")
        if write and user is None:
            return None, _error(401, "You must be authenticated to write")
        return repo, None

    def _commit_for(self, repo: Repo, revision: str) -> tuple[Commit | None, Response | None]:
        commit = repo.resolve(revision)
        if commit is None:
            return None, _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit, None

    def _log(self, kind: str, **data: Any) -> None:
        with self._lock:
            self.events.append({"kind": kind, **data})

    # ------------------------------------------------------------------ app
    def _make_app(self) -> Flask:  # noqa: C901 - one route table
        app = Flask("fake_hub")
        hub = self

        @app.post("/api/repos/create")
        def create_repo():
            user, err = hub._user()
            if err is not None:
                return err
            if user is None:
                return _error(401, "You must be authenticated")
            body = request.get_json()
            if body.get("type") != "dataset":
                return _error(400, "this fake Hub serves dataset repos only")
            ns = body.get("organization") or user
            repo_id = f"{ns}/{body['name']}"
            url = f"{hub.url}/datasets/{repo_id}"
            with hub._lock:
                hub._log("create_repo", repo_id=repo_id, visibility=body.get("visibility"))
                if repo_id in hub.repos:
                    resp = jsonify({"error": "You already created this dataset repo", "url": url})
                    resp.status_code = 409
                    return resp
                repo = Repo(repo_id=repo_id, private=body.get("visibility") == "private")
                oid = hub._new_oid(repo_id, "initial")
                repo.commits[oid] = Commit(
                    oid, None, {".gitattributes": Blob(GITATTRIBUTES.encode(), False)}, "initial commit"
                )
                repo.branches["main"] = oid
                hub.repos[repo_id] = repo
            return jsonify({"url": url, "name": repo_id, "id": repo_id})

        def info(ns: str, name: str, revision: str):
            repo, err = hub._repo_for(ns, name, write=False)
            if err is not None:
                return err
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            return jsonify(
                {
                    "id": repo.repo_id,
                    "author": ns,
                    "sha": commit.oid,
                    "private": repo.private,
                    "lastModified": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                    "tags": [],
                    "siblings": [{"rfilename": p} for p in sorted(commit.tree)],
                }
            )

        @app.get("/api/datasets/<ns>/<name>")
        def dataset_info(ns, name):
            return info(ns, name, "main")

        @app.get("/api/datasets/<ns>/<name>/revision/<path:revision>")
        def dataset_info_rev(ns, name, revision):
            return info(ns, name, revision)

        @app.post("/api/validate-yaml")
        def validate_yaml():
            content = request.get_json().get("content", "")
            hub._log("validate_yaml")
            if content.startswith("---"):
                header = content.split("---", 2)[1] if content.count("---") >= 2 else ""
                try:
                    data = yaml.safe_load(header)
                except yaml.YAMLError as exc:
                    resp = jsonify({"errors": [{"message": f"Invalid YAML: {exc}"}], "warnings": []})
                    resp.status_code = 400
                    return resp
                if data is not None and not isinstance(data, dict):
                    resp = jsonify({"errors": [{"message": "metadata must be a mapping"}], "warnings": []})
                    resp.status_code = 400
                    return resp
            return jsonify({"errors": [], "warnings": []})

        @app.post("/api/datasets/<ns>/<name>/preupload/<path:revision>")
        def preupload(ns, name, revision):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            files = request.get_json()["files"]
            hub._log("preupload", paths=[f["path"] for f in files])
            out = []
            for f in files:
                lfs = (
                    _is_binary(base64.b64decode(f["sample"]))
                    or f["size"] >= LFS_THRESHOLD
                    or f["path"].lower().endswith(LFS_SUFFIXES)
                )
                item = {"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False}
                existing = commit.tree.get(f["path"])
                if existing is not None:
                    item["oid"] = existing.sha256 if existing.lfs else existing.oid
                out.append(item)
            return jsonify({"files": out})

        @app.post("/datasets/<ns>/<name>.git/info/lfs/objects/batch")
        def lfs_batch(ns, name):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            body = request.get_json(force=True)
            objects = []
            for obj in body["objects"]:
                item = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
                if obj["oid"] not in repo.lfs_store:
                    item["actions"] = {
                        "upload": {"href": f"{hub.url}/_lfs/{ns}/{name}/{obj['oid']}", "header": {}},
                        "verify": {"href": f"{hub.url}/_lfs/{ns}/{name}/verify", "header": {}},
                    }
                objects.append(item)
            hub._log(
                "lfs_batch",
                oids=[o["oid"] for o in body["objects"]],
                to_upload=[o["oid"] for o in objects if "actions" in o],
            )
            resp = jsonify({"transfer": "basic", "objects": objects})
            resp.headers["Content-Type"] = "application/vnd.git-lfs+json"
            return resp

        @app.put("/_lfs/<ns>/<name>/<oid>")
        def lfs_upload(ns, name, oid):
            # Stands in for the presigned storage URL: no Hub auth header is sent there.
            repo = hub.repos.get(f"{ns}/{name}")
            if repo is None:
                return _error(404, "no such upload target")
            data = request.get_data()
            hub._log("lfs_upload", oid=oid, size=len(data))
            with hub._lock:
                repo.lfs_store[hashlib.sha256(data).hexdigest()] = data
            return Response(status=200)

        @app.post("/_lfs/<ns>/<name>/verify")
        def lfs_verify(ns, name):
            repo = hub.repos.get(f"{ns}/{name}")
            body = request.get_json(force=True)
            data = repo.lfs_store.get(body["oid"]) if repo else None
            if data is None or len(data) != body["size"]:
                return _error(404, "object not found or size mismatch")
            return jsonify({"ok": True})

        @app.post("/api/datasets/<ns>/<name>/commit/<path:revision>")
        def commit(ns, name, revision):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            lines = [json.loads(line) for line in request.get_data().splitlines() if line.strip()]
            header = next(line["value"] for line in lines if line["key"] == "header")
            added = [line["value"]["path"] for line in lines if line["key"] == "file"]
            added_lfs = [line["value"]["path"] for line in lines if line["key"] == "lfsFile"]
            deleted = [
                line["value"]["path"] for line in lines if line["key"] in ("deletedFile", "deletedFolder")
            ]
            with hub._lock:
                hub.commit_requests += 1
                number = hub.commit_requests
                event = {
                    "number": number,
                    "revision": revision,
                    "files": added,
                    "lfs_files": added_lfs,
                    "deleted": deleted,
                    "summary": header.get("summary"),
                }
                status = hub.fail_commit_requests.pop(number, None)
                if status is not None:
                    hub._log("commit", status=status, **event)
                    return _error(
                        status, "Internal Error - We're working hard to fix this as soon as possible!"
                    )
                if revision not in repo.branches:
                    hub._log("commit", status=404, **event)
                    return _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
                head = repo.branches[revision]
                parent = header.get("parentCommit")
                if parent is not None and not head.startswith(parent):
                    hub._log("commit", status=412, **event)
                    return _error(412, "A commit has happened since. Please refresh and try again.")
                tree = dict(repo.commits[head].tree)
                for line in lines:
                    key, value = line["key"], line["value"]
                    if key == "file":
                        content = base64.b64decode(value["content"])
                        tree[value["path"]] = Blob(content, False)
                    elif key == "lfsFile":
                        data = repo.lfs_store.get(value["oid"])
                        if data is None:
                            hub._log("commit", status=422, **event)
                            return _error(
                                422, f"LFS object {value['oid']} for {value['path']} was not uploaded"
                            )
                        tree[value["path"]] = Blob(data, True)
                    elif key == "deletedFile":
                        if value["path"] not in tree:
                            hub._log("commit", status=404, **event)
                            return _error(404, "A file with this name doesn't exist", "EntryNotFound")
                        del tree[value["path"]]
                    elif key == "deletedFolder":
                        prefix = value["path"].rstrip("/") + "/"
                        for p in [p for p in tree if p.startswith(prefix)]:
                            del tree[p]
                oid = hub._new_oid(repo.repo_id, head, header.get("summary", ""))
                repo.commits[oid] = Commit(oid, head, tree, header.get("summary", ""))
                repo.branches[revision] = oid
                hub._log("commit", status=200, oid=oid, **event)
            return jsonify(
                {
                    "success": True,
                    "commitOid": oid,
                    "commitUrl": f"{hub.url}/datasets/{repo.repo_id}/commit/{oid}",
                    "pullRequestUrl": None,
                }
            )

        def _tree_entries(tree: dict[str, Blob], base: str, recursive: bool) -> list[dict[str, Any]]:
            prefix = base.strip("/") + "/" if base.strip("/") else ""
            entries: dict[str, dict[str, Any]] = {}
            for path, blob in sorted(tree.items()):
                if not path.startswith(prefix):
                    continue
                rest = path[len(prefix) :].split("/")
                depth = len(rest) if recursive else 1
                for i in range(1, min(depth, len(rest) - 1) + 1):
                    folder = prefix + "/".join(rest[:i])
                    entries.setdefault(
                        folder, {"type": "directory", "oid": git_oid(folder.encode()), "path": folder}
                    )
                if recursive or len(rest) == 1:
                    entries[path] = blob.entry(path)
            return list(entries.values())

        def tree_listing(ns, name, revision, sub=""):
            repo, err = hub._repo_for(ns, name, write=False)
            if err is not None:
                return err
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            recursive = request.args.get("recursive", "false").lower() in ("1", "true")
            entries = _tree_entries(commit.tree, sub, recursive)
            hub._log("tree", revision=revision, path=sub, recursive=recursive)
            if sub and not entries and sub not in commit.tree:
                return _error(404, f"{sub} does not exist", "EntryNotFound")
            return jsonify(entries)

        @app.get("/api/datasets/<ns>/<name>/tree/<revision>")
        def tree_root(ns, name, revision):
            return tree_listing(ns, name, revision)

        @app.get("/api/datasets/<ns>/<name>/tree/<revision>/<path:sub>")
        def tree_sub(ns, name, revision, sub):
            return tree_listing(ns, name, revision, sub)

        @app.post("/api/datasets/<ns>/<name>/paths-info/<path:revision>")
        def paths_info(ns, name, revision):
            repo, err = hub._repo_for(ns, name, write=False)
            if err is not None:
                return err
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            paths = request.form.getlist("paths")
            hub._log("paths_info", paths=paths)
            out = []
            for p in paths:
                if p in commit.tree:
                    out.append(commit.tree[p].entry(p))
                elif any(q.startswith(p.rstrip("/") + "/") for q in commit.tree):
                    out.append({"type": "directory", "oid": git_oid(p.encode()), "path": p})
            return jsonify(out)

        @app.get("/api/datasets/<ns>/<name>/refs")
        def refs(ns, name):
            repo, err = hub._repo_for(ns, name, write=False)
            if err is not None:
                return err
            return jsonify(
                {
                    "branches": [
                        {"name": b, "ref": f"refs/heads/{b}", "targetCommit": oid}
                        for b, oid in repo.branches.items()
                    ],
                    "tags": [
                        {"name": t, "ref": f"refs/tags/{t}", "targetCommit": oid}
                        for t, oid in repo.tags.items()
                    ],
                    "converts": [],
                }
            )

        @app.post("/api/datasets/<ns>/<name>/branch/<path:branch>")
        def create_branch(ns, name, branch):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            if branch in repo.branches:
                return _error(409, "Reference already exists")
            start = (request.get_json(silent=True) or {}).get("startingPoint") or "main"
            commit, err = hub._commit_for(repo, start)
            if err is not None:
                return err
            repo.branches[branch] = commit.oid
            hub._log("create_branch", branch=branch, target=commit.oid)
            return jsonify({})

        @app.post("/api/datasets/<ns>/<name>/tag/<path:revision>")
        def create_tag(ns, name, revision):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            body = request.get_json()
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            if body["tag"] in repo.tags:
                return _error(409, "Tag already exists")
            repo.tags[body["tag"]] = commit.oid
            hub._log("create_tag", tag=body["tag"], target=commit.oid)
            return jsonify({})

        @app.delete("/api/datasets/<ns>/<name>/tag/<path:tag>")
        def delete_tag(ns, name, tag):
            repo, err = hub._repo_for(ns, name, write=True)
            if err is not None:
                return err
            if tag not in repo.tags:
                return _error(404, f"Invalid rev id: {tag}", "RevisionNotFound")
            del repo.tags[tag]
            hub._log("delete_tag", tag=tag)
            return jsonify({})

        @app.route("/datasets/<ns>/<name>/resolve/<revision>/<path:filename>", methods=["GET", "HEAD"])
        def resolve(ns, name, revision, filename):
            repo, err = hub._repo_for(ns, name, write=False)
            if err is not None:
                return err
            commit, err = hub._commit_for(repo, revision)
            if err is not None:
                return err
            blob = commit.tree.get(filename)
            if blob is None:
                resp = _error(404, "Entry not found", "EntryNotFound")
                resp.headers["X-Repo-Commit"] = commit.oid
                return resp
            if request.method == "GET":
                hub._log("download", path=filename, revision=revision)
            resp = Response(blob.content, mimetype="application/octet-stream")
            resp.headers["X-Repo-Commit"] = commit.oid
            resp.headers["ETag"] = f'"{blob.sha256 if blob.lfs else blob.oid}"'
            if blob.lfs:
                resp.headers["X-Linked-Etag"] = f'"{blob.sha256}"'
                resp.headers["X-Linked-Size"] = str(blob.size)
            return resp

        return app
