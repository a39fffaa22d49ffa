"""What the phone offers when a planner names a site or a project, and which district a new record goes to.

Plain logic over the phone's store (`app.store`), which sync fills with the districts' known sites
(shared/protocol.py, Sites); it works offline and is tested without a page. The screens call `SitePicker`:

* `SitePicker.suggestions` for what the planner typed (any part of a name, or of an earlier name), nearest
  first when there is a fix, else most recently used first; the planner's own records' places come too,
  before the server knows them. Free text stays allowed: a name that matches nothing is a new site.
* `SitePicker.check_in_default` for a check-in: the district (`default_district`) and the site, which is
  the nearest known site within `site_radius_m` of the fix, or empty with the coordinates as a hint. The
  coordinates are never the site's name.
* `SitePicker.default_district`: for a planner with several districts, the one whose responsibility area
  holds the fix; if no single one does, the district of the nearest known site; else the one last
  recorded for on this phone; else the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from app.store import KnownSite, LocalStore
from shared.geo import Area, area_from_json, distance_to_area_m, haversine_m
from shared.protocol import SITE, SITE_KINDS, SITE_LIVE, SITE_RETIRED

#: A known site this close to the fix (metres) is the check-in's default site.
SITE_RADIUS_M: Final = 150.0
#: How far a fix's reported accuracy may widen that radius (metres): a poor fix defaults nothing far away.
ACCURACY_ALLOWANCE_M: Final = 100.0
DEFAULT_LIMIT: Final = 20


class Fix(Protocol):
    """A GPS fix as the phone's location service gives it (WGS-84)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...

    @property
    def accuracy_m(self) -> float | None: ...


@dataclass(frozen=True)
class DistrictChoice:
    id: int
    name: str
    #: The planner's responsibility area there, or None when none is recorded.
    area: Area | None


@dataclass(frozen=True)
class Suggestion:
    """One place to offer: tapping it sets the record's site (or subject) and its district."""

    name: str
    kind: str
    district_id: int | None
    district_name: str
    #: Metres from the fix; None without a fix or when the site has no position.
    distance_m: float | None
    last_at: datetime | None
    #: Records that name it, as the server counts them (0 for a place only this phone's records name).
    uses: int
    #: False when only this phone's own records name it so far (the server does not list it yet).
    known: bool


@dataclass(frozen=True)
class SiteDefault:
    """What a check-in starts with."""

    district_id: int | None
    #: The nearest known site within the radius; "" when none is near enough (the planner names it).
    site: str
    #: The fix as text ("29.56300, 106.55160"), to show in an empty site field; "" without a fix.
    hint: str
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when the check-in can be saved at once (a site is known)."""
        return bool(self.site)


def fix_text(fix: Fix) -> str:
    """The coordinates as the site field's hint: five decimals, about a metre."""
    return f"{fix.lat:.5f}, {fix.lon:.5f}"


def _fallback(items: Iterable[Any]) -> list[DistrictChoice]:
    """Districts as the sign-in gave them (ids, or objects with id and name), before the first sync."""
    out: list[DistrictChoice] = []
    for item in items:
        did = item if isinstance(item, int) else item.get("id") if isinstance(item, dict) else None
        if isinstance(did, int) and not isinstance(did, bool) and did > 0:
            name = item.get("name") if isinstance(item, dict) else None
            out.append(DistrictChoice(did, str(name or did), None))
    return out


def _area(value: Any) -> Area | None:
    if value is None:
        return None
    try:
        return area_from_json(value)
    except ValueError:
        return None  # an area this phone cannot read decides nothing


class SitePicker:
    """Suggestions and defaults for one signed-in planner's store (see the module docstring)."""

    def __init__(
        self,
        store: LocalStore,
        *,
        fallback_districts: Iterable[Any] = (),
        site_radius_m: float = SITE_RADIUS_M,
    ) -> None:
        self.store = store
        self._fallback = _fallback(fallback_districts)
        self.site_radius_m = site_radius_m

    # --- districts ---

    def districts(self) -> list[DistrictChoice]:
        """The districts the planner records for: the server's list from the last sync, else the sign-in's."""
        stored = [DistrictChoice(d.id, d.name, _area(d.area)) for d in self.store.districts()]
        return stored or list(self._fallback)

    def district_name(self, district_id: int | None) -> str:
        for d in self.districts():
            if d.id == district_id:
                return d.name
        return ""

    def default_district(self, fix: Fix | None = None) -> int | None:
        """The district a new record goes to (see the module docstring for the order)."""
        return self._default_district(fix, None)

    def _default_district(self, fix: Fix | None, every: Sequence[Suggestion] | None) -> int | None:
        districts = self.districts()
        if len(districts) <= 1:
            return districts[0].id if districts else None
        candidates = [d.id for d in districts]
        if fix is not None:
            point = (fix.lat, fix.lon)
            inside = [
                d.id for d in districts if d.area is not None and distance_to_area_m(point, d.area) == 0
            ]
            if len(inside) == 1:
                return inside[0]
            candidates = inside or candidates
            # One area recorded for several districts, or none: the sites around the planner may tell.
            near = self.nearest_site(fix, district_ids=candidates, among=every)
            if near is not None and near.district_id is not None:
                return near.district_id
        last = self.store.last_used_district()
        return last if last in candidates else candidates[0]

    # --- sites ---

    def suggestions(
        self,
        query: str = "",
        fix: Fix | None = None,
        *,
        kind: str = SITE,
        district_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Suggestion]:
        """Places whose name (or earlier name) contains ``query``, nearest first with a fix, else newest.

        A name that equals the query comes first. ``district_id`` keeps to one district; retired sites
        never come, not even from the planner's own records.
        """
        if kind not in SITE_KINDS:
            raise ValueError(f"kind: must be one of {', '.join(SITE_KINDS)}")
        districts = {d.id: d for d in self.districts()}

        def wanted(did: int | None) -> bool:
            if district_id is not None:
                return did == district_id
            return not districts or did in districts

        known = self.store.find_sites(kind, query)
        hidden = {(s.district_id, s.name) for s in known if s.state == SITE_RETIRED}
        renamed = {(s.district_id, a): s.name for s in known for a in s.aliases}
        merged: dict[tuple[int | None, str], _Place] = {}
        for s in known:
            if s.state == SITE_LIVE and wanted(s.district_id):
                merged[(s.district_id, s.name)] = _Place.of_site(s)
        for p in self.store.record_places(kind, query):
            name = renamed.get((p.district_id, p.name), p.name) if p.district_id is not None else p.name
            key = (p.district_id, name)
            if key in hidden or not wanted(p.district_id):
                continue
            place = merged.setdefault(key, _Place(name, p.district_id, known=False))
            place.add(p.at, p.lat, p.lon)
        q = query.strip()
        out = []
        for place in merged.values():
            distance = None
            if fix is not None and place.lat is not None and place.lon is not None:
                distance = haversine_m((fix.lat, fix.lon), (place.lat, place.lon))
            out.append(
                Suggestion(
                    place.name,
                    kind,
                    place.district_id,
                    districts[place.district_id].name if place.district_id in districts else "",
                    distance,
                    place.last_at,
                    place.uses,
                    place.known,
                )
            )
        out.sort(key=lambda s: _order(s, q, fix is not None))
        return out[: max(0, limit)]

    def nearest_site(
        self,
        fix: Fix,
        *,
        district_ids: Sequence[int] | None = None,
        among: Sequence[Suggestion] | None = None,
    ) -> Suggestion | None:
        """The nearest known site within the radius (widened by the fix's accuracy, up to a limit).

        ``among``: suggestions already made for this fix with no query (all of them), to look through."""
        radius = self.site_radius_m + min(max(fix.accuracy_m or 0.0, 0.0), ACCURACY_ALLOWANCE_M)
        for s in among if among is not None else self.suggestions("", fix, kind=SITE, limit=1_000_000):
            if s.distance_m is None or s.distance_m > radius:
                # Sorted nearest first: nothing after this one is nearer.
                return None
            if district_ids is None or s.district_id in district_ids:
                return s
        return None

    def check_in_default(self, fix: Fix | None) -> SiteDefault:
        """District and site for a check-in at ``fix`` (see `SiteDefault`)."""
        every = self.suggestions("", fix, limit=1_000_000)
        district_id = self._default_district(fix, every)
        if fix is None:
            return SiteDefault(district_id, "", "", every[:DEFAULT_LIMIT])
        near = self.nearest_site(
            fix, district_ids=None if district_id is None else [district_id], among=every
        )
        return SiteDefault(district_id, near.name if near else "", fix_text(fix), every[:DEFAULT_LIMIT])


@dataclass
class _Place:
    name: str
    district_id: int | None
    known: bool
    lat: float | None = None
    lon: float | None = None
    last_at: datetime | None = None
    uses: int = 0
    #: When the position was taken, to keep the newest fix.
    fixed_at: datetime | None = None

    @classmethod
    def of_site(cls, s: KnownSite) -> _Place:
        return cls(s.name, s.district_id, True, s.lat, s.lon, s.last_at, s.uses, s.last_at)

    def add(self, at: datetime | None, lat: float | None, lon: float | None) -> None:
        """One of this phone's records names the place: newer time or fix than the server knew wins."""
        if at is not None and (self.last_at is None or at > self.last_at):
            self.last_at = at
        if lat is not None and lon is not None:
            # The server's position stands (staff placed it, or it is the newest fix of every planner's);
            # a place only this phone knows takes its newest fix.
            newer = at is not None and (self.fixed_at is None or at > self.fixed_at)
            if self.lat is None or (not self.known and newer):
                self.lat, self.lon, self.fixed_at = lat, lon, at


def _order(s: Suggestion, query: str, by_distance: bool) -> tuple[Any, ...]:
    exact = 0 if query and s.name == query else 1
    recency = -(s.last_at.timestamp() if s.last_at else float("-inf"))
    if by_distance:
        return (exact, s.distance_m is None, s.distance_m or 0.0, recency, s.name)
    return (exact, recency, s.name)
