"""A flet-map view of points, with the basemap from configuration (the tile URL is never hard-coded).

Coordinates are stored in WGS-84. Chinese basemaps (AMap, Tencent...) draw in GCJ-02, so points are shifted
only when the configured map CRS says ``gcj02``; Tianditu and OSM use WGS-84 and get the stored numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import flet as ft
import flet_map as fm

from shared.geo import wgs84_to_gcj02


def tile_template(config: Mapping[str, Any], base_url: str | None) -> str | None:
    """The basemap's XYZ template from the server's config; the server's own plain tiles come as a path."""
    url = config.get("tile_url")
    if not url:
        return None
    url = str(url)
    if url.startswith(("http://", "https://")) or not base_url:
        return url
    return f"{base_url.rstrip('/')}{url}"


def for_basemap(lat: float, lon: float, crs: str | None) -> tuple[float, float]:
    return wgs84_to_gcj02(lat, lon) if (crs or "").lower().replace("-", "") == "gcj02" else (lat, lon)


def points_map(
    tile_url: str | None,
    crs: str | None,
    points: Sequence[tuple[float, float, str]],
    *,
    height: float = 260,
    zoom: float = 14,
    key: str | None = None,
) -> ft.Control:
    """A map with one dot per (lat, lon, colour) point, centred on them; dots only without a tile URL."""
    shown = [(*for_basemap(lat, lon, crs), color) for lat, lon, color in points]
    if not shown:
        return ft.Container(height=0)
    center = fm.MapLatitudeLongitude(
        sum(p[0] for p in shown) / len(shown), sum(p[1] for p in shown) / len(shown)
    )
    layers: list[fm.MapLayer] = []
    if tile_url:
        layers.append(fm.TileLayer(url_template=tile_url, max_zoom=19, user_agent_package_name="fieldlog"))
    layers.append(
        fm.CircleLayer(
            circles=[
                fm.CircleMarker(
                    radius=9,
                    coordinates=fm.MapLatitudeLongitude(lat, lon),
                    color=color,
                    border_color="#ffffff",
                    border_stroke_width=2,
                )
                for lat, lon, color in shown
            ]
        )
    )
    fit = None
    if len(shown) > 1:
        fit = fm.CameraFit(
            coordinates=[fm.MapLatitudeLongitude(lat, lon) for lat, lon, _ in shown],
            padding=ft.Padding.all(30),
            max_zoom=16,
        )
    return ft.Container(
        content=fm.Map(
            initial_center=center,
            initial_zoom=zoom,
            initial_camera_fit=fit,
            layers=layers,
            key=key,
        ),
        height=height,
        border_radius=12,
        clip_behavior=ft.ClipBehavior.HARD_EDGE,
        border=ft.Border.all(1, "#c9d1dc"),
    )
