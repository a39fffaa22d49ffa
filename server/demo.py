"""A demo year for `fieldlog demo`: ten planners in three districts, visits over the current year
(confirmed, pending, rejected, flagged), opinions with follow-ups, feedback, activities with attendance,
terms and an exit request, so that every part of the dashboard and the appraisal has something to show;
and the pool behind them (`seed_demo_pool`): the ten planners as members dispatched on their districts'
requests (their areas and terms come from the dispatch), members waiting to be picked, candidates in
review and, in pingdingshan, in public notice (one with an objection being checked), and open requests,
one of them the seat planner7 leaves (PDS-11), so every screen of the term has something on it.

`seed_demo_lifecycle` adds what surrounds the year, each part in the profiles that have it: a bureau meeting
(CQ-11), planner1's feedback forwarded to the bureau (PDS-2c); in Pingdingshan the year's allowance
settlement period (PDS-9: full terms due 5,000 CNY, planner1 paid, planner7's short term flagged) and 示范区's
part of planner1's appraisal (PDS-10); in Chongqing travel claims (one pending, one approved), work funds
and 示范区's submission of last quarter's record (CQ-6, CQ-8). It is skipped when the bureau meeting exists.

Everything goes through the services the API uses (push, review, activities, follow-up, planner admin), as
the signed-in people would; only the time the server received old visits is set afterwards, as if they had
been synced the day they were made. Seeding is skipped when ``planner2`` exists, the pool's when any
candidate does (idempotent; a demo database made before the pool existed gets the pool on the next run).

Built in: ``planner3`` misses three activities in a row without excuse (CQ-11), ``planner5`` is behind pace
(CQ-5), ``planner6``'s term ends within the profile's ``term_warning_days`` (PDS-10, pingdingshan),
``planner7`` filed an exit request with short notice (PDS-11, pingdingshan).
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image

from server.activities.service import create_activity, record_attendance
from server.appraisal.district import record_assessment
from server.core.auth import load_user
from server.core.db import Database
from server.core.models import Activity, District, User, Visit, table_of
from server.core.settings import Settings
from server.feedback.service import record_forward as forward_feedback
from server.money import allowance, claims, funds
from server.opinions.service import record_followup
from server.people.service import add_district, create_user
from server.reports.handover import record_submission
from server.review.service import review_visit
from server.sync.attachments import put_attachment
from server.sync.service import push
from server.term.dispatch import file_request, list_dispatches, pick, record_step
from server.term.pool import (
    add_candidate,
    add_objection,
    grant_exception,
    publish_notice,
    review_candidate,
)
from server.term.terms import leave_early

_users, _districts, _visits = table_of(User), table_of(District), table_of(Visit)

#: name -> (lat, lon) of a point in the district (WGS-84).
DISTRICTS = {"示范区": (29.5630, 106.5516), "江北区": (29.6066, 106.5743), "南岸区": (29.5230, 106.5605)}
PLANNERS = (
    ("planner1", "张规划", "示范区"),
    ("planner2", "陈一帆", "示范区"),
    ("planner3", "刘思远", "示范区"),
    ("planner4", "赵文博", "示范区"),
    ("planner5", "孙明哲", "江北区"),
    ("planner6", "周若溪", "江北区"),
    ("planner7", "吴建国", "江北区"),
    ("planner8", "郑可心", "南岸区"),
    ("planner9", "王立新", "南岸区"),
    ("planner10", "冯晓雨", "南岸区"),
)
STAFF = (("staff1", "李审核", "示范区"), ("staff2", "何审核", "江北区"), ("staff3", "许审核", "南岸区"))
SITES = (
    "解放碑社区",
    "滨江步道",
    "老旧小区改造点",
    "学校周边",
    "菜市场",
    "城市更新片区",
    "公园绿地",
    "产业园",
)
PURPOSES = ("现场指导", "方案踏勘", "群众意见收集", "施工现场核查")
SUBJECTS = ("控规局部调整", "老旧小区改造方案", "滨江公园设计", "学校扩建方案", "街道风貌提升")


def _photo() -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (70, 130, 90)).save(buf, format="JPEG", quality=80)
    body = buf.getvalue()
    return hashlib.sha256(body).hexdigest(), body


async def seed_demo_year(settings: Settings, password: str) -> bool:
    """Seed the demo year; False when it exists already."""
    db = Database(settings.database_url)
    if db.is_sqlite:
        # Demo data only: skip the fsync per transaction that FULL makes (WAL stays consistent on a crash).
        @sa.event.listens_for(db.engine.sync_engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    try:
        seeded = await _seed(db, settings, password)
        if not seeded:
            await seed_demo_pool(db, settings)
        return seeded
    finally:
        await db.dispose()


async def _seed(db: Database, settings: Settings, password: str) -> bool:
    async with db.read() as conn:
        names = set((await conn.execute(sa.select(_users.c.username))).scalars())
        districts = dict(
            (r.name, r.id) for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))
        )
    if "planner2" in names:
        return False
    for name in DISTRICTS:
        if name not in districts:
            districts[name] = await add_district(db, name)
    ids: dict[str, int] = {}
    async with db.read() as conn:
        ids.update((r.username, r.id) for r in await conn.execute(sa.select(_users.c.username, _users.c.id)))
    for username, display, district in (*PLANNERS, *STAFF):
        if username not in ids:
            role = "planner" if username.startswith("planner") else "district"
            ids[username] = await create_user(
                db, username, role, password, display_name=display, district_ids=(districts[district],)
            )
    if "coord1" not in ids:
        ids["coord1"] = await create_user(db, "coord1", "coordinator", password, display_name="王统筹")

    async def user(name: str) -> Any:
        async with db.read() as conn:
            u = await load_user(conn, ids[name])
        assert u is not None
        return u

    staff = {d: await user(s) for s, _, d in STAFF}
    tz = ZoneInfo(settings.tz)
    now = datetime.now(tz).replace(microsecond=0)
    today = now.date()
    year_start = date(today.year, 1, 1)
    # The planners' areas and terms come from their dispatches.
    dispatched = await seed_demo_pool(db, settings)
    elapsed = max(1, (today - year_start).days)
    rnd = random.Random(20261122)
    sha, body = _photo()
    await put_attachment(db, settings, await user("planner1"), sha, body)

    for n, (username, _, district) in enumerate(PLANNERS):
        planner = await user(username)
        lat0, lon0 = DISTRICTS[district]
        # planner5 is behind pace; the others roughly on track for a 10-a-year target.
        count = 3 if username == "planner5" else 12 + n % 3
        ops: list[dict[str, Any]] = []
        plans: list[tuple[str, str, datetime]] = []
        for i in range(count):
            day = year_start + timedelta(days=int(elapsed * (i + 0.5) / count))
            start = datetime(
                day.year, day.month, day.day, 9 + rnd.randrange(6), rnd.choice((0, 15, 30)), tzinfo=tz
            )
            end = start + timedelta(minutes=rnd.randrange(45, 200))
            if end > now:
                start, end = now - timedelta(hours=3), now - timedelta(hours=1)
            far = i == count - 1 and n % 3 == 0  # a visit outside the area, for the queue's flags
            data = {
                "district_id": districts[district],
                "site": rnd.choice(SITES),
                "purpose": rnd.choice(PURPOSES),
                "started_at": start.isoformat(),
                "ended_at": end.isoformat(),
                "lat": round(lat0 + (0.06 if far else rnd.uniform(-0.01, 0.01)), 6),
                "lon": round(lon0 + rnd.uniform(-0.01, 0.01), 6),
                "accuracy_m": 12.0,
                "notes": "与街道、设计单位现场沟通。",
                "photos": [] if i % 4 == 3 else [sha],
            }
            rid = str(uuid.uuid4())
            ops.append(
                {"op_id": str(uuid.uuid4()), "kind": "visit", "id": rid, "base_version": 0, "data": data}
            )
            plans.append((rid, "far" if far else "ok", end))
        for j in range(2 + n % 3):
            issued = now - timedelta(days=int(elapsed * (j + 1) / 4))
            ops.append(
                {
                    "op_id": str(uuid.uuid4()),
                    "kind": "opinion",
                    "id": str(uuid.uuid4()),
                    "base_version": 0,
                    "data": {
                        "district_id": districts[district],
                        "subject": rnd.choice(SUBJECTS),
                        "opinion_kind": rnd.choice(("plan_review", "design_review", "consultation")),
                        "body": "经现场踏勘和方案审查，原则同意，建议优化公共空间与慢行系统衔接。",
                        "suggestions": "增加口袋公园；优化出入口位置。",
                        "dissent": "对局部容积率调整保留意见。" if j == 0 and n % 4 == 1 else None,
                        "issued_at": issued.isoformat(),
                    },
                }
            )
        for j in range(1 + n % 4):
            collected = now - timedelta(days=int(elapsed * (j + 1) / 5))
            ops.append(
                {
                    "op_id": str(uuid.uuid4()),
                    "kind": "feedback",
                    "id": str(uuid.uuid4()),
                    "base_version": 0,
                    "data": {
                        "district_id": districts[district],
                        "place": rnd.choice(SITES),
                        "category": rnd.choice(("planning", "traffic", "public_facilities", "environment")),
                        "content": "居民希望增加停车位和健身设施。",
                        "collected_at": collected.isoformat(),
                    },
                }
            )
        result = await push(db, planner, {"device_id": f"demo-{username}", "ops": ops}, settings.tz)
        assert all(r["status"] == "applied" for r in result["results"]), result
        await _received(
            db, [{"b_id": rid, "received_at": min(end + timedelta(hours=2), now)} for rid, _, end in plans]
        )
        # Review: most confirmed (flagged ones with a reason code), the latest two left pending, one rejected.
        reviewer = staff[district]
        for k, (rid, kind, _) in enumerate(plans):
            if k >= len(plans) - 2 and username != "planner5":
                continue
            if k == 1 and n % 3 == 2:
                await review_visit(
                    db, settings, reviewer, rid, "rejected", reason="照片与地点不符，请补充说明"
                )
                continue
            code = None if kind == "ok" and k % 4 != 3 else "verified_by_phone"
            await review_visit(db, settings, reviewer, rid, "confirmed", reason_code=code)
    async with db.read() as conn:
        opinions = (
            await conn.execute(sa.text("SELECT id, district_id FROM opinions ORDER BY issued_at"))
        ).all()
    by_district = {d: s for d, s in ((districts[k], v) for k, v in staff.items())}
    for i, (oid, district_id) in enumerate(opinions):
        if i % 3 != 2:
            await record_followup(
                db,
                by_district[district_id],
                oid,
                {
                    "adoption": ("adopted", "partly", "not_adopted")[i % 3 if i % 5 else 1],
                    "quality": (4, 5, 3, 5, 4)[i % 5],
                },
            )
    # Activities in 示范区: planner3 misses three in a row without excuse (CQ-11).
    demo = districts["示范区"]
    invited = [ids[p] for p, _, d in PLANNERS if d == "示范区"]
    for k in range(4):
        day = year_start + timedelta(days=int(elapsed * (k + 1) / 6))
        act = await create_activity(
            db,
            staff["示范区"],
            {
                "district_id": demo,
                "topic": ("控规修编技术咨询会", "城市更新项目评审会", "滨江片区方案论证会", "年度工作交流会")[
                    k
                ],
                "place": "区规划分局三楼会议室",
                "starts_at": datetime(day.year, day.month, day.day, 9, 30, tzinfo=tz).isoformat(),
                "planner_ids": invited,
            },
        )
        for pid in invited:
            status, reason = "attended", None
            if pid == ids["planner3"] and k >= 1:
                status = "unexcused"
            elif pid == ids["planner2"] and k == 2:
                status, reason = "excused", "外地出差"
            await record_attendance(
                db, staff["示范区"], act["id"], {"planner_id": pid, "status": status, "reason": reason}
            )
    # An upcoming activity planner1 has yet to answer (pulled as an invitation).
    soon = now + timedelta(days=5)
    await create_activity(
        db,
        staff["示范区"],
        {
            "district_id": demo,
            "topic": "老城更新论证会",
            "place": "示范区政务中心",
            "starts_at": soon.replace(hour=10, minute=0, second=0).isoformat(),
            "planner_ids": invited,
        },
    )
    # planner7 asks to leave in ten days (PDS-11 wants 15 working days): the seat is a replacement request.
    await leave_early(
        db,
        settings,
        await user("coord1"),
        dispatched["planner7"],
        {
            "filed_on": today.isoformat(),
            "leave_on": (today + timedelta(days=10)).isoformat(),
            "reason": "工作调动",
        },
    )
    return True


async def _received(db: Database, rows: list[dict[str, Any]]) -> None:
    """Old demo visits were synced the day they were made (else every one would be flagged late_sync)."""
    if not rows:
        return
    async with db.write() as conn:
        await conn.execute(
            _visits.update()
            .where(_visits.c.id == sa.bindparam("b_id"))
            .values(received_at=sa.bindparam("received_at")),
            rows,
        )


BUREAU_MEETING = "全市规划师年度工作交流会"


def _png(shade: int) -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (48, 64), (shade, 200, 120)).save(buf, format="PNG")
    body = buf.getvalue()
    return hashlib.sha256(body).hexdigest(), body


async def seed_demo_lifecycle(settings: Settings) -> bool:
    """Seed the parts around the demo year (see the module doc); False when they exist already."""
    db = Database(settings.database_url)
    try:
        return await _lifecycle(db, settings)
    finally:
        await db.dispose()


async def _lifecycle(db: Database, settings: Settings) -> bool:
    activities = table_of(Activity)
    async with db.read() as conn:
        if (
            await conn.execute(sa.select(activities.c.id).where(activities.c.topic == BUREAU_MEETING))
        ).first():
            return False
        ids = {r.username: r.id for r in await conn.execute(sa.select(_users.c.username, _users.c.id))}
        districts = {r.name: r.id for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))}
    if "planner2" not in ids or "coord1" not in ids:
        return False

    async def user(name: str) -> Any:
        async with db.read() as conn:
            u = await load_user(conn, ids[name])
        assert u is not None
        return u

    profile = settings.profile
    coord, staff1 = await user("coord1"), await user("staff1")
    planner1, planner2 = await user("planner1"), await user("planner2")
    tz = ZoneInfo(settings.tz)
    now = datetime.now(tz).replace(microsecond=0)
    today = now.date()
    # CQ-11: the bureau's own meeting; every planner came.
    planner_ids = [ids[p] for p, _, _ in PLANNERS]
    held = now - timedelta(days=min(20, max(1, (today - date(today.year, 1, 1)).days)))
    meeting = await create_activity(
        db,
        coord,
        {
            "topic": BUREAU_MEETING,
            "place": "市局二楼会议室",
            "starts_at": held.replace(hour=14, minute=30, second=0).isoformat(),
            "planner_ids": planner_ids,
        },
    )
    for pid in planner_ids:
        await record_attendance(db, coord, meeting["id"], {"planner_id": pid, "status": "attended"})
    # PDS-2c: planner1 forwarded the year's feedback analysis to the bureau (not yet to the district).
    await forward_feedback(
        db,
        settings,
        planner1,
        today.year,
        planner1.id,
        {"recipient": "bureau", "forwarded_on": today.isoformat()},
    )
    if profile.allowance_cny_per_year is not None and profile.term_years is not None:
        period = await allowance.create_period(
            db,
            profile,
            coord,
            {
                "name": f"{today.year}年度",
                "starts_on": date(today.year, 1, 1).isoformat(),
                "ends_on": date(today.year, 12, 31).isoformat(),
            },
        )
        await allowance.update_line(db, profile, coord, period["id"], planner1.id, {"paid": True})
    if profile.district_assessment_criteria:
        words = {
            "service_attitude": "服务积极主动，随叫随到。",
            "professional_ability": "熟悉控规与城市更新政策，意见具体可操作。",
            "district_feedback": "街道和社区反映良好。",
        }
        await record_assessment(
            db,
            profile,
            staff1,
            today.year,
            planner1.id,
            {
                "district_id": districts["示范区"],
                "criteria": {c: words.get(c, "良好") for c in profile.district_assessment_criteria},
                "grade": profile.grades[1],
            },
        )
    if profile.travel_claims:
        receipts = []
        for shade, who in ((60, planner1), (90, planner2)):
            sha, body = _png(shade)
            await put_attachment(db, settings, who, sha, body)
            receipts.append(sha)
        trip = {"district_id": districts["示范区"], "trip_on": (today - timedelta(days=3)).isoformat()}
        await claims.file_claim(
            db,
            settings,
            planner1,
            {
                **trip,
                "trip": "往返示范区老旧小区改造点现场指导",
                "amount": "86.50",
                "receipt_sha256": receipts[0],
            },
        )
        approved = await claims.file_claim(
            db,
            settings,
            planner2,
            {**trip, "trip": "参加滨江片区方案论证会", "amount": "120", "receipt_sha256": receipts[1]},
        )
        await claims.decide_claim(db, settings, staff1, approved["id"], claims.APPROVED, {})
    if profile.work_funds:
        await funds.set_funds(
            db,
            settings,
            coord,
            today.year,
            {
                "funds": {
                    str(planner1.id): {"amount": "20000", "note": "按年度工作情况核定"},
                    str(planner2.id): {"amount": "15000.00"},
                }
            },
        )
    months = settings.period_months
    this_period = (today.month - 1) // months + 1
    if this_period > 1:
        await record_submission(
            db,
            settings,
            staff1,
            today.year,
            this_period - 1,
            districts["示范区"],
            {"submitted_on": today.isoformat(), "note": "按期报送"},
        )
    return True


#: username -> (specialties, title, years in the field) of the demo planners as pool members.
MEMBERS = {
    "planner1": (("urban_renewal", "spatial_planning"), "senior", 18),
    "planner2": (("spatial_planning", "land_use_control"), "associate_senior", 12),
    "planner3": (("architecture", "urban_design"), "associate_senior", 9),
    "planner4": (("landscape", "urban_renewal"), "associate_senior", 11),
    "planner5": (("municipal_transport",), "associate_senior", 15),
    "planner6": (("urban_renewal", "architecture"), "senior", 22),
    "planner7": (("spatial_planning", "farmland_protection"), "associate_senior", 14),
    "planner8": (("land_use_control", "farmland_protection"), "associate_senior", 10),
    "planner9": (("landscape",), "associate_senior", 8),
    "planner10": (("urban_design", "architecture"), "associate_senior", 7),
}
#: Members and candidates who are not planners yet: (name, specialties, title, registered, years).
NEWCOMERS = (
    ("黄景明", ("landscape", "urban_renewal"), "associate_senior", True, 13),
    ("林书涵", ("farmland_protection", "land_use_control"), "senior", True, 20),
    ("马志远", ("municipal_transport", "spatial_planning"), "associate_senior", True, 9),
    ("高雨桐", ("urban_design",), "intermediate", False, 6),
    ("曹文轩", ("spatial_planning",), "senior", False, 25),
)


def _candidate(
    name: str, specialties: tuple[str, ...], title: str, registered: bool, years: int, applied: date
) -> dict[str, Any]:
    return {
        "name": name,
        "applied_on": applied.isoformat(),
        "organisation": "市规划设计研究院",
        "degree": "master",
        "degree_field": "urban_rural_planning",
        "title": title,
        "registered_planner": registered,
        "years_in_field": years,
        "specialties": list(specialties),
        "local_familiarity": "长期参与本市国土空间规划编制与实施",
    }


async def _admit(
    db: Database, settings: Settings, coord: Any, cid: int, reviewed: date, notice: date
) -> None:
    """Review (approved) and, where the profile has one, the public notice (PDS-4)."""
    await review_candidate(
        db, settings, coord, cid, {"outcome": "approved", "reviewed_on": reviewed.isoformat()}
    )
    if settings.profile.pool_notice_working_days:
        await publish_notice(db, settings, coord, cid, {"starts_on": notice.isoformat()})


async def _dispatch(
    db: Database, settings: Settings, coord: Any, request_id: int, cid: int, start: date
) -> int:
    """Pick ``cid`` for the request so that service starts on ``start`` (CQ-3: with its five steps)."""
    from server.appraisal.alerts import term_last_day

    if not settings.profile.appointment_steps:
        d = await pick(db, settings, coord, request_id, {"candidate_id": cid, "starts_on": start.isoformat()})
        return int(d["id"])
    d = await pick(db, settings, coord, request_id, {"candidate_id": cid})
    steps = settings.profile.appointment_steps
    for k, step in enumerate(steps):
        body: dict[str, Any] = {
            "step": step,
            "done_on": (start - timedelta(days=len(steps) - 1 - k)).isoformat(),
        }
        if step == steps[-1]:
            body.update(
                term_ends_on=term_last_day(start, 1).isoformat(), certificate_no=f"聘〔{start.year}〕{cid}号"
            )
        await record_step(db, settings, coord, d["id"], body)
    return int(d["id"])


async def seed_demo_pool(db: Database, settings: Settings) -> dict[str, int]:
    """The pool behind the demo planners (see the module docstring); planner username -> dispatch id.

    Skipped, answering the existing dispatches, when the pool has a candidate already.
    """
    from server.core.models import pool_candidates

    async with db.read() as conn:
        names = {r.username: r.id for r in await conn.execute(sa.select(_users.c.username, _users.c.id))}
        districts = {r.name: r.id for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))}
        seeded = (await conn.execute(sa.select(pool_candidates.c.id).limit(1))).first() is not None
        coord = await load_user(conn, names["coord1"])
        found = {d: await load_user(conn, names[s]) for s, _, d in STAFF}
    assert coord is not None
    staff = {d: u for d, u in found.items() if u is not None}
    if seeded:
        mine = await list_dispatches(db, settings, coord, "serving")
        by_planner = {v: k for k, v in names.items()}
        return {
            by_planner[d["planner_id"]]: d["id"] for d in mine["dispatches"] if d["planner_id"] in by_planner
        }
    tz = ZoneInfo(settings.tz)
    today = datetime.now(tz).date()
    year_start = date(today.year, 1, 1)
    starts = {u: today - timedelta(days=345) if u == "planner6" else year_start for u, _, _ in PLANNERS}
    first = min(starts.values())
    # The planners went through the pool before their terms started.
    members: dict[str, int] = {}
    for username, display, _ in PLANNERS:
        specialties, title, years = MEMBERS[username]
        body = _candidate(display, specialties, title, True, years, first - timedelta(days=60))
        cid = (await add_candidate(db, settings, coord, {**body, "user_id": names[username]}))["id"]
        await _admit(db, settings, coord, cid, first - timedelta(days=45), first - timedelta(days=40))
        members[username] = cid
    requests: dict[str, int] = {}
    for district, (lat, lon) in DISTRICTS.items():
        theirs = [u for u, _, d in PLANNERS if d == district]
        wanted = sorted({s for u in theirs for s in MEMBERS[u][0]})[:3]
        r = await file_request(
            db,
            settings,
            staff[district],
            {
                "district_id": districts[district],
                "specialties": wanted,
                "planners_needed": len(theirs),
                "service_focus": "国土空间规划实施、城市更新项目技术把关和群众意见收集",
                "responsibility_area": {"center": [lat, lon], "radius_m": 3000},
                "filed_on": (first - timedelta(days=20)).isoformat(),
            },
        )
        requests[district] = r["id"]
    dispatched = {
        u: await _dispatch(db, settings, coord, requests[d], members[u], starts[u]) for u, _, d in PLANNERS
    }
    # Members waiting to be picked, and candidates on their way in.
    newcomers: list[int] = []
    for name, specialties, title, registered, years in NEWCOMERS:
        body = _candidate(name, specialties, title, registered, years, today - timedelta(days=20))
        newcomers.append((await add_candidate(db, settings, coord, body))["id"])
    await _admit(db, settings, coord, newcomers[0], today - timedelta(days=15), today - timedelta(days=14))
    await _admit(db, settings, coord, newcomers[1], today - timedelta(days=15), today - timedelta(days=14))
    if settings.profile.pool_notice_working_days:
        # In public notice now, one with an objection being checked (PDS-4).
        await _admit(db, settings, coord, newcomers[2], today - timedelta(days=1), today)
        await add_objection(
            db,
            settings,
            coord,
            newcomers[2],
            {"filed_on": today.isoformat(), "content": "反映其参与项目存在质量问题", "source": "来信"},
        )
    elif settings.profile.eligibility.exception_by_person:
        # CQ-2: not registered, admitted on the exception a person granted.
        await grant_exception(
            db,
            settings,
            coord,
            newcomers[4],
            {"reason": "主持完成多项市级国土空间规划，在行业内有较高影响力"},
        )
        await _admit(db, settings, coord, newcomers[4], today - timedelta(days=2), today)
    # Open requests: one the pool can fill, one it cannot (farmland protection is short), and, in
    # chongqing, one whose appointment is under way (CQ-3).
    await file_request(
        db,
        settings,
        staff["江北区"],
        {
            "district_id": districts["江北区"],
            "specialties": ["landscape", "urban_renewal"],
            "planners_needed": 1,
            "service_focus": "滨江公园和老旧小区改造方案把关",
            "filed_on": (today - timedelta(days=3)).isoformat(),
        },
    )
    short = await file_request(
        db,
        settings,
        staff["南岸区"],
        {
            "district_id": districts["南岸区"],
            "specialties": ["farmland_protection"],
            "planners_needed": 2,
            "service_focus": "耕地保护和用途管制",
            "filed_on": (today - timedelta(days=2)).isoformat(),
        },
    )
    if settings.profile.appointment_steps:
        d = await pick(db, settings, coord, short["id"], {"candidate_id": newcomers[1]})
        for step in settings.profile.appointment_steps[:2]:
            await record_step(db, settings, coord, d["id"], {"step": step, "done_on": today.isoformat()})
    return dispatched
