"""Server settings, read once from ``FIELDLOG_*`` environment variables into a frozen dataclass."""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from shared.profiles import DEFAULT_PROFILE, PROFILE_NAMES, Profile, load_profile
from shared.rules import DEFAULT_TZ

#: Report periods that divide a year into whole months.
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)


def _secret_from_file(data_dir: Path) -> str:
    """A key made once per deployment and kept beside the data, so tokens survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    # A file of this process's own, complete and synced before it gets the key's name: a process that
    # reads the key never sees a half-written one.
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret_key-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
        # Workers (or hosts sharing the directory) starting at once end up with one key: the first link
        # wins and every process reads the winner's.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()


#: The async drivers the server ships, by database; a plain ``postgresql://`` or ``sqlite://`` URL gets these.
ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}
_URL_FORMS = "postgresql://user:password@host:5432/dbname or sqlite:///path/to/fieldlog.sqlite3"


def async_database_url(raw: str) -> str:
    """``raw`` as the URL the server connects with: the shipped async driver put in, libpq's ``sslmode``
    spelt as asyncpg's ``ssl``. Raises ValueError naming FIELDLOG_DATABASE_URL for anything else."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(f"FIELDLOG_DATABASE_URL: is not a database URL; write {_URL_FORMS}") from None
    backend, _, driver = url.drivername.partition("+")
    backend = "postgresql" if backend == "postgres" else backend
    if backend not in ASYNC_DRIVERS:
        raise ValueError(
            f"FIELDLOG_DATABASE_URL: fieldlog keeps its data in PostgreSQL or SQLite, not {backend!r};"
            f" write {_URL_FORMS}"
        )
    shipped = ASYNC_DRIVERS[backend]
    if driver and driver != shipped:
        raise ValueError(
            f"FIELDLOG_DATABASE_URL: the driver {driver!r} is not installed, fieldlog uses {shipped};"
            f" write the URL without it ({backend}://...)"
        )
    url = url.set(drivername=f"{backend}+{shipped}")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError(
            "FIELDLOG_DATABASE_URL: an in-memory SQLite database is lost when the server stops;"
            " name a file: sqlite:///path/to/fieldlog.sqlite3"
        )
    if backend == "postgresql" and "sslmode" in url.query:
        query = dict(url.query)
        query["ssl"] = query.pop("sslmode")
        url = url.set(query=query)
    return url.render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """A database URL fit for a message: no password, no driver name."""
    u: URL = make_url(url)
    return u.set(drivername=u.drivername.partition("+")[0]).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    """FIELDLOG_DATA_DIR: where the SQLite file, the secret key and attachments live (default ``./data``)."""

    database_url: str = ""
    """FIELDLOG_DATABASE_URL: SQLAlchemy async URL (default ``sqlite+aiosqlite:///<data_dir>/fieldlog.sqlite3``)."""

    profile_name: str = DEFAULT_PROFILE
    """FIELDLOG_PROFILE: policy profile, ``chongqing`` or ``pingdingshan``."""

    tz: str = DEFAULT_TZ
    """FIELDLOG_TZ: the deployment's time zone, which decides the year a visit belongs to (Asia/Shanghai)."""

    secret_key: str = ""
    """FIELDLOG_SECRET_KEY: signs access tokens (default: made once, kept in ``<data_dir>/secret_key``)."""

    token_ttl_hours: int = 720
    """FIELDLOG_TOKEN_TTL_HOURS: access token lifetime; long because planners sync rarely (720 = 30 days)."""

    max_upload_bytes: int = 15 * 1024 * 1024
    """FIELDLOG_MAX_UPLOAD_BYTES: largest accepted photo upload (15 MiB)."""

    max_image_pixels: int = 50_000_000
    """FIELDLOG_MAX_IMAGE_PIXELS: largest accepted photo in pixels, more is a decompression bomb (50 MP)."""

    signin_max_failures: int = 5
    """FIELDLOG_SIGNIN_MAX_FAILURES: failed sign-ins for one username from one address before sign-in
    pauses for that pair (5)."""

    signin_max_failures_per_address: int = 50
    """FIELDLOG_SIGNIN_MAX_FAILURES_PER_ADDRESS: failed sign-ins from one address, any usernames, before
    sign-in pauses for that address (50: an office behind one address has many people)."""

    signin_pause_minutes: int = 15
    """FIELDLOG_SIGNIN_PAUSE_MINUTES: the window those failures are counted over, and so the pause (15)."""

    report_period_months: int = 3
    """FIELDLOG_REPORT_PERIOD_MONTHS: months in a periodic consultation-service report when the profile sets
    none (Chongqing's CQ-8 sets 3, which wins); one of 1, 2, 3, 4, 6, 12 (3)."""

    pool_idle_days: int | None = None
    """FIELDLOG_POOL_IDLE_DAYS: days without service after which a pool member is listed as long inactive
    (PDS-5); the policies set no period, so there is no default and the list asks for one."""

    review_undo_minutes: int = 10
    """FIELDLOG_REVIEW_UNDO_MINUTES: how long staff may undo their own confirm or reject (10)."""

    db_pool_size: int = 10
    """FIELDLOG_DB_POOL_SIZE: connections each worker keeps open to PostgreSQL (10); requests beyond them
    wait for one. Workers (on every host) × this must stay below the server's ``max_connections``."""

    redis_url: str = ""
    """FIELDLOG_REDIS_URL: keep the sign-in counts in this Redis (``redis://host:6379/0``) instead of the
    database; either way every worker and host sees the same counts."""

    database_setting: str = field(init=False, default="FIELDLOG_DATABASE_URL", compare=False)
    """The variable that decided where the database is, for messages about it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not self.database_url:
            object.__setattr__(self, "database_setting", "FIELDLOG_DATA_DIR")
            object.__setattr__(self, "database_url", self.default_database_url)
        else:
            object.__setattr__(self, "database_url", async_database_url(self.database_url))
        if self.profile_name not in PROFILE_NAMES:
            names = ", ".join(PROFILE_NAMES)
            raise ValueError(f"FIELDLOG_PROFILE: unknown profile {self.profile_name!r}; use one of {names}")
        try:
            ZoneInfo(self.tz)  # fails early on a misspelt zone
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"FIELDLOG_TZ: no time zone is called {self.tz!r}; use a name such as {DEFAULT_TZ}"
            ) from None
        for name in (
            "token_ttl_hours",
            "max_upload_bytes",
            "max_image_pixels",
            "signin_max_failures",
            "signin_max_failures_per_address",
            "signin_pause_minutes",
            "review_undo_minutes",
            "db_pool_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"FIELDLOG_{name.upper()}: must be at least 1")
        if self.report_period_months not in PERIOD_MONTHS:
            choices = ", ".join(map(str, PERIOD_MONTHS))
            raise ValueError(
                f"FIELDLOG_REPORT_PERIOD_MONTHS: must be one of {choices} (months that divide a year)"
            )
        if self.pool_idle_days is not None and self.pool_idle_days < 1:
            raise ValueError("FIELDLOG_POOL_IDLE_DAYS: must be at least 1")
        if self.redis_url and make_url_scheme(self.redis_url) not in ("redis", "rediss", "unix"):
            raise ValueError(
                f"FIELDLOG_REDIS_URL: is not a Redis URL ({redacted(self.redis_url)!r});"
                " write redis://host:6379/0"
            )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        data_dir = Path(e.get("FIELDLOG_DATA_DIR") or "data")

        def num(name: str, default: int) -> int:
            raw = e.get(name)
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{name}: must be a whole number, got {raw!r}") from None

        return cls(
            data_dir=data_dir,
            database_url=e.get("FIELDLOG_DATABASE_URL", ""),
            profile_name=e.get("FIELDLOG_PROFILE") or DEFAULT_PROFILE,
            tz=e.get("FIELDLOG_TZ") or DEFAULT_TZ,
            secret_key=e.get("FIELDLOG_SECRET_KEY", ""),
            token_ttl_hours=num("FIELDLOG_TOKEN_TTL_HOURS", 720),
            max_upload_bytes=num("FIELDLOG_MAX_UPLOAD_BYTES", 15 * 1024 * 1024),
            max_image_pixels=num("FIELDLOG_MAX_IMAGE_PIXELS", 50_000_000),
            signin_max_failures=num("FIELDLOG_SIGNIN_MAX_FAILURES", 5),
            signin_max_failures_per_address=num("FIELDLOG_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50),
            signin_pause_minutes=num("FIELDLOG_SIGNIN_PAUSE_MINUTES", 15),
            report_period_months=num("FIELDLOG_REPORT_PERIOD_MONTHS", 3),
            pool_idle_days=num("FIELDLOG_POOL_IDLE_DAYS", 0) if e.get("FIELDLOG_POOL_IDLE_DAYS") else None,
            review_undo_minutes=num("FIELDLOG_REVIEW_UNDO_MINUTES", 10),
            db_pool_size=num("FIELDLOG_DB_POOL_SIZE", 10),
            redis_url=e.get("FIELDLOG_REDIS_URL", "").strip(),
        )

    @property
    def profile(self) -> Profile:
        return load_profile(self.profile_name)

    @property
    def period_months(self) -> int:
        """Months in one periodic report: the profile's ``report_period_months`` (CQ-8), else the setting."""
        return self.profile.report_period_months or self.report_period_months

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def default_database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'fieldlog.sqlite3'}"

    def signing_key(self) -> str:
        return self.secret_key or _secret_from_file(self.data_dir)


def make_url_scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def redacted(url: str) -> str:
    """A URL with its password, if any, replaced by ``***`` (for messages)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in creds else ''}@{host}"


#: The server's own plain tiles (`server.maps`), relative to its address: the basemap when none is set.
BUILTIN_TILE_URL = "/map/tiles/{z}/{x}/{y}.png"


def map_settings() -> tuple[str, str]:
    """FIELDLOG_MAP_TILE_URL (an XYZ template; unset: the server's plain tiles, `BUILTIN_TILE_URL`) and
    FIELDLOG_MAP_CRS (``wgs84`` or ``gcj02``)."""
    url = os.environ.get("FIELDLOG_MAP_TILE_URL") or BUILTIN_TILE_URL
    crs = (os.environ.get("FIELDLOG_MAP_CRS") or "wgs84").lower()
    return url, crs if crs in ("wgs84", "gcj02") else "wgs84"
