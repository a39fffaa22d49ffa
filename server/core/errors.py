"""JSON errors that name the field: `ApiError` for our own, and one handler that shapes every HTTP error."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException


class ApiError(HTTPException):
    """An HTTP error about one field; the message starts with the field's name."""

    def __init__(
        self, status_code: int, field: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            status_code=status_code, detail=f"{field}: {message}", extra={"field": field}, headers=headers
        )
        self.field = field


def bad_request(field: str, message: str) -> ApiError:
    return ApiError(400, field, message)


def not_found(field: str, message: str = "not found") -> ApiError:
    return ApiError(404, field, message)


def forbidden(field: str, message: str) -> ApiError:
    return ApiError(403, field, message)


def http_error_handler(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Every error as ``{status_code, detail, field}``; Litestar's validation errors get their field too."""
    detail = exc.detail
    field = getattr(exc, "field", None)
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        first = exc.extra[0]
        if isinstance(first, dict) and first.get("key"):
            field = str(first["key"])
            message = first.get("message", "is invalid")
            if first.get("source") == "body":
                # Litestar names the handler's parameter; the client knows only the body it sent.
                if message == f"'{field}'":  # Litestar's word for "there was no body"
                    message = "is required (a JSON object)"
                field = "body"
            detail = f"{field}: {message}"
    if not field and exc.status_code in (400, 413, 415, 422):
        field = "body"
        detail = f"body: {detail}"
    elif not field and exc.status_code in (401, 404, 405):
        field = {401: "authorization", 404: "path", 405: "method"}[exc.status_code]
        detail = f"{field}: {detail}"
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": detail}
    if field:
        body["field"] = field
    return Response(body, status_code=exc.status_code, headers=exc.headers)
