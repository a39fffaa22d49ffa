"""Chinese must be drawn with real glyphs, never boxes: offline Flet web ships only Roboto (see flet.md).

The harness page uses the app's own font setup (`app.main.setup_page`). The same four characters are
drawn twice: with the theme font, and with Roboto named explicitly. Boxes ("tofu") look alike whatever
the character, so four identical cells mean boxes; four different cells mean glyphs.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import sync_playwright

from tests.browser.cjk_harness import SIZE, TEXT
from tests.browser.conftest import AppProcess
from tests.browser.phone import PHONE, launch

pytestmark = pytest.mark.browser

SCALE = 2
ROW_HEIGHT = 120
LEFT = 20
TOP = 20


def _cells(row: Image.Image) -> list[Image.Image]:
    """Each character's square cell (CJK glyphs are one em wide)."""
    em = SIZE * SCALE
    top = TOP * SCALE
    return [
        row.crop((LEFT * SCALE + i * em, top, LEFT * SCALE + (i + 1) * em, top + int(em * 1.3)))
        for i in range(len(TEXT))
    ]


def _ink(cell: Image.Image) -> int:
    return sum(1 for px in cell.convert("L").getdata() if px < 128)


def _distinct_pairs(cells: list[Image.Image]) -> int:
    """How many pairs of cells differ in more than 2% of their pixels."""
    n = 0
    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            diff = ImageChops.difference(cells[i].convert("L"), cells[j].convert("L"))
            changed = sum(1 for px in diff.getdata() if px > 64)
            n += changed > 0.02 * cells[i].width * cells[i].height
    return n


def test_chinese_is_drawn_with_the_bundled_font_not_as_boxes(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    harness = app_factory(tmp_path / "harness", "http://127.0.0.1:9", argv=["-m", "tests.browser.cjk_harness"])
    harness.start()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=SCALE)
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("http://127.0.0.1", "blob:", "data:")) else r.abort())
            page.goto(harness.url)
            page.wait_for_function("() => !document.getElementById('loading')", timeout=60_000)
            # Wait until the font has arrived and the first row has ink.
            deadline = time.monotonic() + 30
            while True:
                time.sleep(0.5)
                shot = Image.open(io.BytesIO(page.screenshot()))
                with_font = shot.crop((0, 0, shot.width, ROW_HEIGHT * SCALE))
                if _ink(with_font) > 500 or time.monotonic() > deadline:
                    break
            time.sleep(1.0)
            shot = Image.open(io.BytesIO(page.screenshot()))
            shot.save(shots_dir / "cjk-with-and-without-font.png")
        finally:
            browser.close()

    with_font = shot.crop((0, 0, shot.width, ROW_HEIGHT * SCALE))
    without_font = shot.crop((0, ROW_HEIGHT * SCALE, shot.width, 2 * ROW_HEIGHT * SCALE))
    glyphs, boxes = _cells(with_font), _cells(without_font)
    assert all(_ink(c) > 50 for c in glyphs), "the Chinese row drew nothing"
    # The control row proves the check can see boxes: without the font all four cells look alike.
    assert _distinct_pairs(boxes) == 0
    # With the app's font, every pair of characters differs: glyphs, not boxes.
    assert _distinct_pairs(glyphs) == len(TEXT) * (len(TEXT) - 1) // 2
    assert ImageChops.difference(with_font.convert("L"), without_font.convert("L")).getbbox() is not None
