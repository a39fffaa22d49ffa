"""The Litestar app: `create_app(settings)` wires the database, JWT auth and one controller per domain."""

from __future__ import annotations

import gc
from typing import Any

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from server.activities.api import ActivityController
from server.admin.api import AdminController
from server.appraisal.api import AppraisalController, DashboardController, SummaryController
from server.auditlog.api import AuditController
from server.core.auth import make_jwt_auth
from server.core.compression import RESPONSES, InflateRequestBody
from server.core.db import Database
from server.core.errors import http_error_handler
from server.core.migrate import check_migrated
from server.core.settings import Settings
from server.core.throttle import SignInThrottle, counts_for
from server.feedback.api import FeedbackAnalysisController
from server.maps.api import TileController
from server.money.api import AllowanceController, ClaimController, WorkFundsController
from server.opinions.api import FollowUpController
from server.people.api import AuthController, DistrictController, PlannerController
from server.reports.api import ReportController
from server.review.api import ReviewController, VisitController
from server.sites.api import SiteController
from server.sync import totals
from server.sync.api import AttachmentController, SyncController
from server.term.api import DispatchController, DispatchRequestController, PoolController, TermController
from shared.protocol import PROTOCOL_VERSION

# A push of MAX_OPS_PER_PUSH long records is the largest JSON body we expect.
MAX_JSON_BODY = 64 * 1024 * 1024


@get("/health", summary="Liveness and database check", tags=["health"])
async def health() -> dict[str, Any]:
    return {"status": "ok", "protocol": PROTOCOL_VERSION}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app; the database must already be migrated (checked at startup)."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pool = {} if settings.is_sqlite else {"pool_size": settings.db_pool_size}
    db = Database(settings.database_url, **pool)
    jwt_auth = make_jwt_auth(settings.signing_key(), settings.token_ttl_hours)
    # Kept outside the process (the database, or Redis): every worker counts the same failures.
    sign_in = SignInThrottle(
        settings.signin_max_failures,
        settings.signin_max_failures_per_address,
        settings.signin_pause_minutes * 60,
        counts=counts_for(db, settings.redis_url),
    )

    async def on_startup(app: Litestar) -> None:
        await check_migrated(db)
        await totals.ensure(db, settings.tz)
        # Everything alive now lives as long as the process: keep it out of the cyclic GC's full passes,
        # which otherwise walk the whole app on every large push.
        gc.collect()
        gc.freeze()

    async def on_shutdown(app: Litestar) -> None:
        await app.state.sign_in.close()
        await db.dispose()

    return Litestar(
        route_handlers=[
            health,
            AuthController,
            DistrictController,
            SyncController,
            AttachmentController,
            VisitController,
            SummaryController,
            ReviewController,
            ActivityController,
            FollowUpController,
            PlannerController,
            DashboardController,
            AppraisalController,
            ReportController,
            AuditController,
            AdminController,
            AllowanceController,
            ClaimController,
            WorkFundsController,
            FeedbackAnalysisController,
            PoolController,
            DispatchRequestController,
            DispatchController,
            TermController,
            SiteController,
            TileController,
        ],
        on_app_init=[jwt_auth.on_app_init],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        exception_handlers={HTTPException: http_error_handler},
        request_max_body_size=max(MAX_JSON_BODY, settings.max_upload_bytes),
        middleware=[InflateRequestBody(max_size=max(MAX_JSON_BODY, settings.max_upload_bytes))],
        compression_config=RESPONSES,
        openapi_config=OpenAPIConfig(
            title="fieldlog",
            version="0.1.0",
            description="Sync, review and summaries for planners' field records.",
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        state=State(
            {
                "db": db,
                "settings": settings,
                "jwt_auth": jwt_auth,
                "sign_in": sign_in,
            }
        ),
    )
