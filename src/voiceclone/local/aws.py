"""The local AWS: moto's threaded server in this process, with Step Functions execution switched on.

moto keeps its state in process-global backends, so every server started here shares the same
buckets, queues and state machines; the Step Functions interpreter calls Lambda and SQS back on
`localhost:$MOTO_PORT`, which `start_moto_server` sets. S3 requests are checked as S3 checks presigned
ones (local/s3_guard) and, with `s3_data_dir`, written through to disk before they are answered
(local/s3_durability); see docs/local-durability.md.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


@dataclass
class MotoServer:
    """A running moto server and a boto3 client factory pointed at it."""

    server: Any
    endpoint_url: str
    region: str = REGION
    s3_disk: Any = None  # the DiskObjectStore S3 is written through to (None: memory only)

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def stop(self) -> None:
        self.server.stop()


def aws_environment(endpoint_url: str) -> dict[str, str]:
    """Environment that points boto3 (and so every handler) at the local moto server."""
    return {
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MOTO_PORT": endpoint_url.rsplit(":", 1)[1],  # the Step Functions interpreter calls back here
    }


def start_moto_server(host: str = "127.0.0.1", port: int = 0, s3_data_dir: Path | None = None) -> MotoServer:
    """Start moto on `host:port` (0 = a free port) with Step Functions executing state machines.

    With `s3_data_dir`, every acknowledged S3 write is on disk there first; `restore_s3` loads it back.
    The caller exports `aws_environment(endpoint_url)`: its MOTO_PORT is where the Step Functions
    interpreter reaches Lambda and SQS."""
    from voiceclone.local.moto_app import LocalAwsApplication, LocalMotoServer
    from voiceclone.local.moto_patches import install_moto_fixes
    from voiceclone.local.s3_disk import DiskObjectStore
    from voiceclone.local.s3_durability import WriteThrough, install_change_hooks
    from voiceclone.local.s3_guard import S3RequestGuard

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per moto request
    install_moto_fixes()
    disk = DiskObjectStore(s3_data_dir) if s3_data_dir is not None else None
    if disk is not None:
        install_change_hooks()
    application = LocalAwsApplication(S3RequestGuard(), WriteThrough(disk) if disk is not None else None)
    server = LocalMotoServer(application, host, port)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    endpoint_url = f"http://{bound_host}:{bound_port}"
    _post_config(endpoint_url, MOTO_CONFIG)
    return MotoServer(server=server, endpoint_url=endpoint_url, s3_disk=disk)


def _post_config(endpoint_url: str, config: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/config",
        data=json.dumps(config).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()


def ensure_bucket(s3_client: Any, name: str) -> None:
    try:
        s3_client.head_bucket(Bucket=name)
    except s3_client.exceptions.ClientError:
        s3_client.create_bucket(Bucket=name)


def ensure_queue(sqs_client: Any, name: str, attributes: dict[str, str] | None = None) -> str:
    return sqs_client.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]


def queue_arn(sqs_client: Any, queue_url: str) -> str:
    return sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
