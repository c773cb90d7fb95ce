"""API docs, no auth: GET /api/openapi.json (OpenAPI 3.1 of every area) and GET /api/docs (Swagger UI)."""

from __future__ import annotations

import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools import event_handler
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from functions.api.routes import ROUTES
from voiceclone.observability import API_REQUEST_ID, Component, Service

TITLE = "voiceclone API"
VERSION = "0.1.0"
DESCRIPTION = (
    "Upload voice samples, train voices (XTTS v2) and generate speech. Every endpoint but the docs "
    "needs `Authorization: Bearer <JWT>`, or a personal API key (`POST /api/keys`) as "
    "`Authorization: Bearer vc_live_…` or `X-API-Key: vc_live_…`, limited to its scopes (tts, training, "
    'read); keys are managed with a JWT only. Errors are `{"error": {"code", "message"}}`.'
)
_SWAGGER_DIR = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"

API = Component(Service.API)
app = APIGatewayHttpResolver()


@lru_cache(maxsize=1)
def openapi_json() -> str:
    """One spec merged from every area's resolver (their routes, models and validation errors)."""
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        openapi_version="3.1.0",
        description=DESCRIPTION,
        security_schemes={
            "bearerAuth": HTTPBearer(bearerFormat="JWT or API key"),
            "apiKeyAuth": APIKey.model_validate({"in": APIKeyIn.header, "name": "X-API-Key"}),
        },
        security=[{"bearerAuth": []}, {"apiKeyAuth": []}],  # either one
        on_conflict="error",
    )
    for module_name in ROUTES:
        if module_name != __name__:
            merge.add_schema(importlib.import_module(module_name).app.get_openapi_schema())
    return json.dumps(with_our_error_schema(json.loads(merge.get_openapi_json_schema())))


def with_our_error_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents a FastAPI-style 422 on every route; ours answer `ErrorBody` (see common.errors)."""
    default_ref = "#/components/schemas/HTTPValidationError"
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if schema.get("$ref") == default_ref:
                    schema["$ref"] = "#/components/schemas/ErrorBody"
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    return spec


@app.get("/api/openapi.json")
def openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json())


@app.get("/api/docs")
def swagger_ui() -> Response[str]:
    html = generate_swagger_html(
        openapi_json().replace("</", "<\\/"),
        (_SWAGGER_DIR / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (_SWAGGER_DIR / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )
    return Response(status_code=200, content_type="text/html", body=html)


@API.handler(API_REQUEST_ID)
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
