"""Database tables: people and districts, the three record kinds, sync bookkeeping, review, audit, attendance,
money (allowance, claims, work funds), the appraisal's district part, report hand-overs, dismissals,
the planner pool and dispatches.

Records keep the phone's JSON as ``data`` plus typed copies of the fields that queries filter on.
Datetimes are stored as UTC: timezone-aware on PostgreSQL, naive-UTC text on SQLite (`UTCDateTime`),
so the same range query works on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant: aware datetimes in, aware UTC datetimes out; naive datetimes are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the instant is unknown")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}  # noqa: RUF012


ROLES = ("planner", "district", "coordinator", "admin")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    #: Carried in each token; a password reset bumps it, so tokens issued before are refused.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")


class District(Base):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime]


class UserDistrict(Base):
    """Links planners *and* district staff to the districts they serve."""

    __tablename__ = "user_districts"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    district_id: Mapped[int] = mapped_column(
        sa.ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def epoch_seconds_sql(column: str) -> str:
    """SQLite: an instant column as whole Unix seconds, spelt as `server.appraisal.summary` queries it."""
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def summary_indexes(name: str, at: str, extra: tuple[str, ...], where: str) -> tuple[sa.Index, sa.Index]:
    """The partial indexes the yearly summary reads, planner first so GROUP BY planner_id streams unsorted.

    Only rows that count are in them (``where``). On PostgreSQL the time column itself, with the other
    columns the query reads, so the scan is index-only. On SQLite the time as an integer expression
    (`epoch_seconds_sql`): about half the index size and per-row cost of the 26-character UTC text.
    ``{false}`` in ``where`` is the dialect's false.
    """
    postgres = sa.Index(
        f"ix_{name}", "planner_id", at, *extra, postgresql_where=sa.text(where.format(false="false"))
    ).ddl_if(dialect="postgresql")
    sqlite = sa.Index(
        f"ix_{name}_epoch",
        "planner_id",
        sa.text(epoch_seconds_sql(at)),
        *[c for c in extra if c == "duration_s"],
        sqlite_where=sa.text(where.format(false="0")),
    ).ddl_if(dialect="sqlite")
    return postgres, sqlite


def position_indexes(table: str, *scopes: str, whole_table: bool = True) -> list[sa.Index]:
    """PostgreSQL's indexes for pulls in the order of changes, ``(txid, seq)`` (shared/protocol.py): one
    per scope column a pull filters on, and one for the whole table (the bureau's pull)."""
    indexes = [
        sa.Index(f"ix_{table}_{scope}_txid_seq", scope, "txid", "seq").ddl_if(dialect="postgresql")
        for scope in scopes
    ]
    if whole_table:
        indexes.append(sa.Index(f"ix_{table}_txid_seq", "txid", "seq").ddl_if(dialect="postgresql"))
    return indexes


class _Record:
    """Columns every record kind has: the phone's id, owner, district, version, change position, tombstone."""

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    planner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"))
    version: Mapped[int]
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    #: With ``seq``, the change's position (shared/protocol.py): the writing transaction's id on
    #: PostgreSQL, 0 on SQLite (and for changes written before positions had it).
    txid: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    deleted: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]]
    device_id: Mapped[str | None] = mapped_column(sa.String(200))
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Visit(_Record, Base):
    __tablename__ = "visits"
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[int] = mapped_column(default=0)
    review: Mapped[str] = mapped_column(sa.String(20), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    reason_code: Mapped[str | None] = mapped_column(sa.String(100))
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    clock_offset_s: Mapped[float | None]
    __table_args__ = (
        sa.Index("ix_visits_planner_seq", "planner_id", "seq"),
        sa.Index("ix_visits_district_seq", "district_id", "seq"),
        *position_indexes("visits", "planner_id", "district_id"),
        *summary_indexes(
            "visits_counted",
            "started_at",
            ("duration_s", "review", "ended_at", "deleted"),
            "review = 'confirmed' AND ended_at IS NOT NULL AND deleted = {false}",
        ),
        *summary_indexes(
            "visits_pending", "started_at", ("review", "deleted"), "review = 'pending' AND deleted = {false}"
        ),
    )


class Opinion(_Record, Base):
    __tablename__ = "opinions"
    issued_at: Mapped[datetime]
    __table_args__ = (
        sa.Index("ix_opinions_planner_seq", "planner_id", "seq"),
        sa.Index("ix_opinions_district_seq", "district_id", "seq"),
        *position_indexes("opinions", "planner_id", "district_id"),
        *summary_indexes("opinions_live", "issued_at", ("deleted",), "deleted = {false}"),
    )


class Feedback(_Record, Base):
    __tablename__ = "feedback"
    collected_at: Mapped[datetime]
    __table_args__ = (
        sa.Index("ix_feedback_planner_seq", "planner_id", "seq"),
        sa.Index("ix_feedback_district_seq", "district_id", "seq"),
        *position_indexes("feedback", "planner_id", "district_id"),
        *summary_indexes("feedback_live", "collected_at", ("deleted",), "deleted = {false}"),
    )


class AppliedOp(Base):
    """Every op_id a user's device has had applied (or stored as a conflict), so a re-send is a duplicate."""

    __tablename__ = "applied_ops"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    op_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[str] = mapped_column(sa.String(36))
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    applied_at: Mapped[datetime]


class Conflict(Base):
    """An edit that could not be applied (stale base or locked record), kept for a person to resolve."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    op_id: Mapped[str] = mapped_column(sa.String(100))
    device_id: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    base_version: Mapped[int]
    server_version: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[dict[str, Any] | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(sa.String(20))


class Attachment(Base):
    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    content_type: Mapped[str] = mapped_column(sa.String(50))
    width: Mapped[int | None]
    height: Mapped[int | None]
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    stored_at: Mapped[datetime]


class ChangeSeq(Base):
    """SQLite: one row, the server-wide change counter; writers bump it inside their (only) write
    transaction. PostgreSQL numbers changes from the ``change_numbers`` sequence instead."""

    __tablename__ = "change_seq"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger)


class SignInCount(Base):
    """The sign-in throttle's counts (`server.core.throttle.DatabaseCounts`), shared by every worker."""

    __tablename__ = "signin_counts"
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    #: JSON: the times of the failures in the window, or a pause's end.
    value: Mapped[str] = mapped_column(sa.Text)
    #: Seconds on the store's clock after which the row may be swept.
    expires_at: Mapped[float] = mapped_column(sa.Double, index=True)


#: PostgreSQL: the numbers of changes' positions (`server.core.db.take_stamps`); no writer waits on it.
CHANGE_NUMBERS = sa.Sequence("change_numbers", metadata=Base.metadata)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(50))
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    record_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class Activity(Base):
    """An activity planners are expected to attend (CQ-11 counts unexcused absences): a district's, or the
    bureau's own meeting or training (``district_id`` None)."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Attendance(Base):
    __tablename__ = "attendance"
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    planner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    response: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]


class PlannerYearTotals(Base):
    """What a planner's records in one district add up to in one local year, kept by every write
    (`server.sync.totals`)."""

    __tablename__ = "planner_year_totals"
    planner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    district_id: Mapped[int] = mapped_column(
        sa.ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    visits_confirmed: Mapped[int] = mapped_column(default=0)
    confirmed_hundredths: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    visits_pending: Mapped[int] = mapped_column(default=0)
    opinions: Mapped[int] = mapped_column(default=0)
    feedback: Mapped[int] = mapped_column(default=0)
    __table_args__ = (sa.Index("ix_planner_year_totals_year", "year", "planner_id"),)


#: The counted columns of `PlannerYearTotals`.
TOTALS_COLUMNS = ("visits_confirmed", "confirmed_hundredths", "visits_pending", "opinions", "feedback")


class TotalsState(Base):
    """One row: the time zone `PlannerYearTotals` was built for (its years are local years)."""

    __tablename__ = "totals_state"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tz: Mapped[str] = mapped_column(sa.String(64))
    built_at: Mapped[datetime]


RECORD_MODELS: dict[str, type[Visit] | type[Opinion] | type[Feedback]] = {
    "visit": Visit,
    "opinion": Opinion,
    "feedback": Feedback,
}


def table_of(model: type[Base]) -> sa.Table:
    """The Core table of a model, typed as a Table (services use Core statements for bulk work)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


# Tables written with SQLAlchemy Core (the domains read and write them as rows).

planner_profiles = sa.Table(
    "planner_profiles",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("responsibility_area", JSONType, nullable=True),
    sa.Column("term_start", sa.Date, nullable=True),
    sa.Column("specialty", sa.String(200), nullable=True),
    sa.Column("updated_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)


exit_requests = sa.Table(
    "exit_requests",
    Base.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("leave_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


opinion_followups = sa.Table(
    "opinion_followups",
    Base.metadata,
    sa.Column("opinion_id", sa.ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("adoption", sa.String(20), nullable=False),
    sa.Column("quality", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


invitations = sa.Table(
    "invitations",
    Base.metadata,
    sa.Column("activity_id", sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("txid", sa.BigInteger, nullable=False, default=0, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("responded_at", UTCDateTime(), nullable=True),
    sa.Index("ix_invitations_planner_seq", "planner_id", "seq"),
    *position_indexes("invitations", "planner_id", whole_table=False),
)


# The queue's index: a district's visits in one review state, in sequence order.
sa.Index(
    "ix_visits_district_review_seq",
    Visit.__table__.c.district_id,
    Visit.__table__.c.review,
    Visit.__table__.c.seq,
)


visit_review_flags = sa.Table(
    "visit_review_flags",
    Base.metadata,
    sa.Column("visit_id", sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("flags", JSONType, nullable=False),
    sa.Column("reason_code", sa.String(100), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("reviewed_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("reviewed_at", UTCDateTime(), nullable=False),
)


final_grades = sa.Table(
    "final_grades",
    Base.metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("grade", sa.String(20), nullable=False),
    sa.Column("set_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("set_at", UTCDateTime(), nullable=False),
)


grade_consequences = sa.Table(
    "grade_consequences",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code", sa.String(50), nullable=False),
    sa.Column("rule_id", sa.String(20), nullable=False),
    sa.Column("params", JSONType, nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


dismissals = sa.Table(
    "dismissals",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("ground", sa.String(50), nullable=False),
    sa.Column("rule_id", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


# Money (PDS-9, CQ-6). Amounts are integer fen (1 CNY = 100 fen).

allowance_periods = sa.Table(
    "allowance_periods",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    #: The yearly allowance of the profile when the period was made, in fen.
    sa.Column("yearly_fen", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


allowance_lines = sa.Table(
    "allowance_lines",
    Base.metadata,
    sa.Column("period_id", sa.ForeignKey("allowance_periods.id"), primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id"), primary_key=True),
    #: The service period settled: the term's first and last day, and the last day actually served.
    sa.Column("term_first", sa.Date, nullable=False),
    sa.Column("term_last", sa.Date, nullable=False),
    sa.Column("served_last", sa.Date, nullable=False),
    sa.Column("district_ids", JSONType, nullable=False),
    #: full_term (due by the rule) or short_term (the policy does not settle it: a person enters it).
    sa.Column("basis", sa.String(20), nullable=False),
    sa.Column("rule_fen", sa.BigInteger, nullable=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=True),
    sa.Column("amount_reason", sa.Text, nullable=True),
    sa.Column("amount_set_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("amount_set_at", UTCDateTime(), nullable=True),
    sa.Column("paid", sa.Boolean, nullable=False, default=False),
    sa.Column("paid_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("paid_at", UTCDateTime(), nullable=True),
    # One service period is settled once, whatever period lists it.
    sa.UniqueConstraint("planner_id", "term_first", name="uq_allowance_lines_planner_term"),
)


travel_claims = sa.Table(
    "travel_claims",
    Base.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("district_id", sa.ForeignKey("districts.id"), nullable=False, index=True),
    sa.Column("trip_on", sa.Date, nullable=False),
    sa.Column("trip", sa.String(500), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("receipt_sha256", sa.ForeignKey("attachments.sha256"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


work_funds = sa.Table(
    "work_funds",
    Base.metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("planner_id", sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("set_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("set_at", UTCDateTime(), nullable=False),
)


district_assessments = sa.Table(
    "district_assessments",
    Base.metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("district_id", sa.ForeignKey("districts.id"), primary_key=True),
    #: The criteria of the profile's ``district_assessment_criteria``: criterion -> the district's words.
    sa.Column("criteria", JSONType, nullable=False),
    #: The grade the district proposes (one of the profile's), or None.
    sa.Column("grade", sa.String(20), nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


feedback_forwards = sa.Table(
    "feedback_forwards",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    #: bureau or district (PDS-2c: fed back to the bureau and to the district government).
    sa.Column("recipient", sa.String(20), nullable=False),
    sa.Column("recipient_name", sa.String(200), nullable=False),
    sa.Column("forwarded_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    #: The analysis as it was forwarded (counts by category and by place).
    sa.Column("analysis", JSONType, nullable=False),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Index("ix_feedback_forwards_planner_year", "planner_id", "year"),
)


report_submissions = sa.Table(
    "report_submissions",
    Base.metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period_months", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("district_id", sa.ForeignKey("districts.id"), primary_key=True),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


report_forwards = sa.Table(
    "report_forwards",
    Base.metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period_months", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("forwarded_on", sa.Date, nullable=False),
    #: The districts whose submissions it carried.
    sa.Column("district_ids", JSONType, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


# The planner's term (server/term): the pool, district requests, dispatches, terms, contracts, steps.

pool_candidates = sa.Table(
    "pool_candidates",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(200), nullable=True),
    sa.Column("contact", sa.String(200), nullable=True),
    #: The planner account, once dispatched (or an existing planner entered into the pool).
    sa.Column("user_id", sa.ForeignKey("users.id"), nullable=True, unique=True),
    #: The day the candidate applied (the public call, PDS-4).
    sa.Column("applied_on", sa.Date, nullable=False),
    sa.Column("degree", sa.String(20), nullable=False),
    sa.Column("degree_field", sa.String(40), nullable=False),
    sa.Column("title", sa.String(20), nullable=False),
    sa.Column("registered_planner", sa.Boolean, nullable=False),
    sa.Column("practising_qualification", sa.String(200), nullable=True),
    sa.Column("years_in_field", sa.Integer, nullable=False),
    sa.Column("specialties", JSONType, nullable=False),
    sa.Column("local_familiarity", sa.Text, nullable=True),
    #: Records of violations or dishonesty: [{"on": "YYYY-MM-DD" or null, "note": ...}].
    sa.Column("violations", JSONType, nullable=False),
    #: CQ-2's exception for outstanding practice, granted by a person with a written reason.
    sa.Column("exception_reason", sa.Text, nullable=True),
    sa.Column("exception_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("exception_at", UTCDateTime(), nullable=True),
    #: The last step a person took (server.term.status computes where the candidate stands).
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("review_note", sa.Text, nullable=True),
    sa.Column("reviewed_on", sa.Date, nullable=True),
    sa.Column("reviewed_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("notice_starts_on", sa.Date, nullable=True),
    sa.Column("notice_ends_on", sa.Date, nullable=True),
    sa.Column("notice_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("removed_on", sa.Date, nullable=True),
    sa.Column("removal_reason", sa.String(40), nullable=True),
    sa.Column("removal_rule", sa.String(20), nullable=True),
    sa.Column("removal_note", sa.Text, nullable=True),
    sa.Column("removed_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)


pool_objections = sa.Table(
    "pool_objections",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "candidate_id", sa.ForeignKey("pool_candidates.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("source", sa.String(200), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("decided_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


dispatch_requests = sa.Table(
    "dispatch_requests",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("district_id", sa.ForeignKey("districts.id"), nullable=False, index=True),
    sa.Column("specialties", JSONType, nullable=False),
    sa.Column("planners_needed", sa.Integer, nullable=False),
    sa.Column("service_focus", sa.Text, nullable=False),
    sa.Column("responsibility_area", JSONType, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("filed_on", sa.Date, nullable=False),
    #: The dispatch whose early end (PDS-11) this seat replaces; no foreign key, as dispatches point here.
    sa.Column("replaces_dispatch_id", sa.Integer, nullable=True),
    sa.Column("withdrawn_on", sa.Date, nullable=True),
    sa.Column("withdraw_note", sa.Text, nullable=True),
    sa.Column("filed_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


dispatches = sa.Table(
    "dispatches",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.ForeignKey("dispatch_requests.id"), nullable=False, index=True),
    sa.Column("candidate_id", sa.ForeignKey("pool_candidates.id"), nullable=False, index=True),
    sa.Column("district_id", sa.ForeignKey("districts.id"), nullable=False, index=True),
    #: The planner account; set when service starts.
    sa.Column("planner_id", sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("responsibility_area", JSONType, nullable=True),
    #: proposed (CQ-3 steps under way), serving, ended, withdrawn.
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=True),
    #: The last day of service once decided (not renewed, dismissed, leaving early, removed).
    sa.Column("ends_on", sa.Date, nullable=True),
    sa.Column("end_reason", sa.String(40), nullable=True),
    sa.Column("end_rule", sa.String(20), nullable=True),
    sa.Column("end_note", sa.Text, nullable=True),
    #: When the service was closed: the district link and the planner's term were taken away.
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Column("closed_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("notice_no", sa.String(40), nullable=True),
    sa.Column("notice_on", sa.Date, nullable=True),
    sa.Column("created_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


dispatch_terms = sa.Table(
    "dispatch_terms",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatches.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("decision", sa.String(20), nullable=True),
    sa.Column("decision_rule", sa.String(20), nullable=True),
    sa.Column("ground", sa.String(40), nullable=True),
    sa.Column("grade", sa.String(20), nullable=True),
    sa.Column("grade_year", sa.Integer, nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("decided_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("dispatch_id", "number"),
)


dispatch_contracts = sa.Table(
    "dispatch_contracts",
    Base.metadata,
    sa.Column("term_id", sa.ForeignKey("dispatch_terms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("certificate_no", sa.String(100), nullable=True),
    sa.Column("signed_on", sa.Date, nullable=True),
    sa.Column("tasks", sa.Text, nullable=True),
    sa.Column("service_mode", sa.Text, nullable=True),
    #: In fen (0.01 CNY), so sums are exact.
    sa.Column("service_fee_fen", sa.BigInteger, nullable=True),
    sa.Column("fee_note", sa.Text, nullable=True),
    sa.Column("rights_duties", sa.Text, nullable=True),
    sa.Column("appraisal", sa.Text, nullable=True),
    sa.Column("breach", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


appointment_steps = sa.Table(
    "appointment_steps",
    Base.metadata,
    sa.Column("dispatch_id", sa.ForeignKey("dispatches.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.String(40), primary_key=True),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


class DistrictSite(Base):
    """A site or project as district staff curate it: added before anyone visited it, renamed (its earlier
    names kept as ``aliases``, so records made under them count for it), or retired from the phones' lists.

    Sites nobody curated are derived from the records themselves (`server.sites`); this table holds only
    what a person decided.
    """

    __tablename__ = "district_sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="CASCADE"))
    #: ``site`` (a place visited) or ``project`` (what opinions are written on).
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: WGS-84, as staff placed it; None: the position of the latest visit with a fix is used.
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    #: Earlier names: records made under them count for this site.
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    retired: Mapped[bool] = mapped_column(default=False)
    #: With ``txid``, the row's position in the server-wide order of changes (shared/protocol.py), so
    #: phones fetch only what changed.
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    txid: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    __table_args__ = (
        sa.UniqueConstraint("district_id", "kind", "name", name="uq_district_sites_district_id_kind_name"),
    )
