"""S3 event notifications delivered to an in-process Lambda handler, asynchronously as in AWS.

moto can notify only Lambda (synchronously, inside the upload request), SQS or SNS. So the bucket
notifies an SQS queue and `NotificationPoller` long-polls it and calls the registered handler with the
S3 event exactly as S3 sends it (keys URL-encoded). A handler error leaves the message to be retried
after its visibility timeout; after `max_receives` tries the queue's redrive moves it to a dead-letter
queue, as an async Lambda invocation would give up.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from voiceclone.local import lambdas
from voiceclone.local.aws import ensure_queue, queue_arn

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationRoute:
    """Objects created under `prefix` in `bucket` go to Lambda function `function_name`."""

    bucket: str
    prefix: str
    function_name: str
    queue_name: str


def connect(s3_client: Any, sqs_client: Any, route: NotificationRoute, max_receives: int = 3) -> str:
    """Create the route's queue (+ dead-letter queue) and the bucket notification; returns the queue URL."""
    dead_letter_url = ensure_queue(sqs_client, f"{route.queue_name}-dlq")
    redrive = {"deadLetterTargetArn": queue_arn(sqs_client, dead_letter_url), "maxReceiveCount": str(max_receives)}
    queue_url = ensure_queue(
        sqs_client, route.queue_name, {"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "30"}
    )
    s3_client.put_bucket_notification_configuration(
        Bucket=route.bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": f"{route.function_name}-on-{route.prefix.strip('/') or 'all'}",
                    "QueueArn": queue_arn(sqs_client, queue_url),
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": route.prefix}]}},
                }
            ]
        },
    )
    return queue_url


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
