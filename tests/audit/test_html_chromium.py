"""The HTML report opens in headless Chromium: every gallery image loads (naturalWidth > 0) and the page
renders (a screenshot is written beside the report for a person to look at)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.audit.chromium import Chromium, find_chromium
from tests.audit.conftest import run_audit_cli

CHROMIUM = find_chromium()

WAIT_AND_MEASURE = """
Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })))
  .then(() => ({
    gallery: [...document.querySelectorAll('img.gallery-image')].map(i => [i.getAttribute('src'), i.naturalWidth]),
    plots: [...document.querySelectorAll('img.plot')].map(i => [i.getAttribute('src'), i.naturalWidth]),
    items: document.querySelectorAll('.item').length,
    galleryTop: document.evaluate("//h2[text()='Gallery']", document, null, 9, null)
      .singleNodeValue.getBoundingClientRect().top + window.scrollY,
  }))
"""


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make setup installs it)")
def test_report_opens_in_headless_chromium(balanced_build: Path, tmp_path: Path):
    html = tmp_path / "report" / "audit.html"
    proc = run_audit_cli(balanced_build, "--html", html, "--no-blind", "--samples-per-type", "3")
    assert proc.returncode == 0, proc.stderr
    with Chromium(CHROMIUM, tmp_path / "chromium-profile") as browser:
        page = browser.open_page(html.resolve().as_uri())
        found = browser.evaluate(page, WAIT_AND_MEASURE)
        full = browser.screenshot(page, tmp_path / "report" / "audit-full.png")
        gallery = browser.screenshot(
            page, tmp_path / "report" / "audit-gallery.png", y=found["galleryTop"], height=2400
        )
    # 7 question types x 3 rows: 3 single-image types with 1 image, 4 others with 4 images each
    assert found["items"] == 7 * 3
    assert len(found["gallery"]) == 3 * 3 * 1 + 4 * 3 * 4
    assert all(width > 0 for _, width in found["gallery"]), found["gallery"]
    assert len(found["plots"]) == 4 and all(width > 0 for _, width in found["plots"])
    for shot in (full, gallery):
        width, height = _png_size(shot)
        assert width >= 1000 and height >= 500
    print(f"screenshots: {full} {gallery}")
