"""The app's look for a phone used outdoors: the bundled CJK font, sizes a thumb can hit, colours that read
in sunlight (dark text on white, status colours that also carry a word).
"""

from __future__ import annotations

from typing import Final

import flet as ft

FONT: Final = "cjk"  # the bundled CJK font (app.main); explicit TextStyles must name it too
TOUCH: Final = 56  # px: comfortably above the 48 px minimum for a thumb outdoors
BIG: Final = 64  # px: the one main action of a screen
INK: Final = ft.Colors.BLACK
MUTED: Final = "#3a3a3a"  # still > 10:1 on white
ACCENT: Final = "#0b4f9c"
WARN_BG: Final = "#fff1c2"
ERR: Final = "#b00020"
CARD_BG: Final = "#f4f6fa"
CARD_BORDER: Final = "#c9d1dc"
BAR_BG: Final = "#eef1f6"
BAR_INDICATOR: Final = "#c7dcf7"
#: Record status code -> (background, text colour) of its chip.
STATUS_COLORS: Final = {
    "saved": ("#e8e8e8", INK),
    "photos": ("#fff1c2", INK),
    "synced": ("#d7ecff", INK),
    "confirmed": ("#cfeed6", "#0a4d1c"),
    "rejected": ("#ffd9d6", ERR),
    "conflict": ("#ffd9d6", ERR),
    "invalid": ("#ffd9d6", ERR),
}
