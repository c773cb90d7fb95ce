"""API: the HTTP API, its Lambda authorizer (JWTs and API keys), and one Lambda per handler module of
functions/api/routes.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import jsii
from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions.api import routes
from infra import nag
from infra.config import InfraConfig
from infra.constructs import grants
from infra.constructs.app_secrets import mongo_uri_secret, provider_keys_secret
from infra.constructs.lambda_code import function_code
from infra.constructs.log_group import log_group
from infra.constructs.service_function import ServiceFunction
from infra.constructs.settings_environment import settings_environment
from infra.reserved_concurrency import reserved_concurrency
from infra.stacks.auth import JwtTrust
from infra.stacks.storage import StorageStack
from infra.stacks.workflows import WorkflowsStack

# One JSON line per request: enough to trace a call to its Lambda and its caller.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "user": "$context.authorizer.user_id",
    "via": "$context.authorizer.via",
    "authError": "$context.authorizer.auth_error",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
}
CORS_HEADERS = ["authorization", "x-api-key", "content-type", "idempotency-key"]
API_GATEWAY_CALLER = (
    "the HTTP API, which returns its errors to the client (the Api5xx alarm counts them); the client retries"
)
AUTHORIZER_CALLER = (
    "the HTTP API's Lambda authorizer hook on every request; a failure is the client's 500 (the Api5xx "
    "alarm counts them), and the client retries"
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT))


class ApiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        storage: StorageStack,
        jwt: JwtTrust,
        workflows: WorkflowsStack,
        console_origin: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._config = config
        self._storage = storage
        self._workflows = workflows
        self._provider_keys: secretsmanager.ISecret | None = None
        removal = config.removal_policy
        mongo_secret = mongo_uri_secret(self, config)
        environment = settings_environment(
            config, samples=storage.samples, models=storage.models, outputs=storage.outputs, mongo_secret=mongo_secret,
            training_state_machine_arn=workflows.training_state_machine.state_machine_arn,
            tts_state_machine_arn=workflows.tts_state_machine.state_machine_arn,
            tts_batch_state_machine_arn=workflows.tts_batch_state_machine.state_machine_arn,
            jwt_issuer=jwt.issuer, jwt_audience=jwt.audience,
        )
        domain = None
        if config.domain_name:
            domain = apigwv2.DomainName(
                self, "Domain", domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn),
            )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{config.app_name}-api",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=config.cors_origins_with(console_origin) if console_origin else config.cors_allowed_origins,
                allow_methods=[apigwv2.CorsHttpMethod.ANY],
                allow_headers=CORS_HEADERS,
                expose_headers=["location"],
            ),
        )
        self.access_logs = log_group(
            self, "AccessLogs", key=storage.key, retention_days=config.log_retention_days, removal_policy=removal
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=config.api_throttle_rate, burst_limit=config.api_throttle_burst),
            access_log_settings=_AccessLogs(self.access_logs),
            domain_mapping=apigwv2.DomainMappingOptions(domain_name=domain) if domain else None,
        )
        self.functions: dict[str, lambda_.Function] = {}
        code = function_code(config.bundle_lambdas)
        concurrency = reserved_concurrency(config)
        authorizer = self._authorizer(code, environment, concurrency["authorizer"])
        mongo_secret.grant_read(self.authorizer_function)
        for module, prefixes in routes.ROUTES.items():
            area = module.rsplit(".", 1)[1]
            handler = ServiceFunction(
                self,
                f"{area.title()}Handler",
                code=code,
                handler=f"{module}.lambda_handler",
                description=f"HTTP API: {', '.join(prefixes)}",
                environment=environment,
                log_retention_days=config.log_retention_days,
                log_key=storage.key,
                removal_policy=removal,
                reserved_concurrency=concurrency[area],
                synchronous_caller=API_GATEWAY_CALLER,
            ).function
            self.functions[area] = handler
            if area != "docs":  # the docs serve a static spec: no database
                mongo_secret.grant_read(handler)
            _PERMISSIONS.get(area, lambda *_: None)(self, handler)
            integration = integrations.HttpLambdaIntegration(f"{area.title()}Integration", handler)
            for prefix in prefixes:
                self._add_routes(prefix, integration, authorizer)

        CfnOutput(self, "ApiUrl", value=self.stage.url)
        if domain:
            # Point the custom name here (CNAME or Route 53 alias).
            CfnOutput(self, "DomainTarget", value=domain.regional_domain_name)

    def _authorizer(
        self, code: lambda_.Code, environment: dict[str, str], concurrency: int
    ) -> authorizers.HttpLambdaAuthorizer:
        """JWTs (the issuer's JWKS) and API keys (MongoDB) in one Lambda authorizer: docs/decisions/0011.

        No identity sources: with `Authorization` or `X-API-Key` both accepted, API Gateway would refuse a
        request lacking either one before calling the authorizer. Without them it cannot cache, so caching
        is off here and done in the function (JWKS for its lifetime, keys for 5 s)."""
        config = self._config
        self.authorizer_function = ServiceFunction(
            self,
            "AuthorizerHandler",
            code=code,
            handler="functions.api.authorizer.lambda_handler",
            description="HTTP API Lambda authorizer: JWTs and personal API keys",
            environment=environment,
            log_retention_days=config.log_retention_days,
            log_key=self._storage.key,
            removal_policy=config.removal_policy,
            reserved_concurrency=concurrency,
            synchronous_caller=AUTHORIZER_CALLER,
            timeout=Duration.seconds(10),  # a JWKS fetch (3 s) and a key lookup; more means an outage
            memory_size=1024,  # more CPU: RS256 checks and cold starts are CPU-bound
        ).function
        self.functions["authorizer"] = self.authorizer_function
        return authorizers.HttpLambdaAuthorizer(
            "KeyOrJwtAuthorizer",
            self.authorizer_function,
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            identity_source=[],
            results_cache_ttl=Duration.seconds(0),
        )

    def _add_routes(
        self, prefix: str, integration: apigwv2.HttpRouteIntegration, authorizer: apigwv2.IHttpRouteAuthorizer
    ) -> None:
        if not routes.requires_auth(prefix):
            # Public documents are exact paths, read-only.
            for route in self.http_api.add_routes(path=prefix, methods=[apigwv2.HttpMethod.GET], integration=integration):
                nag.acknowledge(route, "The OpenAPI document and Swagger UI are public by design.", "AwsSolutions-APIG4")
            return
        for path in (prefix, f"{prefix}/{{proxy+}}"):
            self.http_api.add_routes(path=path, methods=[apigwv2.HttpMethod.ANY], integration=integration, authorizer=authorizer)

    # Least privilege per handler: what each area's services do with AWS.
    def grant_samples(self, handler: lambda_.Function) -> None:
        # Presigned POST uploads act with the handler's right to put raw objects; deletes remove them.
        samples = self._storage.samples
        grants.grant_objects(samples, handler.role, "raw/", *grants.READ, *grants.WRITE, *grants.DELETE)
        grants.grant_listing(samples, handler.role, "raw/")

    def grant_training(self, handler: lambda_.Function) -> None:
        self._grant_workflow("Training", handler)
        # Training with a remote clone step (ElevenLabs) is refused where its key is not configured.
        self._grant_provider_keys(handler)

    def grant_tts(self, handler: lambda_.Function) -> None:
        self._grant_workflow("Tts", handler)
        grants.grant_objects(self._storage.outputs, handler.role, "tts/", *grants.READ)  # presigned downloads
        grants.grant_listing(self._storage.outputs, handler.role, "tts/")

    def grant_batch(self, handler: lambda_.Function) -> None:
        self._grant_workflow("Batch", handler)
        # Presigned downloads of items and zips; a zip is built from the items on download while they finish.
        grants.grant_objects(self._storage.outputs, handler.role, "batches/", *grants.READ, *grants.WRITE)

    def grant_voices(self, handler: lambda_.Function) -> None:
        # Deleting a voice deletes its artifacts (a prefix: list, then delete).
        grants.grant_objects(self._storage.models, handler.role, "voices/", *grants.READ, *grants.DELETE)
        grants.grant_listing(self._storage.models, handler.role, "voices/")
        # Deleting a voice cloned at ElevenLabs deletes it there too: the provider-keys secret.
        self._grant_provider_keys(handler)

    def _grant_provider_keys(self, handler: lambda_.Function) -> None:
        if self._provider_keys is None:  # one imported secret per stack (a construct id)
            self._provider_keys = provider_keys_secret(self, self._config)
        self._provider_keys.grant_read(handler)
        handler.add_environment("VOICECLONE_PROVIDER_KEYS_SECRET_ARN", self._provider_keys.secret_arn)

    def _grant_workflow(self, name: str, handler: lambda_.Function) -> None:
        machine = {
            "Training": self._workflows.training_state_machine,
            "Tts": self._workflows.tts_state_machine,
            "Batch": self._workflows.tts_batch_state_machine,
        }[name]
        machine.grant_start_execution(handler)
        grants.grant_executions(
            self._workflows.state_machine_names[name], handler.role, "states:StopExecution", "states:DescribeExecution"
        )


_PERMISSIONS: dict[str, Callable[[ApiStack, lambda_.Function], None]] = {
    "samples": ApiStack.grant_samples,
    "training": ApiStack.grant_training,
    "tts": ApiStack.grant_tts,
    "batch": ApiStack.grant_batch,
    "voices": ApiStack.grant_voices,
}
