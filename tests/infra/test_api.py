"""API template: routes from functions/api/routes.py behind the Lambda authorizer (JWTs and API keys),
throttling, access logs, CORS, the MongoDB URI as a secret ARN only, and least-privilege roles per handler."""

from __future__ import annotations

import pytest

from functions.api import routes
from tests.infra.conftest import Synthesized, actions_of, flatten, policy_statements, resources_of, synthesize
from voiceclone.config import Settings


def _routes(platform: Synthesized) -> dict[str, dict]:
    return {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in platform.resources("api", "AWS::ApiGatewayV2::Route").values()
    }


def test_every_prefix_of_the_route_table_is_routed(platform: Synthesized) -> None:
    keys = set(_routes(platform))
    expected = set()
    for prefixes in routes.ROUTES.values():
        for prefix in prefixes:
            if routes.requires_auth(prefix):
                expected |= {f"ANY {prefix}", f"ANY {prefix}/{{proxy+}}"}
            else:
                expected.add(f"GET {prefix}")
    assert keys == expected


def _authorizer_function(platform: Synthesized) -> dict:
    (function,) = (
        function["Properties"] for function in platform.resources("api", "AWS::Lambda::Function").values()
        if function["Properties"]["Handler"] == "functions.api.authorizer.lambda_handler"
    )
    return function


def test_every_route_but_the_docs_goes_through_the_lambda_authorizer(platform: Synthesized) -> None:
    (authorizer_id,) = platform.resources("api", "AWS::ApiGatewayV2::Authorizer")
    for key, route in _routes(platform).items():
        path = key.split(" ", 1)[1]
        if path in routes.UNAUTHENTICATED_PATHS:
            assert route["AuthorizationType"] == "NONE", key
        else:
            assert route["AuthorizationType"] == "CUSTOM", key
            assert route["AuthorizerId"] == {"Ref": authorizer_id}, key


def test_the_authorizer_takes_either_header_and_caches_in_its_own_memory(platform: Synthesized) -> None:
    (authorizer,) = platform.resources("api", "AWS::ApiGatewayV2::Authorizer").values()
    properties = authorizer["Properties"]
    assert properties["AuthorizerType"] == "REQUEST"
    assert properties["AuthorizerPayloadFormatVersion"] == "2.0" and properties["EnableSimpleResponses"] is True
    # An identity source would make API Gateway refuse requests lacking it (Authorization or X-API-Key).
    assert not properties.get("IdentitySource") and properties["AuthorizerResultTtlInSeconds"] == 0
    assert "AuthorizerHandler" in flatten(properties["AuthorizerUri"])
    permissions = platform.resources("api", "AWS::Lambda::Permission").values()
    assert any("AuthorizerHandler" in flatten(p["Properties"]["FunctionName"])
               and p["Properties"]["Principal"] == "apigateway.amazonaws.com" for p in permissions)


def test_the_authorizer_trusts_the_cognito_pool_and_its_client(platform: Synthesized) -> None:
    variables = _authorizer_function(platform)["Environment"]["Variables"]
    assert "https://cognito-idp." in flatten(variables["VOICECLONE_JWT_ISSUER"])
    assert "ApiClient" in flatten(variables["VOICECLONE_JWT_AUDIENCE"])
    assert ":secret:voiceclone/mongodb-uri" in flatten(variables["VOICECLONE_MONGO_URI_SECRET_ARN"])


def test_an_existing_issuer_replaces_cognito() -> None:
    custom = synthesize({"jwt_issuer": "https://login.example.com/", "jwt_audience": "voiceclone-api"})
    variables = _authorizer_function(custom)["Environment"]["Variables"]
    assert variables["VOICECLONE_JWT_ISSUER"] == "https://login.example.com/"
    assert variables["VOICECLONE_JWT_AUDIENCE"] == "voiceclone-api"
    assert "auth" not in custom.templates, "no Cognito stack when an existing issuer is trusted"


def test_the_stage_throttles_and_logs_every_request(platform: Synthesized) -> None:
    (stage,) = platform.resources("api", "AWS::ApiGatewayV2::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == "$default"
    assert properties["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    assert "$context.requestId" in properties["AccessLogSettings"]["Format"]
    (api,) = platform.resources("api", "AWS::ApiGatewayV2::Api").values()
    cors = api["Properties"]["CorsConfiguration"]
    assert {"idempotency-key", "authorization", "x-api-key"} <= set(cors["AllowHeaders"])
    assert "$context.authorizer.user_id" in properties["AccessLogSettings"]["Format"]


def _api_functions(platform: Synthesized) -> dict[str, dict]:
    return {
        function["Properties"]["Handler"]: function["Properties"]
        for function in platform.resources("api", "AWS::Lambda::Function").values()
    }


def test_one_light_zip_function_per_handler_module(platform: Synthesized) -> None:
    functions = _api_functions(platform)
    assert set(functions) == {f"{module}.lambda_handler" for module in [*routes.ROUTES, "functions.api.authorizer"]}
    for handler, function in functions.items():
        assert function["Runtime"] == "python3.11", handler
        assert function["TracingConfig"] == {"Mode": "Active"}, handler
        assert "ImageUri" not in function["Code"], handler


def test_the_mongodb_uri_is_never_a_plain_environment_variable(platform: Synthesized) -> None:
    for name, function in platform.all_resources("AWS::Lambda::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "VOICECLONE_MONGO_URI" not in variables, name
        if "VOICECLONE_DB_NAME" in variables:
            assert ":secret:voiceclone/mongodb-uri" in flatten(variables["VOICECLONE_MONGO_URI_SECRET_ARN"]), name


def test_every_settings_variable_names_a_settings_field(platform: Synthesized) -> None:
    fields = {f"VOICECLONE_{name.upper()}" for name in Settings.model_fields}
    environments = {
        name: set(function["Properties"].get("Environment", {}).get("Variables", {}))
        for name, function in platform.all_resources("AWS::Lambda::Function").items()
    }
    for name, task in platform.all_resources("AWS::ECS::TaskDefinition").items():
        for container in task["Properties"]["ContainerDefinitions"]:
            environments[name] = {v["Name"] for v in container["Environment"]} | {s["Name"] for s in container["Secrets"]}
    assert len(environments) > 15
    for name, variables in environments.items():
        unknown = {key for key in variables if key.startswith("VOICECLONE_")} - fields
        assert not unknown, f"{name}: {unknown} are not voiceclone.config.Settings fields"


def _grants(platform: Synthesized, area: str) -> set[tuple[str, str]]:
    """(action, resource) pairs a handler's role may use, resources flattened to text."""
    role_prefix = f"{area.title()}HandlerFunctionServiceRole"
    return {
        (action, resource)
        for statement in policy_statements(platform.template("api"), role_prefix)
        if statement["Effect"] == "Allow"
        for action in actions_of(statement)
        for resource in resources_of(statement)
    }


@pytest.mark.parametrize(
    ("area", "expected_s3_prefixes", "state_machine"),
    [
        ("samples", {"/raw/*"}, None),
        ("training", set(), "Training"),
        ("tts", {"/tts/*"}, "Tts"),
        ("voices", {"/voices/*"}, None),
        ("account", set(), None),
        ("keys", set(), None),
        ("authorizer", set(), None),
        ("docs", set(), None),
    ],
)
def test_each_handler_gets_only_its_own_permissions(
    platform: Synthesized, area: str, expected_s3_prefixes: set[str], state_machine: str | None
) -> None:
    grants = _grants(platform, area)
    object_prefixes = {
        "/" + resource.rsplit("/", 2)[-2] + "/*" for action, resource in grants if action.startswith("s3:") and resource.endswith("/*")
    }
    assert object_prefixes == expected_s3_prefixes
    assert all(not action.endswith("*") for action, _ in grants), f"{area}: wildcard actions"
    states = {(action, resource) for action, resource in grants if action.startswith("states:")}
    if state_machine:
        assert any(action == "states:StartExecution" and state_machine in resource for action, resource in states)
        # Only this machine: its ARN (a reference to its output) or its executions by name.
        assert all(state_machine in resource or f"VoiceClone-{state_machine.lower()}:" in resource for _, resource in states)
    else:
        assert not states
    secrets = {resource for action, resource in grants if action.startswith("secretsmanager:")}
    if area == "docs":
        assert not secrets, "the docs serve a static spec: no database"
    else:
        # voices also reads the provider keys (deleting a voice cloned at ElevenLabs deletes it there too), and
        # training (it refuses a remote clone where the engine's key is not configured).
        keys = area in ("voices", "training")
        allowed = (":secret:voiceclone/mongodb-uri-", *((":secret:voiceclone/provider-api-keys-",) if keys else ()))
        assert any(":secret:voiceclone/mongodb-uri-" in resource for resource in secrets)
        assert all(any(name in resource for name in allowed) for resource in secrets), secrets
    unscoped = {action for action, resource in grants if resource == "*"}
    assert unscoped <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
