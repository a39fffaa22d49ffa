"""An annual report's address that holds no planner id is a 404 naming the path, never a server error."""

from __future__ import annotations

import pytest

from tests.server.world import World


@pytest.mark.parametrize("stem", ["9" * 5000, "9" * 20, "²", "١٢"])
async def test_cq4_an_annual_report_address_without_a_planner_id_is_404_naming_the_path(
    world: World, stem: str
) -> None:
    resp = await world.coord.get(f"/api/reports/annual/{stem}.docx")
    assert resp.status_code == 404
    assert resp.json()["field"] == "path"
