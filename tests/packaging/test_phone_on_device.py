"""The staged bundle on a (played) phone: the store lands in Flet's durable app storage, and a refused
location permission is explained while the check-in still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.i18n import t
from app.store import LocalStore
from tests.conftest import DEFAULT_PASSWORD, LiveServer
from tests.packaging.conftest import Phone
from tests.packaging.phone_client import PhoneClient, texts_of


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    live_server.add_district("示范区")
    live_server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
    return live_server


async def _sign_in(client: PhoneClient, server: LiveServer) -> None:
    await client.until(lambda: client.view("view-signin"))
    fields = {f["label"]: f for f in client.controls.values() if f.get("_c") == "TextField"}
    # The build names its server: the address is an advanced option, not a field to fill.
    assert "服务器地址" not in fields
    await client.type(fields["用户名"], "planner1")
    await client.type(fields["密码"], DEFAULT_PASSWORD)
    button = client.find("FilledButton", key="signin")
    assert button is not None
    await client.tap(button)
    await client.until(lambda: client.view("view-home"))


def _stores(root: Path) -> list[Path]:
    return sorted(root.rglob("store.sqlite3"))


async def test_a_phone_keeps_its_store_in_flets_durable_app_storage(phone: Phone, server: LiveServer) -> None:
    client = await phone.start(server.url)
    await _sign_in(client, server)
    (store_file,) = _stores(phone.storage)
    assert store_file.relative_to(phone.storage).parts[0] == "phone"
    # Nothing beside the app: the folder it runs from is replaced by every update.
    assert _stores(phone.apk.staged) == [] and not (phone.run_dir / "data").exists()
    assert (phone.storage / "phone" / "accounts.json").is_file()
    with LocalStore(store_file) as store:
        assert store.get_meta("session.base_url") == server.url


async def test_a_refused_location_is_explained_and_the_visit_is_saved_with_the_named_place(
    phone: Phone, server: LiveServer
) -> None:
    client = await phone.start(server.url, request_permission="denied")
    await _sign_in(client, server)
    check_in = client.find("FilledButton", content=t("zh", "home.check_in"))
    assert check_in is not None
    await client.tap(check_in)
    dialog = await client.until(lambda: client.find("AlertDialog"))
    assert t("zh", "permission.location.denied") in texts_of(dialog)
    asked = [c["name"] for c in client.calls]
    assert "request_permission" in asked and "get_current_position" not in asked
    visit = await client.until(lambda: client.view("view-visit"))
    assert t("zh", "visit.no_fix") in texts_of(visit)
    (site,) = [f for f in client.controls.values() if f.get("_c") == "TextField" and f.get("label") == "地点"]
    await client.type(site, "解放碑步行街")
    here = client.find("FilledButton", content=t("zh", "visit.check_in_here"))
    assert here is not None
    await client.tap(here)
    await client.until(lambda: client.find("Text", value=t("zh", "visit.no_fix_badge")))
    (store_file,) = _stores(phone.storage)
    with LocalStore(store_file) as store:
        (visit_record,) = store.records("visit")
    assert visit_record.data["site"] == "解放碑步行街" and visit_record.data["lat"] is None
