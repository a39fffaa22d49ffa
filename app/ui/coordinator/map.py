"""The map of the year's visits, coloured by review (confirmed, pending, rejected), on the deployment's
basemap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.base import CoordinatorBase
from app.ui.mapview import points_map, tile_template
from app.ui.theme import ACCENT, ERR, MUTED
from app.ui.widgets import banner, chip, column, logged, text

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState

REVIEW_COLORS = {"confirmed": "#1b7f3a", "pending": "#c77700", "rejected": ERR}


class MapState(CoordinatorBase):
    """The visits' points and the basemap they are drawn on."""

    async def load_map(self) -> None:
        try:
            if not self.config:
                self.config = await self.client.config()
            body = await self.client.dashboard_map(self.year, None)
        except ServerError as exc:
            self._fail(exc)
            return
        self.points = list(body.get("points") or [])
        self.map_crs = str(body.get("crs") or self.config.get("map_crs") or "wgs84")
        self.go("map")

    def tile_url(self) -> str | None:
        return tile_template(self.config, getattr(self.client, "base_url", None))


@ft.component
@logged
def MapScreen(coord: CoordinatorState) -> ft.Control:
    pts = [
        (float(p["lat"]), float(p["lon"]), REVIEW_COLORS.get(str(p.get("review")), ACCENT))
        for p in coord.points
        if p.get("lat") is not None and p.get("lon") is not None
    ]
    counts: dict[str, int] = {}
    for p in coord.points:
        review = str(p.get("review") or "pending")
        counts[review] = counts.get(review, 0) + 1
    # Points come in the CRS the server names; shift WGS-84 points only when the basemap draws in GCJ-02.
    crs = coord.config.get("map_crs") if coord.map_crs.lower().replace("-", "") == "wgs84" else None
    return column(
        text(coord.tr("map.title", year=coord.year), 24, ft.FontWeight.BOLD),
        banner(coord.error, error=True),
        points_map(coord.tile_url(), crs, pts, height=480, zoom=12, key="dash-map")
        if pts
        else text(coord.tr("map.none"), 18, color=MUTED),
        text(coord.tr("map.builtin_hint"), 15, color=MUTED)
        if pts and coord.config.get("tile_builtin")
        else None,
        ft.Row(
            [chip(k, coord.tr(f"map.legend.{k}", n=v)) for k, v in sorted(counts.items())],
            wrap=True,
        ),
    )
