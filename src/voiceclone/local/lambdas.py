"""In-process Lambda functions for the local run.

`register(name, "package.module:function")` records which Python handler a Lambda function name runs;
`create_functions(lambda_client)` creates every registered name in moto (so Step Functions task
ARNs resolve) and `install_dispatch()` patches moto so that invoking such a function calls the handler
in this process instead of in Docker. `invoke(name, event)` calls a handler directly (S3 notifications).

Errors follow the Lambda contract: the handler's exception becomes a `FunctionError` response whose
payload carries `errorType` (the exception class name), which Step Functions' Retry/Catch match on.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]
LAMBDA_ROLE_NAME = "voiceclone-local-lambda"
DEFAULT_TIMEOUT_S = 900

_registry: dict[str, str] = {}
_resolved: dict[str, Handler] = {}
_lock = threading.Lock()


class UnknownLocalFunction(LookupError):
    """A Lambda function name that no one registered for in-process dispatch."""


def register(name: str, handler_path: str) -> None:
    """Run `handler_path` ("package.module:function") when Lambda function `name` is invoked."""
    module, _, function = handler_path.partition(":")
    if not module or not function:
        raise ValueError(f"Handler path {handler_path!r} must look like 'package.module:function'.")
    with _lock:
        _registry[name] = handler_path
        _resolved.pop(name, None)


def registered() -> dict[str, str]:
    with _lock:
        return dict(_registry)


def resolve(name: str) -> Handler:
    """The handler callable for a registered function name (imported on first use)."""
    with _lock:
        if name in _resolved:
            return _resolved[name]
        handler_path = _registry.get(name)
    if handler_path is None:
        raise UnknownLocalFunction(f"No local handler registered for Lambda function {name!r}.")
    module_name, _, function_name = handler_path.partition(":")
    handler = getattr(importlib.import_module(module_name), function_name)
    with _lock:
        _resolved[name] = handler
    return handler


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_s: int = DEFAULT_TIMEOUT_S
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))


def invoke(name: str, event: Any, *, function_arn: str = "") -> Any:
    """Call the handler registered for `name` with `event`; exceptions propagate."""
    context = LambdaContext(function_name=name, invoked_function_arn=function_arn)
    return resolve(name)(event, context)


def error_payload(error: BaseException) -> dict[str, Any]:
    """The payload Lambda returns for an unhandled exception."""
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error)[-5:],
    }


def _invoke_in_process(function: Any, event: Any = None) -> tuple[str, bool, str]:
    """Replacement for moto's `LambdaFunction._invoke_lambda`: (payload, errored, logs)."""
    name = function.function_name
    if isinstance(event, (str, bytes)):
        event = json.loads(event or "{}")
    try:
        result = invoke(name, event if event is not None else {}, function_arn=function.function_arn)
    except Exception as error:  # noqa: BLE001 - the Lambda runtime turns any exception into a FunctionError
        logger.warning("local lambda %s failed: %s: %s", name, type(error).__name__, error)
        return json.dumps(error_payload(error)), True, ""
    return json.dumps(result, default=str), False, ""


_installed = False


def install_dispatch() -> None:
    """Patch moto so registered functions run in this process (idempotent)."""
    global _installed
    from moto.awslambda.models import LambdaFunction

    with _lock:
        if _installed:
            return
        original = LambdaFunction._invoke_lambda

        def dispatch(self: Any, event: Any = None) -> tuple[str, bool, str]:
            if self.function_name in registered():
                return _invoke_in_process(self, event)
            return original(self, event)

        LambdaFunction._invoke_lambda = dispatch  # type: ignore[method-assign]  # a deliberate patch of moto
        _installed = True


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("local.py", "# dispatched in-process by voiceclone.local.lambdas\n")
    return buffer.getvalue()


def ensure_role(iam_client: Any) -> str:
    """The IAM role moto requires every Lambda function to have."""
    try:
        return iam_client.get_role(RoleName=LAMBDA_ROLE_NAME)["Role"]["Arn"]
    except iam_client.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        return iam_client.create_role(RoleName=LAMBDA_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]


def create_function(lambda_client: Any, role_arn: str, name: str) -> str:
    """Create (or find) Lambda function `name` in moto; returns its ARN."""
    try:
        return lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except lambda_client.exceptions.ResourceNotFoundException:
        pass
    handler_path = _registry.get(name, "local:handler")
    created = lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role_arn,
        Handler=handler_path.replace(":", "."),
        Code={"ZipFile": _placeholder_zip()},
        Timeout=DEFAULT_TIMEOUT_S,
    )
    return created["FunctionArn"]


def create_functions(lambda_client: Any, iam_client: Any) -> dict[str, str]:
    """Create every registered function in moto; returns name → ARN."""
    role_arn = ensure_role(iam_client)
    return {name: create_function(lambda_client, role_arn, name) for name in registered()}
