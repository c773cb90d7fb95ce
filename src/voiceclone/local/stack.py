"""The embedded default in one process: SecantusDB, moto (S3, SQS, Step Functions, Lambda dispatch,
Secrets Manager), S3 notifications (uploads to analyze-sample, removals to cleanup, as
infra/stacks/workflows.py wires them), and the HTTP gateway in front of the API handlers.
S3 is written through to `<data>/s3-objects` and restored at start, then records are reconciled with
what the buckets hold (docs/local-durability.md).

Extension points for the other parts (all optional; the stack starts without them):
- `voiceclone.workflows.local.setup_local(stack)`: register the orchestration Lambdas with
  `stack.register_lambda(name, "module:function")` (returns the ARN), create the state machines with
  `stack.create_state_machine(name, definition)`, point the settings at them with
  `stack.configure(training_state_machine_arn=...)`, start CPU workers and hand their stop functions
  to `stack.on_stop(...)`.
- `stack.synth_handler = <the CPU synth worker's SynthHandler>` in that hook: the real-time app mounted
  at `/v1` (voiceclone.local.realtime_mount) then shares its engines and voice cache.
- `voiceclone.local.demo.run_demo(stack)`: the `make run` demo, called in a background thread once
  everything serves (skipped with `LocalConfig(run_demo=False)` / `voiceclone run --no-demo`).
Settings reach every handler through VOICECLONE_* variables, which the stack sets and later restores.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from voiceclone import auth, config
from voiceclone.authenticator import Authenticator
from voiceclone.local import blob_snapshot, lambdas, notifications, reconciliation, s3_durability
from voiceclone.local.aws import MotoServer, aws_environment, ensure_bucket, ensure_queue, start_moto_server
from voiceclone.local.database import EmbeddedDatabase
from voiceclone.local.dev_token import DevTokenEndpoint
from voiceclone.local.gateway import FallbackHandler, Gateway, GatewayServer, Route, RouteTable
from voiceclone.local.realtime_mount import REALTIME_PREFIX, realtime_app
from voiceclone.local.static_site import DEFAULT_WEB_DIR, StaticSite

logger = logging.getLogger(__name__)

ANALYZE_SAMPLE = "analyze-sample"
ANALYZE_SAMPLE_HANDLER = "functions.orchestration.analyze_sample:lambda_handler"
CLEANUP = "cleanup"
CLEANUP_HANDLER = "functions.orchestration.cleanup:lambda_handler"
S3_EVENT_HANDLERS = {ANALYZE_SAMPLE: ANALYZE_SAMPLE_HANDLER, CLEANUP: CLEANUP_HANDLER}
RAW_PREFIX = "raw/"
SAMPLE_UPLOADS_QUEUE = "voiceclone-sample-uploads"
S3_OBJECTS_DIR = "s3-objects"  # the local S3, written through (local/s3_disk)
LEGACY_S3_SNAPSHOT_DIR = "s3"  # its former clean-stop snapshot, imported once
TTS_OUTPUT_PREFIX = "tts/"
MONGO_URI_SECRET = "voiceclone/mongo-uri"
WORKFLOWS_HOOK = ("voiceclone.workflows.local", "setup_local")
DEMO_HOOK = ("voiceclone.local.demo", "run_demo")
STATE_MACHINE_ROLE = "arn:aws:iam::123456789012:role/voiceclone-local-states"


@dataclass(frozen=True)
class LocalConfig:
    """Where the local run keeps its data and which ports it listens on (0 = a free port)."""

    data_dir: Path = Path(".local")
    host: str = "127.0.0.1"
    port: int = 8000
    aws_port: int | None = None  # default: port + 1
    db_port: int | None = None  # default: port + 2
    db_name: str = "voiceclone"
    run_demo: bool = True
    extra_routes: tuple[Route, ...] = ()  # beside functions.api.routes (benchmarks, tests)
    web_dir: Path | None = DEFAULT_WEB_DIR  # the web console served at / (None: not served)

    def resolved_port(self, explicit: int | None, offset: int) -> int:
        if explicit is not None:
            return explicit
        return self.port + offset if self.port else 0


class LocalStack:
    """Starts and stops the whole local platform; see the module docstring for the hooks."""

    def __init__(self, local_config: LocalConfig | None = None) -> None:
        self.config = local_config or LocalConfig()
        self.data_dir = self.config.data_dir.resolve()
        self.database: EmbeddedDatabase | None = None
        self.aws: MotoServer | None = None
        self.gateway: GatewayServer | None = None
        self.signing_key: auth.LocalSigningKey | None = None
        self.synth_handler: Any = None  # the CPU synth worker's, shared with the real-time app (set by hooks)
        self._saved_env: dict[str, str | None] = {}
        self._stop_callbacks: list[Callable[[], None]] = []
        self._pollers: list[notifications.NotificationPoller] = []

    # -- the API the hooks use ------------------------------------------------------------------
    @property
    def settings(self) -> config.Settings:
        return config.get_settings()

    def configure(self, **fields: Any) -> None:
        """Set settings fields (as VOICECLONE_* variables) for every handler in this process."""
        for name, value in fields.items():
            if name not in config.Settings.model_fields:
                raise ValueError(f"Unknown setting {name!r}.")
            self._set_env(f"VOICECLONE_{name.upper()}", str(value))
        config.get_settings.cache_clear()

    def client(self, service: str) -> Any:
        assert self.aws is not None, "the stack is not started"
        return self.aws.client(service)

    def register_lambda(self, name: str, handler_path: str) -> str:
        """Run `handler_path` in-process for Lambda function `name`; returns the function's ARN."""
        lambdas.register(name, handler_path)
        role = lambdas.ensure_role(self.client("iam"))
        return lambdas.create_function(self.client("lambda"), role, name)

    def create_state_machine(self, name: str, definition: dict[str, Any] | str) -> str:
        """Create (or update) a state machine in moto; returns its ARN."""
        sfn = self.client("stepfunctions")
        body = definition if isinstance(definition, str) else json.dumps(definition)
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"] == name:
                    sfn.update_state_machine(stateMachineArn=machine["stateMachineArn"], definition=body)
                    return machine["stateMachineArn"]
        return sfn.create_state_machine(name=name, definition=body, roleArn=STATE_MACHINE_ROLE)["stateMachineArn"]

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the stack stops (before AWS and the database go away)."""
        self._stop_callbacks.append(callback)

    def issue_token(self, user: str, groups: list[str] | None = None, ttl: int = 3600) -> str:
        assert self.signing_key is not None, "the stack is not started"
        return self.signing_key.issue_token(user, groups or [], ttl)

    @property
    def url(self) -> str:
        assert self.gateway is not None, "the stack is not started"
        return self.gateway.url

    # -- start and stop ---------------------------------------------------------------------------
    def start(self) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_database()
            self._start_aws()
            self._start_resources()
            _call_hook(*WORKFLOWS_HOOK, self)
            self._start_gateway()
            if self.config.run_demo:
                # The demo may run long: it must not hold back `ready`.
                threading.Thread(target=self._run_demo, name="demo", daemon=True).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        steps: list[Callable[[], None]] = []
        if self.gateway is not None:
            steps.append(self.gateway.stop)
        steps.extend(poller.stop for poller in self._pollers)
        steps.extend(reversed(self._stop_callbacks))
        if self.aws is not None:
            steps.append(self.aws.stop)  # nothing to save: every acknowledged S3 write is on disk already
        if self.database is not None:
            steps.append(self.database.stop)
        for step in steps:
            try:
                step()
            except Exception:  # stop everything else even if one part fails to
                logger.exception("stopping %s failed", getattr(step, "__qualname__", step))
        self.gateway, self.aws, self.database = None, None, None
        self._pollers.clear()
        self._stop_callbacks.clear()
        self._restore_env()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run_demo(self) -> None:
        try:
            _call_hook(*DEMO_HOOK, self)
        except Exception:
            logger.exception("the demo failed; the platform keeps serving")

    # -- pieces -----------------------------------------------------------------------------------
    def _start_database(self) -> None:
        self.database = EmbeddedDatabase(
            self.data_dir / "db", self.config.host, self.config.resolved_port(self.config.db_port, 2)
        )
        self._set_env("VOICECLONE_MONGO_URI", self.database.start())
        self._set_env("VOICECLONE_DB_NAME", self.config.db_name)

    def _start_aws(self) -> None:
        self.aws = start_moto_server(
            self.config.host, self.config.resolved_port(self.config.aws_port, 1), s3_data_dir=self.data_dir / S3_OBJECTS_DIR
        )
        for name, value in aws_environment(self.aws.endpoint_url).items():
            self._set_env(name, value)
        lambdas.install_dispatch()
        _forget_cached_clients()

    def _start_resources(self) -> None:
        s3, sqs = self.client("s3"), self.client("sqs")
        self._restore_s3()
        for bucket in self._buckets():
            ensure_bucket(s3, bucket)
        self.configure(
            train_queue_url=ensure_queue(sqs, "voiceclone-train", {"VisibilityTimeout": "300"}),
            synth_queue_url=ensure_queue(sqs, "voiceclone-synth", {"VisibilityTimeout": "300"}),
        )
        self._start_s3_notifications()
        self._store_mongo_uri_as_secret()
        from voiceclone.store import get_store

        get_store()  # creates the indexes now, not on the first request
        self._reconcile_with_s3()

    def _start_s3_notifications(self) -> None:
        for name, handler_path in S3_EVENT_HANDLERS.items():
            self.register_lambda(name, handler_path)
        sqs = self.client("sqs")
        queue_urls = notifications.connect(self.client("s3"), sqs, self._s3_event_routes())
        for poller in notifications.pollers(sqs, queue_urls):
            poller.start()
            self._pollers.append(poller)

    def _s3_event_routes(self) -> list[notifications.NotificationRoute]:
        """Uploads under raw/ are analysed; raw samples and TTS outputs deleted or expired are cleaned up."""
        settings, route = self.settings, notifications.NotificationRoute
        removed, removals_queue = notifications.OBJECT_REMOVED, "voiceclone-object-removals"
        return [
            route(settings.samples_bucket, RAW_PREFIX, ANALYZE_SAMPLE, SAMPLE_UPLOADS_QUEUE),
            route(settings.samples_bucket, RAW_PREFIX, CLEANUP, removals_queue, removed),
            route(settings.outputs_bucket, TTS_OUTPUT_PREFIX, CLEANUP, removals_queue, removed),
        ]

    def _store_mongo_uri_as_secret(self) -> None:
        """As in AWS, handlers read the connection string from Secrets Manager, not from a variable."""
        secrets = self.client("secretsmanager")
        uri = self.settings.mongo_uri
        # One secret per address: readers cache a secret by ARN, and moto outlives an in-process restart.
        name = f"{MONGO_URI_SECRET}-{hashlib.sha256(uri.encode()).hexdigest()[:12]}"
        try:
            arn = secrets.create_secret(Name=name, SecretString=uri)["ARN"]
        except secrets.exceptions.ResourceExistsException:
            arn = secrets.put_secret_value(SecretId=name, SecretString=uri)["ARN"]
        self.configure(mongo_uri_secret_arn=arn)

    def _start_gateway(self) -> None:
        settings = self.settings
        self.signing_key = auth.LocalSigningKey.load_or_create(
            self.data_dir, settings.jwt_issuer, settings.jwt_audience
        )
        api = RouteTable.from_api_routes()
        routes = RouteTable([*api.routes, *self.config.extra_routes], api.public_paths)
        gateway = Gateway(routes, self._authenticator(), self.signing_key.jwks(), fallbacks=self._web_console())
        self.gateway = GatewayServer(gateway, self.config.host, self.config.port)
        if (realtime := realtime_app(self)) is not None:  # WebSocket and streamed speech on the API's port
            self.gateway.mount(REALTIME_PREFIX, realtime)
        self.gateway.start()

    def _authenticator(self) -> Authenticator:
        """JWTs signed by the local key, API keys from the database (as the AWS Lambda authorizer)."""
        from voiceclone.store import get_store

        assert self.signing_key is not None
        return Authenticator(self.signing_key.verifier(), get_store(self.settings).api_keys)

    def _web_console(self) -> list[FallbackHandler]:
        """The console's files at / and its dev-only sign-in (docs/web-console.md)."""
        if self.config.web_dir is None:
            return []
        assert self.aws is not None and self.signing_key is not None
        key = self.signing_key
        return [DevTokenEndpoint(lambda user, ttl: key.issue_token(user, [], ttl)).handle,
                StaticSite(self.config.web_dir, [self.aws.endpoint_url]).handle]

    def _buckets(self) -> list[str]:
        settings = self.settings
        return [settings.samples_bucket, settings.models_bucket, settings.outputs_bucket]

    def _restore_s3(self) -> None:
        """Before notifications are wired (nothing re-fires): moto's buckets = what the disk holds."""
        assert self.aws is not None and self.aws.s3_disk is not None
        blob_snapshot.import_legacy_snapshot(self.data_dir / LEGACY_S3_SNAPSHOT_DIR, self.aws.s3_disk)
        report = s3_durability.restore(self.aws.s3_disk, also_authoritative=self._buckets())
        logger.info("local S3: %d objects restored from %s", report.restored, self.aws.s3_disk.root)

    def _reconcile_with_s3(self) -> None:
        """Records pointing at objects the buckets lack are set straight; lost upload events re-sent."""
        from voiceclone.store import get_store

        sqs = self.client("sqs")
        uploads_queue = sqs.get_queue_url(QueueName=SAMPLE_UPLOADS_QUEUE)["QueueUrl"]

        def redeliver(event: dict[str, Any]) -> None:
            sqs.send_message(QueueUrl=uploads_queue, MessageBody=json.dumps(event))

        reconciliation.reconcile(get_store(), self.settings, self.client("s3"), redeliver)

    def _set_env(self, name: str, value: str) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = os.environ.get(name)
        os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        _forget_cached_clients()


def _forget_cached_clients() -> None:
    """Settings and Powertools' parameter providers (boto3 clients) hold the previous endpoint."""
    from aws_lambda_powertools.utilities import parameters

    config.get_settings.cache_clear()
    parameters.clear_caches()


def _call_hook(module_name: str, function_name: str, stack: LocalStack) -> None:
    """Call an optional extension point; a missing module means that part has not landed yet."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        logger.info("%s not present; skipping it", module_name)
        return
    getattr(module, function_name)(stack)
