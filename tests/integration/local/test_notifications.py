"""S3 uploads under raw/ (and, on their own route, deletions) reach the registered handler
asynchronously, as S3 event notifications do."""

import time
import uuid
from urllib.parse import unquote_plus

import pytest

from voiceclone.local import lambdas, notifications

received: list[dict] = []
removals: list[dict] = []
failures: list[dict] = []


def record(event, context):
    received.append(event)


def record_removal(event, context):
    removals.append(event)


def fail_once(event, context):
    failures.append(event)
    if len(failures) == 1:
        raise RuntimeError("first delivery fails")
    received.append(event)


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def route(aws):
    received.clear()
    removals.clear()
    failures.clear()
    suffix = uuid.uuid4().hex[:8]
    bucket = aws.create_bucket(f"notify-{suffix}")
    return notifications.NotificationRoute(bucket, "raw/", f"analyze-{suffix}", f"uploads-{suffix}")


def start_poller(aws, route, handler_path):
    lambdas.register(route.function_name, handler_path)
    sqs = aws.client("sqs")
    queue_url = notifications.connect(aws.client("s3"), sqs, [route])[route]
    poller = notifications.NotificationPoller(sqs, queue_url, route.function_name)
    poller.start()
    return poller, queue_url


def test_upload_under_raw_reaches_the_handler_with_an_s3_event(aws, route):
    poller, _ = start_poller(aws, route, f"{__name__}:record")
    try:
        key = "raw/alice/smp_1/my take (1).wav"
        aws.client("s3").put_object(Bucket=route.bucket, Key=key, Body=b"RIFF....")
        aws.client("s3").put_object(Bucket=route.bucket, Key="prepared/alice/x.wav", Body=b"ignored")
        assert wait_for(lambda: len(received) == 1)
        (record_,) = received[0]["Records"]
        assert record_["eventSource"] == "aws:s3"
        assert record_["eventName"].startswith("ObjectCreated:")
        assert record_["s3"]["bucket"]["name"] == route.bucket
        # Keys arrive URL-encoded, exactly as in AWS.
        assert record_["s3"]["object"]["key"] != key
        assert unquote_plus(record_["s3"]["object"]["key"]) == key
        time.sleep(0.5)
        assert len(received) == 1  # prepared/ is not under the raw/ prefix
    finally:
        poller.stop()


def test_a_failed_delivery_is_retried(aws, route):
    poller, queue_url = start_poller(aws, route, f"{__name__}:fail_once")
    sqs = aws.client("sqs")
    # Short visibility so the retry comes quickly.
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "1"})
    try:
        aws.client("s3").put_object(Bucket=route.bucket, Key="raw/bob/smp_2/take.wav", Body=b"RIFF")
        assert wait_for(lambda: len(received) == 1)
        assert len(failures) == 2
    finally:
        poller.stop()


def test_one_bucket_carries_an_upload_route_and_a_removal_route(aws, route):
    removal_route = notifications.NotificationRoute(
        route.bucket, "raw/", f"cleanup-{route.queue_name}", f"removals-{route.queue_name}", notifications.OBJECT_REMOVED
    )
    lambdas.register(route.function_name, f"{__name__}:record")
    lambdas.register(removal_route.function_name, f"{__name__}:record_removal")
    s3, sqs = aws.client("s3"), aws.client("sqs")
    queue_urls = notifications.connect(s3, sqs, [route, removal_route])
    pollers = notifications.pollers(sqs, queue_urls)
    for poller in pollers:
        poller.start()
    try:
        key = "raw/carol/smp_3/take 2.wav"
        s3.put_object(Bucket=route.bucket, Key=key, Body=b"RIFF")
        assert wait_for(lambda: len(received) == 1)
        s3.delete_object(Bucket=route.bucket, Key=key)
        s3.put_object(Bucket=route.bucket, Key="raw/carol/smp_4/b.wav", Body=b"RIFF")
        s3.delete_objects(Bucket=route.bucket, Delete={"Objects": [{"Key": "raw/carol/smp_4/b.wav"}]})
        s3.delete_object(Bucket=route.bucket, Key="prepared/carol/x.wav")  # outside raw/, and absent
        assert wait_for(lambda: len(removals) == 2)
        names_and_keys = sorted(
            (r["eventName"], unquote_plus(r["s3"]["object"]["key"])) for e in removals for r in e["Records"]
        )
        assert names_and_keys == [
            ("ObjectRemoved:Delete", "raw/carol/smp_3/take 2.wav"),
            ("ObjectRemoved:Delete", "raw/carol/smp_4/b.wav"),
        ]
        time.sleep(0.5)
        assert len(received) == 2 and len(removals) == 2  # each route sees only its own event types
        assert all(r["eventName"].startswith("ObjectCreated:") for e in received for r in e["Records"])
    finally:
        for poller in pollers:
            poller.stop()


def test_a_queue_feeds_a_single_function(aws, route):
    other = notifications.NotificationRoute(route.bucket, "tts/", "another-function", route.queue_name)
    with pytest.raises(ValueError, match="cannot feed both"):
        notifications.connect(aws.client("s3"), aws.client("sqs"), [route, other])
