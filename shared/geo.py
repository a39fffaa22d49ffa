"""Geometry for visits: great-circle distance, distance to a responsibility area, and WGS-84 -> GCJ-02.

Standard library only (ships in the phone app). Coordinates are ``(lat, lon)`` in degrees, WGS-84 as the
GPS reports them; they are stored in WGS-84. `wgs84_to_gcj02` exists only to draw a point on a Chinese
basemap (AMap, Tencent, ...), whose tiles are offset by the published GCJ-02 transform.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M: Final = 6_371_008.8

LatLon = tuple[float, float]


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres between two WGS-84 points (spherical Earth, error < 0.5%)."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    # Rounding can push h a hair outside [0, 1] for antipodal or identical points.
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))


@dataclass(frozen=True)
class Circle:
    """A responsibility area given as a centre and a radius in metres."""

    center: LatLon
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    """A responsibility area given as its boundary, ``(lat, lon)`` vertices in order (closing is implied)."""

    vertices: tuple[LatLon, ...]


Area = Circle | Polygon


def distance_to_area_m(point: LatLon, area: Area) -> float:
    """Metres from ``point`` to the nearest edge of ``area``; 0 when the point lies inside or on it."""
    if isinstance(area, Circle):
        return max(0.0, haversine_m(point, area.center) - area.radius_m)
    return _distance_to_polygon_m(point, area.vertices)


def _distance_to_polygon_m(point: LatLon, vertices: Sequence[LatLon]) -> float:
    # Work in a local equirectangular plane centred on the point (metres east, north). Responsibility
    # areas are a few kilometres across, where this projection is accurate to well under a metre per km.
    # Longitude differences are wrapped so an area across the antimeridian still measures correctly.
    lat0 = math.radians(point[0])
    k = math.radians(1) * EARTH_RADIUS_M
    xy = [(_wrap(lon - point[1]) * k * math.cos(lat0), (lat - point[0]) * k) for lat, lon in vertices]
    if len(xy) == 1:
        return haversine_m(point, vertices[0])
    inside = False
    best = math.inf
    for i, (x1, y1) in enumerate(xy):
        x2, y2 = xy[(i + 1) % len(xy)]
        if (y1 > 0) != (y2 > 0) and x1 - y1 * (x2 - x1) / (y2 - y1) > 0:
            inside = not inside
        best = min(best, _segment_distance(x1, y1, x2, y2))
    return 0.0 if inside or best == 0.0 else best


def _segment_distance(x1: float, y1: float, x2: float, y2: float) -> float:
    """Distance from the origin to the segment (x1, y1)-(x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(x1 * dx + y1 * dy) / length2))
    return math.hypot(x1 + t * dx, y1 + t * dy)


def _wrap(dlon: float) -> float:
    return (dlon + 180.0) % 360.0 - 180.0


def area_from_json(value: Any) -> Area:
    """Read an area stored as JSON.

    Accepts ``{"center": [lat, lon], "radius_m": r}`` or ``{"polygon": [[lat, lon], ...]}``.
    Raises ``ValueError`` whose message starts with the offending field.
    """
    if not isinstance(value, Mapping):
        raise ValueError("area: must be an object with center and radius_m, or polygon")
    if "polygon" in value:
        raw = value["polygon"]
        if not isinstance(raw, list) or len(raw) < 3:
            raise ValueError("polygon: needs at least 3 [lat, lon] points")
        return Polygon(tuple(_latlon(p, "polygon") for p in raw))
    if "center" in value:
        radius = value.get("radius_m")
        if isinstance(radius, bool) or not isinstance(radius, int | float) or not 0 <= radius < 1e7:
            raise ValueError("radius_m: must be a number of metres, at least 0")
        return Circle(_latlon(value["center"], "center"), float(radius))
    raise ValueError("area: must be an object with center and radius_m, or polygon")


def area_to_json(area: Area) -> dict[str, Any]:
    if isinstance(area, Circle):
        return {"center": list(area.center), "radius_m": area.radius_m}
    return {"polygon": [list(p) for p in area.vertices]}


def _latlon(p: Any, field: str) -> LatLon:
    if (
        not isinstance(p, list | tuple)
        or len(p) != 2
        or any(isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c) for c in p)
        or not -90 <= p[0] <= 90
        or not -180 <= p[1] <= 180
    ):
        raise ValueError(f"{field}: points must be [lat, lon] with -90<=lat<=90 and -180<=lon<=180")
    return (float(p[0]), float(p[1]))


# --- GCJ-02 ("Mars coordinates"): the published transform, as in eviltransform and coordtransform ---

_GCJ_A: Final = 6_378_245.0  # Krasovsky 1940 semi-major axis
_GCJ_EE: Final = 0.00669342162296594323  # its first eccentricity squared


def out_of_china(lat: float, lon: float) -> bool:
    """The transform's own bounding box: outside it, GCJ-02 equals WGS-84."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def wgs84_to_gcj02(lat: float, lon: float) -> LatLon:
    """Offset a WGS-84 point for display on a Chinese basemap; points outside China are returned unchanged."""
    if out_of_china(lat, lon):
        return (lat, lon)
    x, y = lon - 105.0, lat - 35.0
    dlat = _transform_lat(x, y)
    dlon = _transform_lon(x, y)
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return (lat + dlat, lon + dlon)


def _transform_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _transform_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r
