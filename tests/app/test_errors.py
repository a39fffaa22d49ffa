"""Both clients say what went wrong with one set of types, read a refusal the same way, and the phone words
each in one sentence: no answer is `Unreachable` (never found by matching an error's text), 4xx is
`Refused` with the field the server named.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app import sync
from app.errors import AuthError, Refused, ServerError, SignInPaused, Unreachable, plain, read_refusal
from app.online import OnlineClient
from shared.records import RecordError
from tests.conftest import free_port


def _answer(status: int, body: object = None, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text)
    return httpx.Response(status, json=body)


def test_a_refusal_gives_the_servers_words_and_the_field_it_names() -> None:
    body = {"status_code": 422, "detail": "grades.12: at most 3 excellent", "field": "grades.12"}
    assert read_refusal(_answer(422, body)) == ("grades.12: at most 3 excellent", "grades.12")
    # No "field": the server starts its words with the field's name.
    assert read_refusal(_answer(400, {"detail": "site: is required"})) == ("site: is required", "site")
    assert read_refusal(_answer(403, {"detail": "not yours"})) == ("not yours", None)
    # Not the server's JSON (a proxy's page): its text, and no field.
    assert read_refusal(_answer(502, text="Bad gateway from the proxy")) == (
        "Bad gateway from the proxy",
        None,
    )


def test_no_answer_from_the_online_client_is_unreachable_by_type() -> None:
    client = OnlineClient(f"http://127.0.0.1:{free_port()}", "token")
    with pytest.raises(Unreachable):
        asyncio.run(client.config())


def test_the_online_client_raises_refusals_with_status_field_and_detail() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/config":
            return _answer(401, {"detail": "authorization: token expired", "field": "authorization"})
        return _answer(422, {"detail": "reason_code: is required", "field": "reason_code"})

    transport = httpx.MockTransport(answer)
    client = OnlineClient("http://fieldlog", "token", transport=transport)  # type: ignore[arg-type]
    with pytest.raises(AuthError):
        asyncio.run(client.config())
    with pytest.raises(Refused) as err:
        asyncio.run(client.confirm("v1"))
    assert (err.value.status, err.value.field, err.value.detail) == (
        422,
        "reason_code",
        "reason_code: is required",
    )


def test_signing_in_with_no_server_is_unreachable_and_still_a_sync_error() -> None:
    with pytest.raises(Unreachable) as err:
        sync.login(f"http://127.0.0.1:{free_port()}", "planner1", "pw")
    assert isinstance(err.value, sync.SyncError) and isinstance(err.value, ServerError)


def test_the_planner_is_told_records_wait_on_the_phone_staff_are_told_to_try_again() -> None:
    down = Unreachable("cannot reach server")
    assert plain("zh", down, offline_first=True) == "连不上服务器，记录都保存在本机，联网后会自动上传。"
    assert plain("zh", down, offline_first=False) == "连不上服务器，请联网后重试。"


def test_each_kind_of_error_in_plain_words() -> None:
    assert plain("zh", AuthError("expired"), offline_first=False) == "登录已过期，请重新登录。"
    assert plain("zh", AuthError("expired"), offline_first=True) == "登录已过期，请重新登录。"
    forbidden = Refused("visit: not yours", status=403, field="visit")
    assert plain("en", forbidden, offline_first=False) == "You may not see or change this."
    refused = Refused("the server refused the request: body: too big", status=413, detail="body: too big")
    assert plain("en", refused, offline_first=False) == "The server refused: body: too big"
    assert plain("en", refused, offline_first=True) == (
        "Server error: the server refused the request: body: too big"
    )
    assert plain("zh", RecordError("site", "is required"), offline_first=True) == "地点：必填"
    assert SignInPaused("wait", 61).minutes == 2
