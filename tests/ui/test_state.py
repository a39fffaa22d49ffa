"""The view-models without a page: sign-in (online, offline), visits, opinions, feedback, records, sync.

A real `LocalStore` (SQLite file) throughout; sign-in and sync against a real server process.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.ui.state import AppState, Fix, store_path
from shared import records as rec
from shared import rules
from tests.conftest import DEFAULT_PASSWORD, LiveServer, free_port

T0 = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)  # 09:00 in Chongqing


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(tmp_path: Path, clock: Clock) -> Iterator[AppState]:
    """A signed-in phone for planner1 in district 7 (entered directly: no server needed)."""
    from app.store import LocalStore

    s = AppState(data_dir=tmp_path / "phone-data", clock=clock)
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(
        store,
        "http://server.example",
        "planner1",
        "token",
        {"username": "planner1", "districts": [{"id": 7}]},
    )
    yield s
    store.close()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 33.0, 0.0), 3: "E", 4: (106.0, 33.0, 0.0)}
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 120, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- visits -----------------------------------------------------------------------------------------------


def test_check_in_with_one_tap_saves_an_open_visit_with_time_and_gps_fix(state: AppState) -> None:
    near = {"district_id": 7, "kind": "site", "name": "解放碑步行街", "state": "live", "lat": 29.5631}
    near |= {"lon": 106.5516, "last_at": None, "uses": 1, "aliases": [], "curated_id": None}
    state.store.apply_sites({"districts": [{"id": 7, "name": "渝中区", "area": None}], "sites": [near]})
    rid = state.check_in(Fix(29.563, 106.5516, 12.0))
    assert rid is not None and state.screen == "visit"
    visit = state.store.get(rec.VISIT, rid)
    assert visit.data["site"] == "解放碑步行街"  # the known site 11 m away, not the coordinates
    assert visit.data["started_at"] == T0.isoformat()
    assert visit.data["ended_at"] is None
    assert (visit.data["lat"], visit.data["lon"], visit.data["accuracy_m"]) == (29.563, 106.5516, 12.0)
    assert visit.data["district_id"] == 7
    assert state.home_summary().open_visit_id == rid


def test_check_in_without_a_fix_asks_for_the_place_and_the_visit_shows_no_fix(state: AppState) -> None:
    assert state.check_in(None) is None
    assert state.visit_needs_place and state.screen == "visit"
    assert state.store.records(rec.VISIT) == []
    rid = state.check_in(None, site="解放碑步行街")
    visit = state.store.get(rec.VISIT, rid)
    assert visit.data["site"] == "解放碑步行街"
    assert visit.data["lat"] is None and visit.data["lon"] is None


def test_check_out_with_one_tap_sets_the_end_and_hours_follow(state: AppState, clock: Clock) -> None:
    rid = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    clock.advance(hours=1, minutes=30)
    hours = state.check_out(notes="查看老街改造", participants="街道办 王主任")
    assert hours == 1.5
    data = state.store.get(rec.VISIT, rid).data
    assert data["ended_at"] == clock.now.isoformat()
    assert data["notes"] == "查看老街改造" and data["participants"] == "街道办 王主任"
    assert rules.visit_hours(data["started_at"], data["ended_at"]) == 1.5
    assert state.home_summary().open_visit_id is None


def test_notes_saved_during_the_visit_are_kept(state: AppState) -> None:
    rid = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert state.update_visit(notes="第一段记录")
    assert state.store.get(rec.VISIT, rid).data["notes"] == "第一段记录"


def test_visit_left_open_overnight_is_flagged_not_counted_silently(state: AppState, clock: Clock) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    visit = state.current_visit()
    assert not state.visit_overnight(visit)
    clock.advance(hours=16)  # past local midnight
    assert state.visit_overnight(visit)
    assert state.home_summary().visits_confirmed == 0


def test_a_photo_is_attached_upright_and_without_gps(state: AppState) -> None:
    rid = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    sha = state.add_photo(rec.VISIT, rid, _jpeg_with_gps())
    assert sha is not None
    assert state.store.get(rec.VISIT, rid).data["photos"] == [sha]
    stored = Image.open(state.store.photo_path(sha))
    assert stored.size == (1365, 2048)  # turned upright, long edge 2048
    assert len(stored.getexif()) == 0
    assert state.store.thumb_path(sha) is not None


def test_a_file_that_is_not_a_photo_is_refused_in_plain_words(state: AppState) -> None:
    rid = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert state.add_photo(rec.VISIT, rid, b"garbage") is None
    assert state.field_error == "无法读取这张照片"


# --- opinion and feedback ---------------------------------------------------------------------------------


def test_cq6_opinion_keeps_the_dissent_on_record_and_links_the_visit(state: AppState) -> None:
    vid = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    state.new_opinion(vid)
    form = state.opinion
    form.subject, form.body = "老街改造方案", "同意方案，建议保留骑楼"
    form.required_changes, form.dissent = "补充消防通道", "专家甲认为应整体保留"
    rid = state.save_opinion()
    assert rid is not None and state.screen == "records"
    data = state.store.get(rec.OPINION, rid).data
    assert data["visit_id"] == vid and data["dissent"] == "专家甲认为应整体保留"
    assert data["required_changes"] == "补充消防通道"
    assert data["issued_at"] == T0.isoformat()


def test_an_opinion_with_a_pasted_nul_character_is_not_saved_and_says_why(state: AppState) -> None:
    state.new_opinion()
    state.opinion.subject, state.opinion.body = "方案", "同意\x00方案"
    assert state.save_opinion() is None
    assert state.field_error == "意见正文：含有无法保存的空字符（U+0000），请删掉后再保存"
    assert state.store.records(rec.OPINION) == []


def test_an_opinion_without_body_is_not_saved_and_the_field_is_named(state: AppState) -> None:
    state.new_opinion()
    state.opinion.subject = "方案"
    assert state.save_opinion() is None
    assert state.field_error == "意见正文：必填"
    assert state.screen == "opinion"
    assert state.store.records(rec.OPINION) == []


def test_feedback_contact_is_dropped_without_the_residents_consent(state: AppState) -> None:
    state.new_feedback()
    f = state.feedback
    f.place, f.content, f.category, f.contact = "和平路社区", "路口缺少人行横道", "traffic", "13800000000"
    rid = state.save_feedback()
    data = state.store.get(rec.FEEDBACK, rid).data
    assert data["contact"] is None and data["contact_consent"] is False


def test_feedback_contact_is_kept_with_consent_and_photos_attach(state: AppState) -> None:
    state.new_feedback()
    sha = state.add_photo(rec.FEEDBACK, None, _jpeg_with_gps())
    f = state.feedback
    f.place, f.content, f.contact, f.contact_consent = "和平路社区", "路灯不亮", "13800000000", True
    rid = state.save_feedback()
    data = state.store.get(rec.FEEDBACK, rid).data
    assert data["contact"] == "13800000000" and data["photos"] == [sha]


# --- home, records, language ------------------------------------------------------------------------------


def test_home_shows_progress_against_the_profile_target(state: AppState) -> None:
    s = state.home_summary()
    assert state.progress_text(s) == "0 / 10 已确认"
    assert s.outbox == 0 and s.last_sync_at is None
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert state.home_summary().outbox == 1


def test_records_list_each_record_with_its_honest_status(state: AppState, clock: Clock) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    clock.advance(hours=2)
    state.check_out()
    items = state.record_items()
    assert [(i.kind, i.status_code, i.status_text) for i in items] == [("visit", "saved", "已保存在本机")]
    assert "2.00" in items[0].subtitle


def test_the_language_switch_is_remembered_on_the_phone(state: AppState) -> None:
    state.toggle_lang()
    assert state.lang == "en" and state.tr("nav.home") == "Home"
    assert state.store.get_meta("ui.lang") == "en"


def _enter(s: AppState, username: str) -> None:
    from app.store import LocalStore

    path = store_path(s.data_dir, "http://server.example", username)
    path.parent.mkdir(parents=True, exist_ok=True)
    s._enter(
        LocalStore(path, photo_dir=path.parent / "photos"),
        "http://server.example",
        username,
        "token",
        {"username": username, "districts": [{"id": 7}]},
    )


def test_a_users_language_is_theirs_the_next_user_meets_the_devices_in_chinese(tmp_path: Path) -> None:
    kept: list[str] = []
    phone = AppState(data_dir=tmp_path, remember_device_lang=kept.append)
    _enter(phone, "planner1")
    phone.toggle_lang()
    assert phone.lang == "en" and kept == []  # the user's choice, not the device's
    phone.sign_out()
    assert phone.lang == "zh" and phone.tr("signin.title") == "登录"
    _enter(phone, "planner2")
    assert phone.lang == "zh"
    phone.sign_out()
    _enter(phone, "planner1")
    assert phone.lang == "en"  # planner1's own language comes back with planner1
    phone.sign_out()
    # Another browser (a new session on the same phone data): Chinese, whatever planner1 chose.
    other = AppState(data_dir=tmp_path)
    other.device_language(None)
    assert other.lang == "zh"


def test_the_sign_in_screens_language_is_the_devices_and_a_new_user_starts_in_it(tmp_path: Path) -> None:
    kept: list[str] = []
    phone = AppState(data_dir=tmp_path, remember_device_lang=kept.append)
    phone.toggle_lang()
    assert (phone.lang, phone.device_lang, kept) == ("en", "en", ["en"])
    _enter(phone, "planner3")
    assert phone.lang == "en"
    # The next start of the app on this device reads what the device kept.
    again = AppState(data_dir=tmp_path)
    again.device_language(kept[-1])
    assert again.lang == "en"
    again.device_language("fr")  # nothing the app speaks: Chinese
    assert again.lang == "zh"


def test_the_server_address_is_an_advanced_option_once_the_deployment_names_its_server(
    tmp_path: Path,
) -> None:
    open_ = AppState(data_dir=tmp_path / "a")
    assert open_.server_field_shown()  # no default configured: the planner types it
    fixed = AppState(data_dir=tmp_path / "b", default_server="https://fieldlog.example", server_fixed=True)
    assert not fixed.server_field_shown()
    fixed.toggle_server_field()
    assert fixed.server_field_shown()
    fixed.sign_out()
    assert not fixed.server_field_shown()
    # A phone that last signed in to another server shows that address, so the planner sees where.
    fixed._remember("https://other.example", "planner1")
    fixed.refresh()
    assert fixed.server_field_shown()


def test_two_users_on_one_server_never_share_a_store(tmp_path: Path) -> None:
    a = store_path(tmp_path, "http://s:8000", "planner1")
    b = store_path(tmp_path, "http://s:8000", "planner2")
    c = store_path(tmp_path, "http://other:8000", "planner1")
    assert len({a, b, c}) == 3
    assert store_path(tmp_path, "http://s:8000/", "planner1") == a


# --- with a real server -----------------------------------------------------------------------------------


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    live_server.add_district("示范区")
    live_server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
    live_server.add_user("staff1", "district", districts=["示范区"])
    return live_server


def test_sign_in_online_remembers_the_account_and_opens_home(server: LiveServer, tmp_path: Path) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert s.screen == "home" and s.display_name == "张规划" and s.district_id is not None
    assert s.remembered() == {"server": server.url, "username": "planner1"}
    assert s.store.get_meta("session.token")


def test_sign_in_opens_offline_from_the_remembered_sign_in_when_the_server_is_down(
    server: LiveServer, tmp_path: Path
) -> None:
    first = AppState(data_dir=tmp_path / "phone")
    assert first.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    first.store.close()
    server.kill()
    again = AppState(data_dir=tmp_path / "phone")
    assert not again.sign_in(server.url, "planner1", "wrong password")
    assert again.error == "用户名或密码不正确。"
    assert again.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert again.notice == "服务器暂时连不上：已用本机保存的登录信息离线打开。"
    assert again.district_id == first.district_id
    assert again.check_in(Fix(29.5, 106.5), site="滨江步道") is not None


def test_after_five_wrong_passwords_sign_in_says_how_long_to_wait_and_an_admin_can_reset_it(
    server: LiveServer, tmp_path: Path
) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    for _ in range(5):
        assert not s.sign_in(server.url, "planner1", "wrong password")
    assert not s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert s.error == "登录失败次数过多，请 15 分钟后再试；忘记密码请联系区里的管理员。"
    assert s.store is None
    s.lang = "en"
    assert not s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert s.error is not None and s.error.startswith("Too many failed sign-ins. Try again in 15 min")
    # The admin's reset starts the count afresh: the new password works at once, the old one is gone.
    server.cli("user", "password", "planner1", input="a-new-password-1\n")
    assert not s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert s.error == "Wrong username or password."
    assert s.sign_in(server.url, "planner1", "a-new-password-1")


def test_a_password_reset_signs_the_phone_out_and_its_unsynced_visit_syncs_after_the_new_sign_in(
    server: LiveServer, tmp_path: Path
) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert s.check_in(Fix(29.5, 106.5), site="滨江步道") is not None and s.check_out() is not None
    server.cli("user", "password", "planner1", input="a-new-password-1\n")
    s.run_sync()
    assert s.sync.last_error == "登录已过期，请重新登录。"
    assert s.store.outbox_count() == 1 and [i.status_code for i in s.record_items()] == ["saved"]
    s.sign_out()
    assert s.sign_in(server.url, "planner1", "a-new-password-1")
    s.run_sync()
    assert s.sync.last_error is None
    assert [i.status_code for i in s.record_items()] == ["synced"]


def test_a_new_phone_says_its_numbers_are_coming_then_shows_the_servers_after_the_first_pull(
    server: LiveServer, tmp_path: Path
) -> None:
    # The planner's visit was confirmed on the server from another phone.
    old = AppState(data_dir=tmp_path / "old-phone")
    assert old.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    rid = old.check_in(Fix(29.5, 106.5), site="滨江步道")
    old.clock = lambda: datetime.now(UTC) + timedelta(hours=1)
    assert old.check_out() is not None
    old.run_sync()
    with server.login("staff1") as staff:
        staff.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"}).raise_for_status()

    new = AppState(data_dir=tmp_path / "new-phone")
    assert new.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    assert new.needs_first_pull()
    s = new.home_summary()
    assert not s.fetched and new.still_coming(s) == (
        "正在从服务器取回你的记录…",
        "已确认的次数和工作时长取回后显示。",
    )
    new.run_sync()
    assert not new.needs_first_pull()
    s = new.home
    assert s is not None and s.fetched and new.still_coming(s) is None
    assert new.progress_text(s) == "1 / 10 已确认"


def test_a_first_pull_that_fails_says_the_numbers_will_come_never_zero(tmp_path: Path) -> None:
    from app.store import LocalStore

    phone = AppState(data_dir=tmp_path)
    path = tmp_path / "store.sqlite3"
    phone._enter(
        LocalStore(path), f"http://127.0.0.1:{free_port()}", "planner1", "token", {"role": "planner"}
    )
    phone.run_sync()  # nothing answers
    assert phone.sync.last_error is not None
    assert phone.still_coming(phone.home_summary()) == (
        "还没有取回服务器上的记录",
        "联网后会自动同步，之后这里显示已确认的次数；也可以在“同步”里手动同步。",
    )
    phone.store.record_sync(clock_offset_s=None)
    assert phone.still_coming(phone.home_summary()) is None


def test_sign_in_without_network_and_without_a_remembered_sign_in_says_so(tmp_path: Path) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert not s.sign_in(f"http://127.0.0.1:{free_port()}", "planner1", "pw")
    assert s.error is not None and "连不上服务器" in s.error and s.store is None


def test_a_rejected_visit_shows_the_reason_and_opens_for_fixing(server: LiveServer, tmp_path: Path) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    rid = s.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert s.check_out() is not None
    s.run_sync()
    assert s.sync.last_error is None
    assert [i.status_code for i in s.record_items()] == ["synced"]
    with server.login("staff1") as staff:
        staff.post(f"/api/visits/{rid}/reject", json={"reason": "缺少现场照片"}).raise_for_status()
    s.run_sync()
    item = s.record_items()[0]
    assert (item.status_code, item.status_text, item.reason, item.can_fix) == (
        "rejected",
        "已退回",
        "缺少现场照片",
        True,
    )
    s.fix_record(item.kind, item.id)
    assert s.screen == "visit" and s.visit_id == rid


def test_sync_while_the_server_is_down_keeps_everything_and_says_so_plainly(
    server: LiveServer, tmp_path: Path
) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    s.check_in(Fix(29.5, 106.5), site="滨江步道")
    server.kill()
    steps: list[Any] = []
    s.run_sync(post=lambda fn: (steps.append(fn), fn()))
    assert s.sync.last_error == "连不上服务器，记录都保存在本机，联网后会自动上传。"
    assert not s.sync.running and steps
    assert s.store.outbox_count() == 1
    assert [i.status_code for i in s.record_items()] == ["saved"]


def test_a_rejected_visit_can_be_fixed_and_is_queued_again(server: LiveServer, tmp_path: Path) -> None:
    s = AppState(data_dir=tmp_path / "phone")
    assert s.sign_in(server.url, "planner1", DEFAULT_PASSWORD)
    rid = s.check_in(Fix(29.5, 106.5), site="滨江步道")
    s.check_out()
    s.run_sync()
    with server.login("staff1") as staff:
        staff.post(f"/api/visits/{rid}/reject", json={"reason": "缺少参加人员"}).raise_for_status()
    s.run_sync()
    visit = s.store.get(rec.VISIT, rid)
    assert s.rejection(visit) == "缺少参加人员"
    s.fix_record(rec.VISIT, rid)
    assert s.update_visit(participants="街道办 王主任")
    assert s.store.outbox_count() == 1
    assert s.record_items()[0].status_code == "saved"


def test_invitations_show_their_title_and_time(state: AppState) -> None:
    inv = {
        "id": 3,
        "data": {"title": "老城更新论证会", "starts_at": "2026-05-07T02:00:00+00:00"},
        "state": {},
    }
    assert state.invitation_text(inv) == "老城更新论证会 · 5月7日 10:00"


def test_records_flag_a_visit_left_open_overnight_and_one_without_a_fix(
    state: AppState, clock: Clock
) -> None:
    state.check_in(None, site="解放碑")
    clock.advance(hours=20)
    [item] = state.record_items()
    assert item.flags == (state.tr("visit.overnight"), "未定位（地点由本人填写）")


def test_sync_screen_lists_what_is_waiting(state: AppState) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    state.new_feedback()
    state.feedback.place, state.feedback.content = "和平路社区", "路灯不亮"
    state.save_feedback()
    titles = [i.title for i in state.waiting_items()]
    assert titles == ["居民意见 · 和平路社区", "实地指导 · 滨江步道"]
