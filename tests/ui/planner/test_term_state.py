"""The planner's own term on the phone, without a page, against the real server app: the term, contract
record, dispatch notice and allowance read from the server (PDS-7, PDS-8, PDS-9); a travel claim filed with
a receipt photo that went through the phone's photo pipeline and upload (CQ-6); and, without the server,
one plain sentence and nothing sent.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any, cast

import httpx
from PIL import Image

from app.ui.planner.claim import RECEIPT
from app.ui.state import AppState
from tests.server.conftest import Api, World
from tests.server.term_world import add_member, add_request, dispatch, ok
from tests.server.world import make_api

SERVER = "http://fieldlog"


async def signed_in(
    api: Api, tmp_path: Path, username: str, password: str, transport: Any = None
) -> AppState:
    """A phone signed in online as ``username`` (the sign-in's answer, as `app.ui.signin` keeps it)."""
    resp = await api.client().post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    token, user = resp.json()["access_token"], resp.json()["user"]
    user["districts"] = (await api.client(token).get("/api/districts")).json()
    state = AppState(
        data_dir=tmp_path / "phone",
        online_transport=transport or httpx.ASGITransport(app=cast(Any, api.app)),
    )
    state._enter(state._open_store(SERVER, username), SERVER, username, token, user)
    return state


def receipt_photo() -> bytes:
    img = Image.new("RGB", (1200, 900), (240, 240, 230))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


async def test_pds7_pds8_pds9_the_planner_sees_their_term_contract_notice_and_allowance(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        d = await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s1, w.a),
            await add_member(w.coord, "pingdingshan"),
            "2025-01-01",
            {"username": "wang", "password": "a-long-password"},
        )
        contract = {"certificate_no": "平规聘-7", "tasks": "技术把关", "service_fee_cny": "5000.00"}
        await ok(await w.coord.put(f"/api/dispatches/{d['id']}/contract", json=contract))
        period = {"name": "2025年度", "starts_on": "2025-01-01", "ends_on": "2025-12-31"}
        await ok(await w.coord.post("/api/allowance/periods", json=period), 201)
        state = await signed_in(api, tmp_path, "wang", "a-long-password")
        assert await state.open_term()
        assert state.screen == "term" and state.route() == "/term" and state.error is None
        assert state.my_dispatch()["district_name"] == "A区"
        assert state.my_term()["term"]["ends_on"] == "2025-12-31"
        lines = dict(state.contract_lines())
        assert lines["聘书编号"] == "平规聘-7" and lines["服务费用（元）"] == "5000.00"
        assert "权利义务" in state.contract_missing()
        assert state.my_dispatch()["notice"]["paragraphs"][0] == "A区、王规划同志："
        assert state.allowance_lines() == [("2025年度", "金额 5000.00 元", False)]
        url = await state.notice_link(int(d["id"]))
        assert url is not None
        resp = await api.client().get(url.removeprefix(SERVER))
        assert resp.status_code == 200 and resp.content[:2] == b"PK"


async def test_cq6_a_travel_claim_goes_with_its_receipt_photo_through_the_photo_pipeline_and_upload(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        state = await signed_in(api, tmp_path, "p1", "fieldlog-test-pw")
        assert await state.open_term()
        assert state.claim_lines() == []
        state.new_claim()
        assert state.route() == "/term/claim" and state.claim.district_id == w.a
        # A photo picked on this screen is the claim's receipt, not a visit's.
        assert state.photo_target() == (RECEIPT, None)
        state.claim.trip = "往返示范区老旧小区改造点"
        assert not await state.file_claim()
        assert state.field_error == "金额（元）：必填"
        state.claim.amount = "86.50"
        assert not await state.file_claim()
        assert state.field_error == "票据照片：必填" and await api.count("travel_claims") == 0
        sha = state.add_photo(*state.photo_target(), receipt_photo())
        assert sha is not None and state.claim.receipt == sha and sha in state.thumbs
        stored = state.store.photo_path(sha)
        assert stored is not None and hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        with Image.open(stored) as prepared:
            assert max(prepared.size) <= 2048 and not prepared.getexif()
        state.claim.amount = "86.505"
        assert not await state.file_claim()
        assert state.field_error is not None and state.field_error.startswith("金额（元）：")
        assert await api.count("travel_claims") == 0
        state.claim.amount = "86.50"
        assert await state.file_claim()
        assert state.screen == "term" and state.notice == "报销已提交：86.50 元，等待区县审核。"
        [claim] = state.claim_lines()
        assert (claim["status"], claim["amount"], claim["receipt_sha256"]) == ("pending", "86.50", sha)
        # The photo is on the server under its digest and no longer waits on the phone.
        receipt = await w.s1.get(f"/api/claims/{claim['id']}/receipt")
        assert hashlib.sha256(receipt.content).hexdigest() == sha
        assert state.store.waiting_photos()[0] == 0


async def test_without_the_server_the_term_screen_and_a_claim_say_so_plainly_and_nothing_is_sent(
    db_url: str, tmp_path: Path
) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no network", request=request)

    async with make_api(db_url, tmp_path, "chongqing") as api:
        await World(api).build()
        state = await signed_in(
            api, tmp_path, "p1", "fieldlog-test-pw", transport=httpx.MockTransport(unreachable)
        )
        assert not await state.open_term()
        assert state.screen == "term" and state.mine == {}
        assert state.error == "这一项需要连接服务器，现在连不上。本机的记录不受影响，联网后再打开。"
        state.new_claim()
        state.claim.trip, state.claim.amount = "往返现场", "20.00"
        state.add_photo(*state.photo_target(), receipt_photo())
        assert not await state.file_claim()
        assert state.field_error == "这一项需要连接服务器，现在连不上。本机的记录不受影响，联网后再打开。"
        assert await api.count("travel_claims") == 0 and state.claim.trip == "往返现场"
        # Opened offline with no token at all: the same sentence, no request tried.
        state.token = None
        assert not await state.open_term()
        assert state.error == "这一项需要连接服务器，现在连不上。本机的记录不受影响，联网后再打开。"
        # The phone's own screens work as before.
        state.go("home")
        assert state.check_in(None, "解放碑社区") is not None
