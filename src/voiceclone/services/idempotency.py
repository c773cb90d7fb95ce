"""Run a create-job use-case once per Idempotency-Key (Powertools idempotency on MongoDB).

Same key + same body: the first call's answer. Same key + other body: InvalidInput (422). A call
arriving while the first is still running waits briefly for its answer, so both get the same job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from voiceclone.config import Settings
from voiceclone.domain.errors import Conflict, IdempotencyKeyReused, InvalidInput
from voiceclone.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

MAX_KEY_LENGTH = 200
WAIT_FOR_FIRST_S = 10.0
POLL_S = 0.1
# Without a Lambda context, an in-progress record is considered abandoned after this long.
DEFAULT_IN_PROGRESS_MS = 60_000


class _Deadline:
    def __init__(self, millis: int):
        self._until = time.monotonic() + millis / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._until - time.monotonic()) * 1000), 0)


def run_once(
    store: Store,
    settings: Settings,
    *,
    operation: str,
    user_id: str,
    key: str | None,
    request: dict[str, Any],
    action: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
) -> dict[str, Any]:
    """`action()` once per (operation, user, key); without a key it simply runs."""
    if not key:
        return action()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")
    # Imported here: Powertools' idempotency package pulls in boto3 (its DynamoDB layer) at import.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyValidationError,
    )

    from voiceclone.store.idempotency import MongoPersistenceLayer

    config = IdempotencyConfig(
        event_key_jmespath="[operation, user_id, key]",
        payload_validation_jmespath="request",
        expires_after_seconds=settings.idempotency_ttl_s,
        use_local_cache=False,
    )
    has_deadline = callable(getattr(lambda_context, "get_remaining_time_in_millis", None))
    # Powertools reads only get_remaining_time_in_millis() of the context: a _Deadline stands in outside Lambda.
    context = lambda_context if has_deadline else _Deadline(DEFAULT_IN_PROGRESS_MS)
    config.register_lambda_context(cast("LambdaContext", context))

    @idempotent_function(
        data_keyword_argument="data",
        persistence_store=MongoPersistenceLayer.for_database(store.database),
        config=config,
    )
    def run(data: dict[str, Any]) -> dict[str, Any]:
        return action()

    data = {"operation": operation, "user_id": user_id, "key": key, "request": request}
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        try:
            return run(data=data)
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request body") from exc
        except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError) as exc:
            if time.monotonic() >= deadline:
                raise Conflict("a request with this Idempotency-Key is still in progress; retry shortly") from exc
            time.sleep(POLL_S)
