"""Hub token: where it comes from, and keeping it out of every message we print.

The token is looked up as `--token` flag, then huggingface_hub's own order (`HF_TOKEN` env, the login
cache written by `hf auth login`). Inside `TokenGuard` every exception is turned into a one-line
`HubError` with the token replaced by `hf_***`, and the huggingface_hub loggers and Python warnings are
filtered the same way, so a token never reaches stdout, stderr or a log file.
"""

from __future__ import annotations

import logging
import warnings
from types import TracebackType

from ladderdata.errors import HubError, LadderDataError

REDACTED = "hf_***"
TOKEN_FIX = "pass --token, set HF_TOKEN, or run `hf auth login`"


def resolve_token(flag: str | None) -> str | None:
    """The token to use: the flag when given, else huggingface_hub's lookup (env, login cache)."""
    if flag:
        return flag.strip()
    from huggingface_hub import get_token

    return get_token()


def scrub(text: str, token: str | None) -> str:
    """`text` with every occurrence of `token` replaced by `hf_***`."""
    if token:
        text = text.replace(token, REDACTED)
    return text


class _ScrubFilter(logging.Filter):
    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = scrub(message, self.token)
            record.args = None
        return True


def _describe_http_error(err: Exception) -> tuple[str, str]:
    """(problem, fix) for an error raised by huggingface_hub / httpx."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, RevisionNotFoundError):
        return f"revision not found ({first_line})", "check --revision"
    if isinstance(err, RepositoryNotFoundError):
        return (
            f"repository not found or not accessible ({first_line})",
            f"check the repo id and that the token may read it; {TOKEN_FIX}",
        )
    if isinstance(err, HfHubHTTPError):
        status = err.response.status_code if err.response is not None else None
        # first line of huggingface_hub's message (status and URL) + what the server said, if anything
        detail = first_line
        server = " ".join((getattr(err, "server_message", None) or "").split())
        if server and server not in detail:
            detail += f" - {server}"
        request_id = getattr(err, "request_id", None)
        if request_id:
            detail += f" (request id {request_id})"
        if status == 401:
            return f"authentication failed (HTTP 401): {detail}", TOKEN_FIX
        if status == 403:
            return (
                f"permission denied (HTTP 403): {detail}",
                "use a token with write access to this namespace",
            )
        if status == 429:
            return (
                f"rate limited by the Hub (HTTP 429): {detail}",
                "wait and rerun the same command; finished commits are kept and skipped",
            )
        if status is not None and status >= 500:
            return (
                f"the Hub failed (HTTP {status}): {detail}",
                "rerun the same command; files already on the Hub are not sent again",
            )
        return f"Hub request failed (HTTP {status}): {detail}", "see the message above"
    detail = f"{type(err).__name__}: {' '.join(str(err).split())}"
    if _is_unreachable(err):
        return (
            f"cannot reach the Hub at {_endpoint()} ({detail})",
            "check the network connection (and HF_ENDPOINT; unset HF_HUB_OFFLINE), then rerun",
        )
    if isinstance(err, OSError):  # a local file, not the network (httpx errors are not OSErrors)
        return f"local file error ({detail})", "make sure nothing is still writing the build, then rerun"
    return detail, "check HF_ENDPOINT and the network"


def _endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def _is_unreachable(err: Exception) -> bool:
    """True when the error means the Hub could not be contacted (offline, DNS, refused, timed out).

    huggingface_hub reports a failed connection during a download as LocalEntryNotFoundError (a
    FileNotFoundError: "cannot find the requested files in the local cache"), which is not a local file
    problem; httpx's connect and timeout errors are checked by name so httpx need not be imported.
    """
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current, LocalEntryNotFoundError | OfflineModeIsEnabled | ConnectionError | TimeoutError
        ):
            return True
        if type(current).__name__ in ("ConnectError", "ConnectTimeout", "ReadTimeout", "NetworkError"):
            return True
        current = current.__cause__ or current.__context__
    return False


class TokenGuard:
    """Context manager: scrub the token from logs and warnings, and turn errors into HubError.

    `where` names the thing being worked on (e.g. the repo id) and prefixes every error message.
    """

    def __init__(self, token: str | None, where: str):
        self.token = token
        self.where = where
        self._filters: list[tuple[logging.Handler | logging.Logger, _ScrubFilter]] = []
        self._showwarning = None

    def __enter__(self) -> TokenGuard:
        if self.token:
            flt = _ScrubFilter(self.token)
            for name in ("huggingface_hub", "httpx", "httpx2", "httpcore", ""):
                logger = logging.getLogger(name)
                logger.addFilter(flt)
                self._filters.append((logger, flt))
                for handler in logger.handlers:
                    handler.addFilter(flt)
                    self._filters.append((handler, flt))
            self._showwarning = warnings.showwarning
            original = warnings.showwarning
            token = self.token

            def _show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
                original(scrub(str(message), token), category, filename, lineno, file, line)

            warnings.showwarning = _show
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for owner, flt in self._filters:
            owner.removeFilter(flt)
        self._filters.clear()
        if self._showwarning is not None:
            warnings.showwarning = self._showwarning
            self._showwarning = None
        if exc is None or not isinstance(exc, Exception):
            return
        if isinstance(exc, LadderDataError):
            message = scrub(str(exc), self.token)
            if message == str(exc):
                return  # our own message, already token-free: re-raise unchanged
            raise type(exc)(message, path=exc.path) from None
        problem, fix = _describe_http_error(exc)
        # `from None`: the original exception (whose text or arguments could hold the token) is not
        # chained, so nothing but this scrubbed line is ever printed.
        raise HubError(scrub(f"{self.where}: {problem}; {fix}", self.token)) from None
