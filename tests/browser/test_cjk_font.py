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

from tests.browser.cjk_harness import TEXT
from tests.browser.conftest import AppProcess
from tests.browser.phone import PHONE, launch

pytestmark = pytest.mark.browser

SCALE = 2
ROW_HEIGHT = 120


def _glyphs(row: Image.Image) -> list[Image.Image]:
    """The row cut at blank columns into its drawn shapes, each scaled to one size and made black/white."""
    gray = row.convert("L")
    width, height = gray.size
    px = gray.load()
    inked = [any(px[x, y] < 128 for y in range(height)) for x in range(width)]
    runs: list[list[int]] = []
    for x, ink in enumerate(inked):
        if ink and runs and x - runs[-1][1] <= 3:  # parts of one character sit close together
            runs[-1][1] = x
        elif ink:
            runs.append([x, x])
    shapes = []
    for left, right in runs:
        part = gray.crop((left, 0, right + 1, height))
        box = ImageChops.invert(part).getbbox()
        if box is None:
            continue
        shape = part.crop(box).resize((24, 32)).point(lambda v: 0 if v < 128 else 255)
        shapes.append(shape)
    return shapes


def _differ(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels two shapes disagree on."""
    diff = ImageChops.difference(a, b)
    return sum(1 for v in diff.tobytes() if v) / (a.width * a.height)


def _pairs(shapes: list[Image.Image]) -> list[float]:
    return [_differ(shapes[i], shapes[j]) for i in range(len(shapes)) for j in range(i + 1, len(shapes))]


def _ink(row: Image.Image) -> int:
    return sum(1 for v in row.convert("L").tobytes() if v < 128)


def test_chinese_is_drawn_with_the_bundled_font_not_as_boxes(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    harness = app_factory(
        tmp_path / "harness", "http://127.0.0.1:9", argv=["-m", "tests.browser.cjk_harness"]
    )
    harness.start()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=SCALE)
            page.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith(("http://127.0.0.1", "blob:", "data:"))
                    else r.abort()
                ),
            )
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
    glyphs, boxes = _glyphs(with_font), _glyphs(without_font)
    # The control row proves the check can see boxes: without the font, four shapes that look alike.
    assert len(boxes) == len(TEXT)
    assert max(_pairs(boxes)) < 0.05
    # With the app's font: at least one shape per character, and no two of them alike.
    assert len(glyphs) >= len(TEXT)
    assert min(_pairs(glyphs)) > 0.10
