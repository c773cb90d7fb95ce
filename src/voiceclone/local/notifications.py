"""S3 event notifications delivered to an in-process Lambda handler, asynchronously as in AWS.

moto can notify only Lambda (synchronously, inside the upload request), SQS or SNS. So the bucket
notifies an SQS queue and `NotificationPoller` long-polls it and calls the registered handler with the
S3 event exactly as S3 sends it (keys URL-encoded). A handler error leaves the message to be retried
after its visibility timeout; after `max_receives` tries the queue's redrive moves it to a dead-letter
queue, as an async Lambda invocation would give up. A bucket holds a single notification configuration,
so `connect` writes each bucket's from all of its routes (uploads to one function, removals to another).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voiceclone.local import lambdas
from voiceclone.local.aws import ensure_queue, queue_arn

logger = logging.getLogger(__name__)


# moto 5.2.5 emits ObjectRemoved:Delete on DeleteObject(s) of an unversioned bucket; it never runs
# lifecycle rules, so LifecycleExpiration events come only from AWS.
OBJECT_CREATED = ("s3:ObjectCreated:*",)
OBJECT_REMOVED = ("s3:ObjectRemoved:*", "s3:LifecycleExpiration:*")


@dataclass(frozen=True)
class NotificationRoute:
    """`events` on objects under `prefix` in `bucket` go through queue `queue_name` to Lambda `function_name`.

    Routes to the same function may share a queue (one poller then serves them all).
    """

    bucket: str
    prefix: str
    function_name: str
    queue_name: str
    events: tuple[str, ...] = OBJECT_CREATED

    @property
    def configuration_id(self) -> str:
        kinds = "-".join(sorted({event.split(":")[1] for event in self.events}))
        return f"{self.function_name}-on-{self.prefix.strip('/') or 'all'}-{kinds}"


def connect(
    s3_client: Any, sqs_client: Any, routes: Sequence[NotificationRoute], max_receives: int = 3
) -> dict[NotificationRoute, str]:
    """Create each route's queue (+ dead-letter queue) and each bucket's whole notification
    configuration (it replaces the previous one); returns route -> queue URL."""
    _check_one_function_per_queue(routes)
    queue_urls = {route: _ensure_route_queue(sqs_client, route.queue_name, max_receives) for route in routes}
    by_bucket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for route, queue_url in queue_urls.items():
        by_bucket[route.bucket].append(_queue_configuration(route, queue_arn(sqs_client, queue_url)))
    for bucket, configurations in by_bucket.items():
        s3_client.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configurations}
        )
    return queue_urls


def pollers(sqs_client: Any, queue_urls: dict[NotificationRoute, str]) -> list[NotificationPoller]:
    """One (unstarted) poller per queue of `connect`'s result, for the function its routes go to."""
    functions = {queue_url: route.function_name for route, queue_url in queue_urls.items()}
    return [NotificationPoller(sqs_client, queue_url, name) for queue_url, name in functions.items()]


def _check_one_function_per_queue(routes: Sequence[NotificationRoute]) -> None:
    functions: dict[str, str] = {}
    for route in routes:
        if functions.setdefault(route.queue_name, route.function_name) != route.function_name:
            raise ValueError(
                f"Queue {route.queue_name!r} cannot feed both {functions[route.queue_name]!r} "
                f"and {route.function_name!r}: its poller calls one function."
            )


def _ensure_route_queue(sqs_client: Any, queue_name: str, max_receives: int) -> str:
    dead_letter_url = ensure_queue(sqs_client, f"{queue_name}-dlq")
    redrive = {"deadLetterTargetArn": queue_arn(sqs_client, dead_letter_url), "maxReceiveCount": str(max_receives)}
    return ensure_queue(sqs_client, queue_name, {"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "30"})


def _queue_configuration(route: NotificationRoute, arn: str) -> dict[str, Any]:
    return {
        "Id": route.configuration_id,
        "QueueArn": arn,
        "Events": list(route.events),
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": route.prefix}]}},
    }


class NotificationPoller:
    """A daemon thread that hands each S3 event on the queue to the route's Lambda handler."""

    def __init__(self, sqs_client: Any, queue_url: str, function_name: str, wait_s: int = 1) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url
        self._function_name = function_name
        self._wait_s = wait_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"s3-events-{function_name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling: one broken message or a restart must not end delivery
                logger.exception("S3 notification polling failed; retrying")
                self._stopping.wait(1.0)

    def poll_once(self) -> int:
        """Receive and deliver one batch; returns how many events were handled successfully."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self._wait_s
        )
        delivered = 0
        for message in response.get("Messages", []):
            if self._deliver(json.loads(message["Body"])):
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
        return delivered

    def _deliver(self, event: dict[str, Any]) -> bool:
        if event.get("Event") == "s3:TestEvent":
            return True
        try:
            lambdas.invoke(self._function_name, event)
        except lambdas.UnknownLocalFunction:
            logger.warning("no handler registered for %s yet; S3 event kept on the queue", self._function_name)
            return False
        except Exception:
            logger.exception("%s failed on an S3 event; it will be retried", self._function_name)
            return False
        return True
