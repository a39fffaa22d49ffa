"""The site picker and the default district, over a real phone store filled as a sync fills it.

The check-in's site is the nearest known site close enough to the fix, else empty with the coordinates as
a hint (never the coordinates as the name); suggestions come nearest first; a planner serving several
districts records into the one whose responsibility area holds the fix, else the nearest site's, else the
last used, else the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.sites import SitePicker
from app.store import LocalStore
from shared.geo import haversine_m
from tests.app.helpers import visit

HERE = (29.56300, 106.55160)  # 解放碑, Chongqing
#: One thousandth of a degree of latitude, in metres.
MILLI_LAT_M = 111.2


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float | None = 10.0


def north(metres: float, of: tuple[float, float] = HERE, accuracy_m: float | None = 10.0) -> Fix:
    return Fix(of[0] + metres / MILLI_LAT_M / 1000, of[1], accuracy_m)


def site(name: str, at: Fix | None, district: int = 1, **over: Any) -> dict[str, Any]:
    return {
        "district_id": district,
        "kind": "site",
        "name": name,
        "state": "live",
        "lat": at.lat if at else None,
        "lon": at.lon if at else None,
        "last_at": "2026-03-01T09:00:00+08:00",
        "uses": 1,
        "aliases": [],
        "curated_id": None,
        **over,
    }


YUZHONG = {"id": 1, "name": "渝中区", "area": None}
JIANGBEI = {"id": 2, "name": "江北区", "area": None}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore(tmp_path / "phone.sqlite3")
    yield s
    s.close()


def fill(store: LocalStore, *sites: dict[str, Any], districts: list[dict[str, Any]] | None = None) -> None:
    store.apply_sites(
        {"districts": districts or [YUZHONG], "sites": list(sites), "cursor": "c", "has_more": False}
    )


def test_a_check_in_defaults_to_the_nearest_known_site_close_enough_to_the_fix(store: LocalStore) -> None:
    fill(store, site("解放碑", north(0)), site("较场口", north(300)), site("朝天门", north(2000)))
    default = SitePicker(store).check_in_default(north(40))
    assert (default.site, default.district_id, default.ready) == ("解放碑", 1, True)
    assert [s.name for s in default.suggestions] == ["解放碑", "较场口", "朝天门"]
    assert default.suggestions[0].distance_m == pytest.approx(40, abs=1)


def test_with_no_known_site_near_the_site_is_empty_and_the_coordinates_are_only_a_hint(
    store: LocalStore,
) -> None:
    fill(store, site("较场口", north(400)))
    default = SitePicker(store).check_in_default(Fix(*HERE))
    assert default.site == "" and not default.ready
    assert default.hint == "29.56300, 106.55160"
    assert [s.name for s in default.suggestions] == ["较场口"]  # still offered, with its distance
    assert SitePicker(store).check_in_default(None).hint == ""


def test_a_poor_fix_widens_the_radius_only_so_far(store: LocalStore) -> None:
    fill(store, site("工地", north(220)))
    assert SitePicker(store).check_in_default(north(0, accuracy_m=10)).site == ""
    assert SitePicker(store).check_in_default(north(0, accuracy_m=80)).site == "工地"
    assert SitePicker(store).check_in_default(north(0, accuracy_m=5000)).site == "工地"
    fill(store, site("工地", north(260)))
    assert SitePicker(store).check_in_default(north(0, accuracy_m=5000)).site == ""


def test_suggestions_come_nearest_first_with_a_fix_and_most_recent_first_without(store: LocalStore) -> None:
    fill(
        store,
        site("远", north(900), last_at="2026-03-05T09:00:00+08:00"),
        site("近", north(50), last_at="2026-03-01T09:00:00+08:00"),
        site("没有定位", None, last_at="2026-03-09T09:00:00+08:00"),
    )
    picker = SitePicker(store)
    assert [s.name for s in picker.suggestions("", Fix(*HERE))] == ["近", "远", "没有定位"]
    assert [s.name for s in picker.suggestions("")] == ["没有定位", "远", "近"]
    assert all(s.distance_m is None for s in picker.suggestions(""))


def test_suggestions_match_any_part_of_a_name_and_an_exact_name_comes_first(store: LocalStore) -> None:
    fill(
        store,
        site("解放碑步行街", north(10)),
        site("解放碑", north(500)),
        site("朝天门广场", north(20), aliases=["朝天门码头"]),
    )
    picker = SitePicker(store)
    assert [s.name for s in picker.suggestions("解放碑", Fix(*HERE))] == ["解放碑", "解放碑步行街"]
    assert [s.name for s in picker.suggestions("码头", Fix(*HERE))] == ["朝天门广场"]
    assert picker.suggestions("洪崖洞", Fix(*HERE)) == []  # free text: a new site the planner types
    assert len(picker.suggestions("", Fix(*HERE), limit=2)) == 2


def test_the_planners_own_places_come_before_the_server_knows_them_but_retired_ones_never(
    store: LocalStore,
) -> None:
    fill(
        store,
        site("拆除工地", north(30), state="retired"),
        site("朝天门广场", north(800), aliases=["朝天门码头"]),
    )
    store.save("visit", visit(district_id=1, site="新工地", lat=north(60).lat, lon=HERE[1]))
    store.save("visit", visit(district_id=1, site="拆除工地", lat=north(30).lat, lon=HERE[1]))
    store.save("visit", visit(district_id=1, site="朝天门码头"))
    got = SitePicker(store).suggestions("", Fix(*HERE))
    assert [(s.name, s.known) for s in got] == [("新工地", False), ("朝天门广场", True)]
    assert got[0].distance_m == pytest.approx(60, abs=1)
    # A place only this phone knows is the check-in's default too.
    assert SitePicker(store).check_in_default(north(70)).site == "新工地"


def test_projects_are_suggested_for_opinions(store: LocalStore) -> None:
    fill(store, site("东湖片区控规", None, kind="project"), site("解放碑", north(0)))
    picker = SitePicker(store)
    assert [s.name for s in picker.suggestions("东湖", kind="project")] == ["东湖片区控规"]
    assert [s.name for s in picker.suggestions("", kind="site")] == ["解放碑"]
    with pytest.raises(ValueError, match="kind"):
        picker.suggestions("", kind="road")


def area(center: tuple[float, float], radius_m: float) -> dict[str, Any]:
    return {"center": list(center), "radius_m": radius_m}


JIANGBEI_AT = (29.5800, 106.5300)


def test_a_planner_of_several_districts_records_into_the_one_whose_area_holds_the_fix(
    store: LocalStore,
) -> None:
    assert haversine_m(HERE, JIANGBEI_AT) > 2500
    districts = [{**YUZHONG, "area": area(HERE, 1000)}, {**JIANGBEI, "area": area(JIANGBEI_AT, 1000)}]
    fill(store, districts=districts)
    picker = SitePicker(store)
    assert picker.default_district(Fix(*HERE)) == 1
    assert picker.default_district(Fix(*JIANGBEI_AT)) == 2
    assert picker.check_in_default(Fix(*JIANGBEI_AT)).district_id == 2
    assert [(d.id, d.name) for d in picker.districts()] == [(1, "渝中区"), (2, "江北区")]


def test_one_area_for_every_district_leaves_the_choice_to_the_nearest_known_site(store: LocalStore) -> None:
    everywhere = area(HERE, 50_000)  # the bureau records one area per planner
    districts = [{**YUZHONG, "area": everywhere}, {**JIANGBEI, "area": everywhere}]
    fill(
        store, site("观音桥", Fix(*JIANGBEI_AT), district=2), site("解放碑", Fix(*HERE)), districts=districts
    )
    picker = SitePicker(store)
    assert picker.default_district(Fix(*JIANGBEI_AT)) == 2
    default = picker.check_in_default(Fix(*JIANGBEI_AT))
    assert (default.district_id, default.site) == (2, "观音桥")
    assert {s.district_name for s in default.suggestions} == {"渝中区", "江北区"}
    assert [s.name for s in picker.suggestions("", district_id=1)] == ["解放碑"]


def test_without_an_answer_from_the_fix_the_last_used_district_then_the_first(store: LocalStore) -> None:
    fill(store, districts=[YUZHONG, JIANGBEI])
    picker = SitePicker(store)
    assert picker.default_district(None) == 1
    assert picker.default_district(Fix(*HERE)) == 1  # no area, no site near
    store.save("visit", visit(district_id=2, site="江北工地"))
    assert picker.default_district(None) == 2
    assert picker.default_district(Fix(0.0, 0.0)) == 2
    fill(store, districts=[YUZHONG])  # no longer serving 江北区
    assert picker.default_district(None) == 1


def test_before_the_first_sync_the_districts_of_the_sign_in_are_used(store: LocalStore) -> None:
    picker = SitePicker(
        store, fallback_districts=[{"id": 5, "name": "新华区"}, {"id": 6, "name": "卫东区"}, True]
    )
    assert [(d.id, d.name) for d in picker.districts()] == [(5, "新华区"), (6, "卫东区")]
    assert picker.default_district(Fix(*HERE)) == 5
    assert picker.district_name(6) == "卫东区"
    assert SitePicker(store, fallback_districts=[7]).default_district(None) == 7
    assert SitePicker(store).default_district(None) is None
    assert SitePicker(store).check_in_default(Fix(*HERE)).district_id is None
