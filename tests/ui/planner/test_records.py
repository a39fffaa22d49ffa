"""My records as a planner uses them: searching what records say, one year at a time, and opening an
opinion or a resident's feedback to read it (a real phone store; no page, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.store import LocalStore
from app.ui.state import AppState, Fix, store_path
from shared import records as rec


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    s = AppState(data_dir=tmp_path / "phone-data", clock=lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(store, "http://server.example", "planner1", "token", {"username": "planner1", "districts": [7]})
    yield s
    store.close()


def _opinion(state: AppState, subject: str, issued_at: str, **more: object) -> str:
    data = {
        "district_id": 7,
        "subject": subject,
        "opinion_kind": "design_review",
        "body": "原则同意，建议优化慢行系统。",
        "issued_at": issued_at,
        **more,
    }
    rid: str = state.store.save(rec.OPINION, data)
    return rid


def _feedback(state: AppState, place: str, content: str, collected_at: str, **more: object) -> str:
    data = {
        "district_id": 7,
        "place": place,
        "category": "traffic",
        "content": content,
        "photos": [],
        "contact_consent": False,
        "contact": None,
        "collected_at": collected_at,
        **more,
    }
    rid: str = state.store.save(rec.FEEDBACK, data)
    return rid


def test_records_are_searched_by_what_they_say_and_narrowed_to_a_year(state: AppState) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    _opinion(state, "学校扩建方案", "2025-11-20T10:00:00+08:00")
    _opinion(state, "滨江公园设计", "2026-01-15T10:00:00+08:00")
    _feedback(state, "菜市场", "希望增加停车位", "2026-02-01T10:00:00+08:00")
    state.go("records")
    assert len(state.records) == 4 and state.record_years == [2026, 2025]

    state.search_records("  滨江 ")
    assert sorted(i.title for i in state.records) == ["书面意见 · 滨江公园设计", "实地指导 · 滨江步道"]
    state.search_records("停车位")  # in what the resident said, not in the title
    assert [i.title for i in state.records] == ["居民意见 · 菜市场"]
    state.search_records("滨江 公园")  # every word must be there
    assert [i.title for i in state.records] == ["书面意见 · 滨江公园设计"]

    state.search_records("")
    state.filter_year(2025)
    assert [i.title for i in state.records] == ["书面意见 · 学校扩建方案"]
    state.filter_year(None)
    assert len(state.records) == 4
    # What waits to upload is every record, whatever the list shows.
    state.search_records("学校")
    assert len(state.waiting_items()) == 4


def test_an_opinion_card_opens_the_opinion_as_written_with_its_linked_visit(state: AppState) -> None:
    visit_id = state.check_in(Fix(29.5, 106.5), site="老旧小区改造点")
    assert visit_id is not None
    rid = _opinion(
        state,
        "老旧小区改造方案",
        "2026-03-01T10:00:00+08:00",
        suggestions="增加口袋公园",
        dissent="对容积率调整保留意见",
        visit_id=visit_id,
    )
    state.go("records")
    state.open_record(rec.OPINION, rid)
    assert state.screen == "record" and state.route() == f"/records/opinion/{rid}"
    d = state.detail
    assert d is not None and d.title == "书面意见 · 老旧小区改造方案"
    assert d.fields == (
        ("事项", "老旧小区改造方案"),
        ("意见类型", "设计方案审查"),
        ("出具时间", "3月1日 10:00"),
        ("意见正文", "原则同意，建议优化慢行系统。"),
        ("建议", "增加口袋公园"),
        ("不同意见（存档）", "对容积率调整保留意见"),
    )
    assert d.status_text == "已保存在本机" and not d.can_fix
    assert d.visit == ("3月2日 10:00 · 老旧小区改造点", visit_id)
    # The address brings it back (the browser's back and forward buttons), an unknown one shows the list.
    state.go("home")
    state.follow(f"/records/opinion/{rid}")
    assert state.screen == "record" and state.detail == d
    state.follow("/records/opinion/00000000-0000-4000-8000-000000000000")
    assert state.screen == "records"


def test_a_feedback_card_opens_what_the_resident_said_and_a_contact_only_with_consent(
    state: AppState,
) -> None:
    kept = _feedback(
        state, "公园绿地", "路灯太暗", "2026-02-20T18:00:00+08:00", contact="139", contact_consent=True
    )
    not_kept = _feedback(state, "学校周边", "上学时段拥堵", "2026-02-21T08:00:00+08:00")
    state.open_record(rec.FEEDBACK, kept)
    assert state.detail is not None and ("联系方式", "139") in state.detail.fields
    assert ("类别", "交通") in state.detail.fields
    state.open_record(rec.FEEDBACK, not_kept)
    assert state.detail is not None and [label for label, _ in state.detail.fields] == [
        "地点",
        "类别",
        "收集时间",
        "意见内容",
    ]
    state.lang = "en"
    state.refresh()
    assert state.detail is not None and state.detail.fields[0] == ("Place", "学校周边")


def test_a_visit_card_still_opens_the_visit_screen(state: AppState) -> None:
    visit_id = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert visit_id is not None
    state.go("records")
    state.open_record(rec.VISIT, visit_id)
    assert state.screen == "visit" and state.visit_id == visit_id
