"""Runtime permissions on a phone: asked before use, and a refusal said in plain words with what still works.

The phone's plugins are stood in for by small objects answering with the plugins' own status values; the
whole path through the bundle and Flet's protocol is in tests/packaging/test_phone_on_device.py."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft
import pytest
from flet_geolocator import GeolocatorPermissionStatus
from flet_permission_handler import PermissionStatus

from app.device import on_phone, refusal_dialog
from app.permissions import PermissionAnswer, PermissionGate, device_ask, outcome_of


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (GeolocatorPermissionStatus.WHILE_IN_USE, "granted"),
        (GeolocatorPermissionStatus.ALWAYS, "granted"),
        (GeolocatorPermissionStatus.DENIED, "denied"),
        (GeolocatorPermissionStatus.DENIED_FOREVER, "denied_forever"),
        (GeolocatorPermissionStatus.UNABLE_TO_DETERMINE, "unavailable"),
        (PermissionStatus.GRANTED, "granted"),
        (PermissionStatus.LIMITED, "granted"),
        (PermissionStatus.DENIED, "denied"),
        (PermissionStatus.PERMANENTLY_DENIED, "denied_forever"),
        (PermissionStatus.RESTRICTED, "denied_forever"),
        (None, "unavailable"),
        ("somethingNew", "unavailable"),
    ],
)
def test_every_answer_of_the_phones_plugins_has_an_outcome(status: object, outcome: str) -> None:
    assert outcome_of(status) == outcome


async def test_a_granted_permission_lets_the_app_go_on_without_a_word() -> None:
    async def ask(need: str) -> object:
        return GeolocatorPermissionStatus.WHILE_IN_USE

    answer = await PermissionGate(ask).ensure("location")
    assert answer.granted and answer.text("zh") is None


async def test_a_refused_location_says_the_check_in_still_works_with_a_named_place() -> None:
    async def ask(need: str) -> object:
        return "denied"

    answer = await PermissionGate(ask).ensure("location")
    assert not answer.granted and not answer.needs_settings
    assert answer.text("zh") == (
        "没有位置权限：签到照样保存，请写下地点（记录会标明“未定位”）。下次签到时可以选择“允许”。"
    )
    assert "the check-in is still saved" in (answer.text("en") or "")


async def test_a_camera_refused_for_good_points_to_the_settings_and_the_gallery_still_works() -> None:
    async def ask(need: str) -> object:
        assert need == "camera"
        return PermissionStatus.PERMANENTLY_DENIED

    answer = await PermissionGate(ask).ensure("camera")
    assert answer.needs_settings
    assert "仍可从相册选择照片" in (answer.text("zh") or "") and "设置" in (answer.text("zh") or "")
    assert "gallery" in (answer.text("en") or "")


async def test_no_answer_from_the_phone_counts_as_unavailable_and_the_app_goes_on() -> None:
    async def broken(need: str) -> object:
        raise RuntimeError("PermissionHandler is not available on this device")

    async def silent(need: str) -> object:
        await asyncio.sleep(60)
        return "granted"

    assert (await PermissionGate(broken).ensure("camera")).outcome == "unavailable"
    assert (await PermissionGate(silent, timeout_s=0.05).ensure("location")).outcome == "unavailable"


class Geolocator:
    """flet-geolocator's permission methods, answering as a phone with location services off."""

    def __init__(self, service_on: bool) -> None:
        self.service_on = service_on

    async def request_permission(self) -> GeolocatorPermissionStatus:
        return GeolocatorPermissionStatus.WHILE_IN_USE

    async def is_location_service_enabled(self) -> bool:
        return self.service_on


class Handler:
    def __init__(self) -> None:
        self.asked: list[Any] = []

    async def request(self, permission: Any) -> PermissionStatus:
        self.asked.append(permission)
        return PermissionStatus.DENIED


async def test_location_allowed_but_switched_off_on_the_phone_is_said_as_such() -> None:
    gate = PermissionGate(device_ask(Geolocator(service_on=False), Handler()))
    answer = await gate.ensure("location")
    assert answer.outcome == "unavailable"
    assert answer.text("zh") == "手机没有提供定位（定位服务可能已关闭）：签到照样保存，请写下地点。"
    assert (await PermissionGate(device_ask(Geolocator(True), Handler())).ensure("location")).granted


async def test_the_camera_is_asked_for_through_the_permission_plugin() -> None:
    from flet_permission_handler import Permission

    handler = Handler()
    answer = await PermissionGate(device_ask(Geolocator(True), handler)).ensure("camera")
    assert handler.asked == [Permission.CAMERA] and answer.outcome == "denied"


def test_the_refusal_dialog_offers_the_settings_only_when_only_they_can_help() -> None:
    def captions(dialog: ft.AlertDialog) -> list[str]:
        return [str(a.content) for a in dialog.actions or []]  # type: ignore[attr-defined]

    forever = refusal_dialog(PermissionAnswer("location", "denied_forever"), "zh", lambda: None, lambda: None)
    once = refusal_dialog(PermissionAnswer("location", "denied"), "zh", lambda: None, lambda: None)
    assert captions(forever) == ["打开设置", "知道了"] and captions(once) == ["知道了"]
    assert isinstance(once.content, ft.Text) and once.content.value == PermissionAnswer(
        "location", "denied"
    ).text("zh")


class Page:
    def __init__(self, web: bool, platform: ft.PagePlatform) -> None:
        self.web, self.platform = web, platform


def test_only_a_phone_build_asks_the_app_for_permissions_the_browser_asks_by_itself() -> None:
    assert on_phone(Page(False, ft.PagePlatform.ANDROID)) and on_phone(Page(False, ft.PagePlatform.IOS))
    assert not on_phone(Page(True, ft.PagePlatform.ANDROID))
    assert not on_phone(Page(False, ft.PagePlatform.LINUX))
