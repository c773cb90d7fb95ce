"""The local gateway serves the web console (web/) at / and the dev-only token endpoint; API routes win."""

import json
import types

import pytest

from voiceclone import auth
from voiceclone.local.dev_token import DevTokenEndpoint
from voiceclone.local.events import HttpRequest
from voiceclone.local.gateway import Gateway, RouteTable
from voiceclone.local.static_site import DEFAULT_WEB_DIR, StaticSite

ISSUER, AUDIENCE = "http://127.0.0.1:8000/auth", "voiceclone"
S3 = "http://127.0.0.1:8001"


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    return auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)


@pytest.fixture
def gateway(signing_key):
    api = types.ModuleType("api")
    api.lambda_handler = lambda event, context: {"statusCode": 200, "body": "api"}
    routes = RouteTable.from_mapping({"app.api": ["/api/things"]})
    token = DevTokenEndpoint(lambda user, ttl: signing_key.issue_token(user, [], ttl))
    site = StaticSite(DEFAULT_WEB_DIR, [S3])
    return Gateway(routes, signing_key.verifier(), signing_key.jwks(), load_module=lambda name: api,
                   fallbacks=[token.handle, site.handle])


def call(gateway, path, method="GET", query="", headers=(("host", "127.0.0.1:8000"),)):
    return gateway.handle(HttpRequest(method, path, query, list(headers), b""))


def header(response, name):
    return next((value for key, value in response.headers if key.lower() == name), None)


def test_the_console_page_is_served_at_the_root_with_security_headers(gateway):
    response = call(gateway, "/")
    assert response.status == 200
    assert header(response, "content-type") == "text/html; charset=utf-8"
    assert b'<script type="module" src="js/app.js">' in response.body
    csp = header(response, "content-security-policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert f"connect-src 'self' {S3}" in csp and f"media-src 'self' blob: {S3}" in csp  # uploads and results
    assert header(response, "x-content-type-options") == "nosniff"
    assert header(response, "x-frame-options") == "DENY"


@pytest.mark.parametrize("path, content_type", [
    ("/js/app.js", "text/javascript; charset=utf-8"),
    ("/styles.css", "text/css; charset=utf-8"),
    ("/config.json", "application/json"),
    ("/favicon.svg", "image/svg+xml"),
])
def test_each_file_has_its_content_type(gateway, path, content_type):
    response = call(gateway, path)
    assert response.status == 200
    assert header(response, "content-type") == content_type
    assert response.body == (DEFAULT_WEB_DIR / path.lstrip("/")).read_bytes()


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/js/../../pyproject.toml", "/.git/config", "/missing.js",
                                  "/js//app.js", "/README"])
def test_paths_outside_the_console_or_missing_are_404(gateway, path):
    response = call(gateway, path)
    assert response.status == 404
    assert json.loads(response.body)["error"]["code"] == "route_not_found"


def test_api_routes_are_unchanged(gateway):
    assert call(gateway, "/api/things").status == 401  # still the JWT check, not a file
    assert call(gateway, "/", method="POST").status == 404  # only GET/HEAD reach the files


def test_the_local_token_endpoint_issues_a_token_the_gateway_accepts(gateway, signing_key):
    response = call(gateway, "/local/token", query="user=alice")
    assert response.status == 200
    assert header(response, "cache-control") == "no-store"
    answer = json.loads(response.body)
    claims = signing_key.verifier().verify(answer["token"])
    assert claims["sub"] == "alice" and answer["expires_in"] == 3600
    assert not claims.get("cognito:groups")  # never an admin token
    authorized = gateway.handle(HttpRequest("GET", "/api/things", "", [("authorization", f"Bearer {answer['token']}")], b""))
    assert authorized.status == 200 and authorized.body == b"api"


@pytest.mark.parametrize("query, headers, status, code", [
    ("user=", (("host", "127.0.0.1:8000"),), 422, "validation_error"),
    ("user=a%20b", (("host", "localhost:8000"),), 422, "validation_error"),
    ("user=alice", (("host", "evil.example:8000"),), 403, "forbidden"),  # DNS rebinding
    ("user=alice", (("host", "127.0.0.1:8000"), ("sec-fetch-site", "cross-site")), 403, "forbidden"),
])
def test_the_local_token_endpoint_refuses(gateway, query, headers, status, code):
    response = call(gateway, "/local/token", query=query, headers=headers)
    assert response.status == status
    assert json.loads(response.body)["error"]["code"] == code


def test_the_local_token_endpoint_answers_get_only(gateway):
    response = call(gateway, "/local/token", method="POST", query="user=alice")
    assert response.status == 405 and header(response, "allow") == "GET"
