"""What every API handler shares: the resolver with JSON error handlers, the caller's identity, page params."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from functions.api.request_body import BodyProblem, checked_event
from voiceclone.config import get_settings
from voiceclone.domain.errors import DomainError, Unauthorized
from voiceclone.observability import API_REQUEST_ID, Component, Service
from voiceclone.principal import InsufficientScope, Principal, check_access, principal_from_claims, refusal_of
from voiceclone.services.views.base import ErrorBody

API = Component(Service.API)
logger = API.logger
observed_handler = API.handler(API_REQUEST_ID)  # every API module's lambda_handler wears it


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": code, "message": message}}),
        headers=headers,
    )


def _validation_message(errors: list[dict[str, Any]]) -> str:
    """'body.text: String should have at least 1 character; query.limit: ...'"""
    parts = []
    for error in errors[:10]:
        location = ".".join(
            str(part) for part in error.get("loc", ()) if part != "body" or len(error["loc"]) == 1
        )
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "request is not valid"


class ApiResolver(APIGatewayHttpResolver):
    """The HTTP API resolver that checks the raw body (size, media type, UTF-8, JSON) before routing,
    and answers HEAD like GET without a body (API Gateway passes HEAD on to `ANY` routes)."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        if (refusal := _access_refusal(event)) is not None:
            return {**refusal, "body": ""} if _method(event) == "HEAD" else refusal
        try:
            event = checked_event(event)
        except BodyProblem as problem:
            return _raw_error(problem.status_code, problem.code, problem.message)
        if _method(event) != "HEAD":
            return super().resolve(event, context)
        answer = super().resolve(_as_get(event), context)
        return {**answer, "body": "", "isBase64Encoded": False}


def _access_refusal(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """401 when the authorizer refused the credentials (it lets the request through so that the answer
    has our error body); 403 `insufficient_scope` when an API key lacks the route family's scope."""
    context = _authorizer(event).get("lambda") or {}
    if (refusal := refusal_of(context)) is not None:
        code, message = refusal
        answer = _raw_error(401, code, message)
        answer["headers"]["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{message}"'
        return answer
    principal = principal_of(event)
    if principal is None:
        return None  # no identity: the route's current_user_id answers 401
    try:
        check_access(principal, _method(event), str(event.get("rawPath") or ""))
    except InsufficientScope as refused:
        return _raw_error(refused.status_code, refused.code, refused.message)
    return None


def _method(event: Mapping[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("http", {}).get("method", "")).upper()


def _as_get(event: Mapping[str, Any]) -> dict[str, Any]:
    context = dict(event.get("requestContext", {}))
    context["http"] = {**context.get("http", {}), "method": "GET"}
    return {**event, "requestContext": context}


def _raw_error(status_code: int, code: str, message: str) -> dict[str, Any]:
    """An error in the API Gateway v2 proxy format, for answers given before the resolver runs."""
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": code, "message": message}}),
        "isBase64Encoded": False,
    }


def make_app(router: Router) -> APIGatewayHttpResolver:
    """A resolver with validation on, the area's routes, and every error answered as JSON."""
    app = ApiResolver(enable_validation=True)
    app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return error_response(exc.status_code, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        return error_response(422, "validation_error", _validation_message(list(exc.errors())))

    @app.not_found
    def _no_route(exc: NotFoundError) -> Response:
        event = app.current_event
        return error_response(404, "route_not_found", f"no route for {event.http_method} {event.path}")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(
            500, "internal_error", "something went wrong on our side; the request may be retried"
        )

    return app


ERROR_DESCRIPTIONS = {
    400: "the body is not valid JSON (or not UTF-8, or nested too deep)",
    401: "no token or API key, or it is not valid (expired, revoked)",
    403: "a plan limit, the admin group or the API key's scopes forbid it",
    404: "no such object among yours (another user's object is a 404 too)",
    409: "the object's state does not allow it now",
    410: "the result has expired or was deleted",
    413: "the body (or the declared upload) is too large",
    415: "the body is not application/json",
    422: "a field, parameter or sample is not valid; the message names each",
    429: "a quota (monthly characters, concurrent jobs) or the request rate is used up for now",
}
BODY_ERRORS = (400, 413, 415, 422)


def errors(*statuses: int, body: bool = False) -> dict[int, OpenAPIResponse]:
    """OpenAPI `responses` for the errors a route can answer: 401, 403 (a key's scopes) and 429 always,
    400/413/415/422 with a body."""
    wanted = sorted({401, 403, 429, *statuses, *(BODY_ERRORS if body else ())})
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in wanted
    }


def success(status: int, description: str, model: type[BaseModel]) -> dict[int, OpenAPIResponse]:
    """The OpenAPI entry of a success answered as a (body, status) tuple, which Powertools does not infer."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


def principal_of(event: Mapping[str, Any]) -> Principal | None:
    """The caller an authorizer verified: the Lambda authorizer's context (AWS and the local gateway),
    or the JWT authorizer's claims; None when the event carries neither."""
    authorizer = _authorizer(event)
    context = authorizer.get("lambda")
    if context:
        try:
            return Principal.from_context(context)
        except ValueError:
            return None
    claims = (authorizer.get("jwt") or {}).get("claims") or {}
    return principal_from_claims(claims) if claims.get("sub") else None


def _authorizer(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return (event.get("requestContext") or {}).get("authorizer") or {}


def current_principal(router: Router) -> Principal:
    principal = principal_of(router.current_event.raw_event)
    if principal is None:
        raise Unauthorized("no verified identity on the request (no authorizer context or JWT claims)")
    return principal


def current_user_id(router: Router) -> str:
    """The caller's id: the JWT's `sub`, or the owner of the API key."""
    return current_principal(router).user_id


def is_admin(router: Router) -> bool:
    # Only a JWT carries groups: an API key never acts as an admin.
    return get_settings().admin_group in current_principal(router).groups


def header(router: Router, name: str) -> str | None:
    headers = router.current_event.headers or {}
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
