"""shared.geo: distances to responsibility areas (PDS-1) and the GCJ-02 display transform."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.geo import (
    Circle,
    Polygon,
    area_from_json,
    area_to_json,
    distance_to_area_m,
    haversine_m,
    out_of_china,
    wgs84_to_gcj02,
)

lats = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(lats, lons)
# Where the two deployments lie (Chongqing 29.6N 106.5E, Pingdingshan 33.7N 113.2E) and the rest of
# eastern and central China.
china_points = st.tuples(
    st.floats(min_value=20, max_value=42, allow_nan=False),
    st.floats(min_value=105, max_value=122, allow_nan=False),
)

PINGDINGSHAN = (33.7453, 113.1925)
P = tuple[float, float]


@given(points, points)
def test_distance_is_symmetric(a: P, b: P) -> None:
    assert haversine_m(a, b) == haversine_m(b, a)


@given(points, points)
def test_distance_is_non_negative_and_at_most_half_the_circumference(a: P, b: P) -> None:
    assert 0 <= haversine_m(a, b) <= math.pi * 6_371_008.8 + 1e-6


@given(points)
def test_distance_from_a_point_to_itself_is_zero(a: P) -> None:
    assert haversine_m(a, a) == 0


@given(points, points, points)
def test_distance_obeys_the_triangle_inequality(a: P, b: P, c: P) -> None:
    assert haversine_m(a, c) <= haversine_m(a, b) + haversine_m(b, c) + 1e-6


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m((30.0, 106.0), (31.0, 106.0)) == pytest.approx(111_195, rel=1e-3)


def test_a_point_inside_a_circular_area_is_at_distance_zero() -> None:
    area = Circle(PINGDINGSHAN, 2_000)
    assert distance_to_area_m((PINGDINGSHAN[0] + 0.01, PINGDINGSHAN[1]), area) == 0  # ~1.1 km north


def test_a_point_outside_a_circular_area_measures_to_its_edge() -> None:
    area = Circle(PINGDINGSHAN, 2_000)
    point = (PINGDINGSHAN[0] + 0.05, PINGDINGSHAN[1])  # ~5.56 km north
    assert distance_to_area_m(point, area) == pytest.approx(haversine_m(point, PINGDINGSHAN) - 2_000)
    assert distance_to_area_m(point, area) == pytest.approx(3_560, abs=5)


SQUARE = Polygon(((33.70, 113.15), (33.70, 113.25), (33.78, 113.25), (33.78, 113.15)))


def test_a_point_inside_a_polygon_area_is_at_distance_zero() -> None:
    assert distance_to_area_m(PINGDINGSHAN, SQUARE) == 0


def test_a_point_outside_a_polygon_area_measures_to_the_nearest_edge() -> None:
    # Due east of the eastern edge (lon 113.25) at the same latitude: the edge point is (33.74, 113.25).
    point = (33.74, 113.27)
    assert distance_to_area_m(point, SQUARE) == pytest.approx(haversine_m(point, (33.74, 113.25)), rel=1e-3)
    # Beyond a corner the nearest point is the corner itself.
    corner_out = (33.80, 113.27)
    assert distance_to_area_m(corner_out, SQUARE) == pytest.approx(
        haversine_m(corner_out, (33.78, 113.25)), rel=1e-3
    )


def test_a_concave_polygon_leaves_its_notch_outside() -> None:
    # A "U" open to the north: the notch centre is outside, the arms are inside.
    u = Polygon(
        (
            (0.0, 0.0),
            (0.0, 0.03),
            (0.03, 0.03),
            (0.03, 0.02),
            (0.01, 0.02),
            (0.01, 0.01),
            (0.03, 0.01),
            (0.03, 0.0),
        )
    )
    assert distance_to_area_m((0.02, 0.015), u) == pytest.approx(
        haversine_m((0.02, 0.015), (0.02, 0.01)), rel=1e-3
    )
    assert distance_to_area_m((0.02, 0.005), u) == 0
    assert distance_to_area_m((0.005, 0.015), u) == 0


@given(china_points, st.floats(min_value=0, max_value=20_000))
def test_distance_to_a_circle_is_zero_at_its_centre_and_never_negative(c: P, r: float) -> None:
    area = Circle(c, r)
    assert distance_to_area_m(c, area) == 0
    assert distance_to_area_m(PINGDINGSHAN, area) >= 0


@given(st.lists(china_points, min_size=3, max_size=8))
def test_a_polygons_own_vertices_are_at_distance_zero(vertices: list[P]) -> None:
    area = Polygon(tuple(vertices))
    for v in vertices:
        assert distance_to_area_m(v, area) == pytest.approx(0, abs=1e-6)


def test_area_json_round_trips_and_names_the_bad_field() -> None:
    assert area_from_json(area_to_json(SQUARE)) == SQUARE
    assert area_from_json({"center": [33.7, 113.2], "radius_m": 500}) == Circle((33.7, 113.2), 500.0)
    with pytest.raises(ValueError, match=r"^radius_m:"):
        area_from_json({"center": [33.7, 113.2], "radius_m": -1})
    with pytest.raises(ValueError, match=r"^polygon:"):
        area_from_json({"polygon": [[33.7, 113.2], [33.8, 113.2]]})
    with pytest.raises(ValueError, match=r"^center:"):
        area_from_json({"center": [133.7, 113.2], "radius_m": 5})


def test_gcj02_matches_the_published_reference_point() -> None:
    # The transform's commonly quoted check value (Tiananmen, from coordtransform's README).
    lat, lon = wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)


@given(china_points)
def test_gcj02_offset_inside_china_is_between_100_and_700_m(p: P) -> None:
    assert 100 <= haversine_m(p, wgs84_to_gcj02(*p)) <= 700


@given(
    st.floats(min_value=0.83, max_value=55.82, allow_nan=False),
    st.floats(min_value=72.01, max_value=137.83, allow_nan=False),
)
def test_gcj02_offset_anywhere_in_its_box_stays_under_750_m(lat: float, lon: float) -> None:
    assert 0 < haversine_m((lat, lon), wgs84_to_gcj02(lat, lon)) < 750


@given(points.filter(lambda p: out_of_china(*p)))
def test_gcj02_leaves_points_outside_china_unchanged(p: P) -> None:
    assert wgs84_to_gcj02(*p) == p


def test_gcj02_leaves_known_foreign_cities_unchanged() -> None:
    for city in ((51.5074, -0.1278), (40.7128, -74.006), (-33.8688, 151.2093), (-1.2921, 36.8219)):
        assert wgs84_to_gcj02(*city) == city
