"""Server settings, read once from ``FIELDLOG_*`` environment variables into a frozen dataclass."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

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
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    try:
        # Two processes starting at once must end up with the same key: the first link wins.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not self.database_url:
            url = f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'fieldlog.sqlite3'}"
            object.__setattr__(self, "database_url", url)
        if self.profile_name not in PROFILE_NAMES:
            raise ValueError(f"FIELDLOG_PROFILE: unknown profile {self.profile_name!r}")
        ZoneInfo(self.tz)  # fails early on a misspelt zone
        for name in (
            "signin_max_failures",
            "signin_max_failures_per_address",
            "signin_pause_minutes",
            "review_undo_minutes",
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

    def signing_key(self) -> str:
        return self.secret_key or _secret_from_file(self.data_dir)


#: The server's own plain tiles (`server.maps`), relative to its address: the basemap when none is set.
BUILTIN_TILE_URL = "/map/tiles/{z}/{x}/{y}.png"


def map_settings() -> tuple[str, str]:
    """FIELDLOG_MAP_TILE_URL (an XYZ template; unset: the server's plain tiles, `BUILTIN_TILE_URL`) and
    FIELDLOG_MAP_CRS (``wgs84`` or ``gcj02``)."""
    url = os.environ.get("FIELDLOG_MAP_TILE_URL") or BUILTIN_TILE_URL
    crs = (os.environ.get("FIELDLOG_MAP_CRS") or "wgs84").lower()
    return url, crs if crs in ("wgs84", "gcj02") else "wgs84"
