"""What every part of a coordinator's session shares: the fields (declared by `CoordinatorState`).

Each screen's module adds its methods to `CoordinatorState` as a mixin over `CoordinatorBase`. Numbers are
shown as the server computed them; the state only words them.
"""

from __future__ import annotations

from typing import Any

from app.ui.online_state import OnlineScreens

#: Every coordinator screen: the dashboard, the map, the appraisal, one planner's dossier, the audit log;
#: the planner's term (hub, pool, a new candidate, one candidate, an archive, requests, one request,
#: dispatches, one dispatch, terms, one term's decision) and money (settlements, one period, work funds).
COORD_SCREENS = (
    "dashboard",
    "map",
    "appraisal",
    "dossier",
    "audit",
    "term",
    "pool",
    "new_candidate",
    "candidate",
    "archive",
    "requests",
    "request",
    "dispatches",
    "dispatch",
    "terms",
    "term_decision",
    "settlements",
    "period",
    "funds",
)


class CoordinatorBase(OnlineScreens):
    """The fields of a coordinator's session."""

    client: Any
    tz: str
    year: int
    busy: bool
    config: dict[str, Any]
    dashboard: dict[str, Any]
    points: list[dict[str, Any]]
    map_crs: str
    appraisal: dict[str, Any]
    chosen: dict[int, str]
    dossier: dict[str, Any]
    dossier_of: int | None
    downloads: list[str]
    quarter: int
    district_id: int | None
    audit: list[dict[str, Any]]
    audit_before: int | None

    # Provided by the screens' mixins.
    async def load_appraisal(self) -> None:
        raise NotImplementedError
