"""Plain basemap tiles (XYZ, 256 px PNG) for a deployment that configures no tile service.

They carry no geography: a grid with each tile's own coordinates, so the review and coordinator maps show
where the dots are relative to each other (and that the map works) instead of a grey box, and say on
every tile that a real basemap is one setting away (FIELDLOG_MAP_TILE_URL).
"""

from __future__ import annotations

import functools
import io
from typing import Final

from PIL import Image, ImageDraw

SIZE: Final = 256
MAX_ZOOM: Final = 19
#: Where the app finds them, relative to the server's address (the config sends this template).
PATH: Final = "/map/tiles/{z}/{x}/{y}.png"

_PAPER = (238, 241, 236)
_GRID = (214, 220, 212)
_EDGE = (190, 198, 188)
_INK = (120, 128, 118)


def check(z: int, x: int, y: int) -> str | None:
    """The first coordinate out of range, by name; None when the tile exists."""
    if not 0 <= z <= MAX_ZOOM:
        return "z"
    n = 1 << z
    if not 0 <= x < n:
        return "x"
    if not 0 <= y < n:
        return "y"
    return None


@functools.lru_cache(maxsize=1024)
def render(z: int, x: int, y: int) -> bytes:
    """One tile as PNG bytes; the coordinates must pass `check`."""
    img = Image.new("RGB", (SIZE, SIZE), _PAPER)
    draw = ImageDraw.Draw(img)
    for i in range(0, SIZE, SIZE // 4):
        draw.line([(i, 0), (i, SIZE)], fill=_GRID)
        draw.line([(0, i), (SIZE, i)], fill=_GRID)
    draw.rectangle([(0, 0), (SIZE - 1, SIZE - 1)], outline=_EDGE)
    draw.text((6, 6), f"{z}/{x}/{y}", fill=_INK)
    draw.text((6, SIZE - 16), "no basemap set: FIELDLOG_MAP_TILE_URL", fill=_INK)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
