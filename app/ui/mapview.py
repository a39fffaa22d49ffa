"""A flet-map view of points, with the basemap from configuration (the tile URL is never hard-coded).

Coordinates are stored in WGS-84. Chinese basemaps (AMap, Tencent...) draw in GCJ-02, so points are shifted
only when the configured map CRS says ``gcj02``; Tianditu and OSM use WGS-84 and get the stored numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flet as ft
import flet_map as fm

_A = 6378245.0
_EE = 0.00669342162296594323


def _in_china(lat: float, lon: float) -> bool:
    return 73.66 < lon < 135.05 and 3.86 < lat < 53.55


def _dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The published GCJ-02 offset (outside China the point is unchanged)."""
    if not _in_china(lat, lon):
        return lat, lon
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


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
