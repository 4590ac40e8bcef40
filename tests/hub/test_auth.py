"""The token is resolved from the usual places and scrubbed from errors, logs and warnings."""

from __future__ import annotations

import logging
import warnings

import pytest

from ladderdata.errors import HubError, LadderDataError
from ladderdata.hub.auth import TokenGuard, resolve_token, scrub

SECRET = "hf_UnitTestSecret000111222333"


def test_scrub_replaces_every_occurrence():
    assert scrub(f"a {SECRET} b {SECRET}", SECRET) == "a hf_*** b hf_***"
    assert scrub("nothing here", None) == "nothing here"


def test_flag_wins_over_environment(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_fromEnvironment")
    assert resolve_token(f"  {SECRET} ") == SECRET
    assert resolve_token(None) == "hf_fromEnvironment"


def test_exception_text_holding_the_token_becomes_a_scrubbed_one_line_error():
    with pytest.raises(HubError) as err:
        with TokenGuard(SECRET, "datasets/me/x"):
            raise RuntimeError(f"request failed\nAuthorization: Bearer {SECRET}")
    text = str(err.value)
    assert SECRET not in text and "hf_***" in text
    assert text.startswith("datasets/me/x: ") and "\n" not in text
    assert err.value.__suppress_context__  # the original (unscrubbed) exception is never printed


def test_our_own_errors_pass_through_unchanged_unless_they_hold_the_token():
    original = HubError("build/README.md: bad card; fix it")
    with pytest.raises(HubError) as err:
        with TokenGuard(SECRET, "x"):
            raise original
    assert err.value is original
    with pytest.raises(LadderDataError) as err2:
        with TokenGuard(SECRET, "x"):
            raise HubError(f"oops {SECRET}")
    assert SECRET not in str(err2.value)


def test_logs_and_warnings_are_scrubbed(caplog, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, *args, **kwargs: shown.append(str(message)))
    caplog.set_level(logging.INFO)
    with TokenGuard(SECRET, "x"):
        logging.getLogger("huggingface_hub.hf_api").warning("sending %s now", SECRET)
        logging.getLogger("some.other").info(f"header Bearer {SECRET}")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(f"token {SECRET}", UserWarning, stacklevel=1)
    assert SECRET not in caplog.text
    assert caplog.text.count("hf_***") == 2
    assert shown == ["token hf_***"]
