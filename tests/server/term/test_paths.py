"""Ids in the term's paths: one past what the tables hold is a 400 naming it (never a 500), one that fits
but names nothing is a 404; a document path in another form is a 404 saying the form."""

from __future__ import annotations

import pytest

from tests.server.conftest import World


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/pool/candidates/{n}", "candidate_id"),
        ("/api/pool/candidates/{n}/archive", "candidate_id"),
        ("/api/dispatch-requests/{n}", "request_id"),
        ("/api/dispatch-requests/{n}/candidates", "request_id"),
        ("/api/dispatches/{n}", "dispatch_id"),
    ],
)
async def test_an_id_past_32_bits_is_400_naming_it_and_an_unknown_one_404(
    world: World, path: str, field: str
) -> None:
    for n in (2**31, 10**30):
        resp = await world.admin.get(path.format(n=n))
        assert resp.status_code == 400, resp.text
        assert resp.json()["field"] == field
    missing = await world.admin.get(path.format(n=2**31 - 1))
    assert missing.status_code == 404 and missing.json()["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/api/reports/archives/1.pdf",
        "/api/reports/archives/abc.docx",
        "/api/reports/dispatch-notices/99999999999.docx",
    ],
)
async def test_a_document_path_in_another_form_is_404_saying_the_form(world: World, path: str) -> None:
    resp = await world.admin.get(path)
    assert resp.status_code == 404 and resp.json()["field"] == "path"
    assert "<" in resp.json()["detail"]


async def test_a_document_of_nothing_is_404(world: World) -> None:
    for path, field in (
        ("/api/reports/archives/7.docx", "candidate_id"),
        ("/api/reports/dispatch-notices/7.docx", "dispatch_id"),
    ):
        resp = await world.admin.get(path)
        assert resp.status_code == 404 and resp.json()["field"] == field
