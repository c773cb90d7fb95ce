"""Start and stop state-machine executions; an execution is named after its job id.

Execution input is `{"job_id", "user_id"}` (the contract of voiceclone.workflows.definitions).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache


class WorkflowStartError(Exception):
    """The execution could not be started; the message says why (recorded on the failed job)."""


@lru_cache(maxsize=8)
def _client(endpoint_url: str | None):
    import boto3  # on first use: read-only requests never pay its import

    return boto3.client("stepfunctions", endpoint_url=endpoint_url)


def sfn_client():
    return _client(os.environ.get("AWS_ENDPOINT_URL_SFN") or os.environ.get("AWS_ENDPOINT_URL"))


def start_execution(state_machine_arn: str, job_id: str, user_id: str) -> str:
    """Start the execution `job_id`; returns its ARN. Raises WorkflowStartError."""
    if not state_machine_arn:
        raise WorkflowStartError("the state machine is not configured (set its ARN in the settings)")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = sfn_client().start_execution(
            stateMachineArn=state_machine_arn,
            name=job_id,
            input=json.dumps({"job_id": job_id, "user_id": user_id}),
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise WorkflowStartError(f"could not start the workflow: {error.get('Code')}: {error.get('Message')}") from exc
    except BotoCoreError as exc:
        raise WorkflowStartError(f"could not reach Step Functions: {exc}") from exc
    return response["executionArn"]


def stop_execution(execution_arn: str | None, cause: str = "cancelled by the user") -> bool:
    """Stop an execution; False when there is none or it already ended (the job status decides anyway)."""
    if not execution_arn:
        return False
    from botocore.exceptions import ClientError

    try:
        sfn_client().stop_execution(executionArn=execution_arn, error="Cancelled", cause=cause)
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ExecutionDoesNotExist", "ExecutionNotFound"):
            return False
        raise
