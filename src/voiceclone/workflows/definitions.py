"""The training and TTS state machines as ASL (Amazon States Language) Python data.

One source for CDK (`DefinitionBody.from_string(json.dumps(...))` with `definition_substitutions`)
and for local runs (`render(...)` then moto's interpreter). Resource ARNs and queue URLs are
`${Placeholder}` strings; `placeholders(definition)` lists them.

Contracts (README.md, "Workflows", has the whole picture):
- Execution input: `{"job_id": ..., "user_id": ...}` (other fields are ignored); name = job id.
- Every Lambda gets `{"kind": "training"|"tts", "job_id", "user_id", ...}`.
- mark-processing returns for training `{"route": "gpu"|"remote", "voice_id", "voice_name", "model_type",
  "config", "language", "samples": [{"sample_id", "key", "transcript", "language"}]}` and for TTS
  `{"route": "gpu"|"remote", "engine", "payload": <SynthPayload fields>}`.
- enhance-sample (one Map item) gets `{"job_id", "user_id", "sample": <one of samples>}` and returns
  `{"sample_id", "clips": [{"key", "duration_s", "transcript", "language"}]}`.
- The GPU queues get `voiceclone.workers.messages` bodies; the task's result lands in `$.result`.
- Errors are caught into `$.error` (`{"Error", "Cause"}`) and handed to fail-job, whose answer
  `{"status", "message"}` becomes the Fail state's cause.

Written within what moto 5.2.5's interpreter runs (measured; README.md, "What moto 5.2.5's interpreter runs"): a Fail state takes
a fixed `Error` because moto rejects `States.*` names arriving through `ErrorPath`.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

Definition = dict[str, Any]

# Placeholder names: CDK's definition_substitutions keys and the local runner's substitutions.
MARK_PROCESSING_FUNCTION = "MarkProcessingFunctionArn"
ENHANCE_SAMPLE_FUNCTION = "EnhanceSampleFunctionArn"
REGISTER_VOICE_FUNCTION = "RegisterVoiceFunctionArn"
FINALIZE_TTS_FUNCTION = "FinalizeTtsFunctionArn"
REMOTE_SYNTHESIZE_FUNCTION = "RemoteSynthesizeFunctionArn"
REMOTE_CLONE_FUNCTION = "RemoteCloneFunctionArn"
FAIL_JOB_FUNCTION = "FailJobFunctionArn"
BATCH_STEPS_FUNCTION = "BatchStepsFunctionArn"  # the batch workflow's start, finish and fail (`step` in the event)
BATCH_REMOTE_ITEM_FUNCTION = "BatchRemoteItemFunctionArn"
TRAIN_QUEUE_URL = "TrainQueueUrl"
SYNTH_QUEUE_URL = "SynthQueueUrl"

# Worker deadlines. A worker heartbeats well inside HEARTBEAT; the heartbeat also covers the wait
# in the queue and a scale-from-zero start, so it is generous.
TRAIN_HEARTBEAT_S = 900
TRAIN_TIMEOUT_S = 6 * 3600
SYNTH_HEARTBEAT_S = 300
SYNTH_TIMEOUT_S = 15 * 60
ENHANCE_MAX_CONCURRENCY = 4

# Errors worth a retry: Lambda service trouble and throttling (AWS's recommended set), and a
# MongoDB connection blip surfacing from a handler (errorType is the exception's class name).
TRANSIENT_LAMBDA_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "AutoReconnect",
    "NetworkTimeout",
    "ServerSelectionTimeoutError",
    "ConnectionFailure",
]
# A function at its reserved concurrency (sized to MongoDB's connection limit) throttles: wait for a
# slot longer than for a blip (an enhance-sample run may hold one for minutes).
THROTTLED_LAMBDA_ERRORS = ["Lambda.TooManyRequestsException"]
THROTTLED_ATTEMPTS = 8
THROTTLED_MAX_DELAY_S = 60
# Sending to SQS failed before any worker saw the message: safe to send again.
TRANSIENT_SQS_ERRORS = ["SQS.SdkClientException", "SQS.InternalError", "SQS.ThrottlingException"]

# Which handler module serves each function placeholder, and the queue each URL placeholder names.
LAMBDA_HANDLERS = {
    MARK_PROCESSING_FUNCTION: "functions.orchestration.mark_processing",
    ENHANCE_SAMPLE_FUNCTION: "functions.orchestration.enhance_sample",
    REGISTER_VOICE_FUNCTION: "functions.orchestration.register_voice",
    FINALIZE_TTS_FUNCTION: "functions.orchestration.finalize_tts",
    REMOTE_SYNTHESIZE_FUNCTION: "functions.orchestration.remote_synthesize",
    REMOTE_CLONE_FUNCTION: "functions.orchestration.remote_clone",
    FAIL_JOB_FUNCTION: "functions.orchestration.fail_job",
    BATCH_STEPS_FUNCTION: "functions.orchestration.batch_steps",
    BATCH_REMOTE_ITEM_FUNCTION: "functions.orchestration.batch_remote_item",
}
QUEUES = {TRAIN_QUEUE_URL: "train", SYNTH_QUEUE_URL: "synth"}
TRAINING_STATE_MACHINE = "voiceclone-training"
TTS_STATE_MACHINE = "voiceclone-tts"
TTS_BATCH_STATE_MACHINE = "voiceclone-batch"

TRAINING_FAILED = "TrainingJobFailed"
TTS_FAILED = "TtsJobFailed"
TTS_BATCH_FAILED = "TtsBatchFailed"
# A batch's voice groups speak on this many workers at once; remote items call their provider this many at once.
BATCH_GROUP_CONCURRENCY = 4
BATCH_REMOTE_CONCURRENCY = 4
SYNTH_BATCH_TIMEOUT_S = 2 * 3600  # one group: up to 25 items (voiceclone.domain.batch.GROUP_MAX_ITEMS)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def _placeholder(name: str) -> str:
    return "${" + name + "}"


def _retry(errors: list[str], attempts: int = 3, max_delay_s: int = 20) -> dict[str, Any]:
    return {
        "ErrorEquals": errors,
        "IntervalSeconds": 1,
        "BackoffRate": 2.0,
        "MaxAttempts": attempts,
        "MaxDelaySeconds": max_delay_s,
        "JitterStrategy": "FULL",
    }


def _lambda_retries(attempts: int = 3) -> list[dict[str, Any]]:
    return [
        _retry(THROTTLED_LAMBDA_ERRORS, THROTTLED_ATTEMPTS, THROTTLED_MAX_DELAY_S),
        _retry(TRANSIENT_LAMBDA_ERRORS, attempts),
    ]


_CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FailJob"}]


def _lambda_task(
    function: str, payload: dict[str, Any] | None, next_state: str | None, result_path: str | None
) -> dict[str, Any]:
    """Invoke a Lambda (its ARN as Resource: the function's answer is the result) with `payload`
    (None: the state's whole input)."""
    state: dict[str, Any] = {"Type": "Task", "Resource": _placeholder(function)}
    if payload is not None:
        state["Parameters"] = payload
    state.update(
        {"ResultPath": result_path, "Retry": _lambda_retries(), "Catch": _CATCH_ALL}
    )
    state.update({"Next": next_state} if next_state else {"End": True})
    return state


def _job_payload(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "job_id.$": "$.job_id", "user_id.$": "$.user_id", **fields}


def _gpu_task(
    queue: str, kind: str, payload: dict[str, Any] | str, heartbeat_s: int, timeout_s: int, next_state: str
) -> dict[str, Any]:
    """Send a job message carrying the task token; the worker's SendTaskSuccess output is the result."""
    body: dict[str, Any] = {
        "task_token.$": "$$.Task.Token",
        "job_id.$": "$.job_id",
        "user_id.$": "$.user_id",
        "kind": kind,
    }
    if isinstance(payload, str):
        body["payload.$"] = payload
    else:
        body["payload"] = payload
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": _placeholder(queue), "MessageBody": body},
        "HeartbeatSeconds": heartbeat_s,
        "TimeoutSeconds": timeout_s,
        "ResultPath": "$.result",
        "Retry": [_retry(TRANSIENT_SQS_ERRORS)],
        "Catch": _CATCH_ALL,
        "Next": next_state,
    }


def _failure_states(kind: str, fail_error: str) -> dict[str, Any]:
    fail_job = _lambda_task(
        FAIL_JOB_FUNCTION, _job_payload(kind, **{"error.$": "$.error"}), "Failed", "$.failure"
    )
    # fail-job must not catch into itself; give it more patience with transient trouble instead.
    del fail_job["Catch"]
    fail_job["Retry"] = _lambda_retries(attempts=6)
    return {
        "FailJob": fail_job,
        "Failed": {"Type": "Fail", "Error": fail_error, "CausePath": "$.failure.message"},
    }


def training_definition(
    heartbeat_s: int = TRAIN_HEARTBEAT_S,
    timeout_s: int = TRAIN_TIMEOUT_S,
    max_concurrency: int = ENHANCE_MAX_CONCURRENCY,
) -> Definition:
    """mark processing -> Map(enhance-sample) -> Choice(where the model type runs) -> Train (GPU queue) |
    remote-clone -> register-voice; errors -> fail-job."""
    enhance = _lambda_task(ENHANCE_SAMPLE_FUNCTION, None, None, "$")
    del enhance["Catch"]  # an item's error fails the Map, whose Catch hands it to fail-job
    return {
        "Comment": "voiceclone training: samples -> enhanced clips -> GPU training or a remote clone -> voice",
        "StartAt": "MarkProcessing",
        "States": {
            "MarkProcessing": _lambda_task(
                MARK_PROCESSING_FUNCTION, _job_payload("training"), "PrepareSamples", "$.job"
            ),
            "PrepareSamples": {
                "Type": "Map",
                "ItemsPath": "$.job.samples",
                "MaxConcurrency": max_concurrency,
                "ItemSelector": {
                    "job_id.$": "$.job_id",
                    "user_id.$": "$.user_id",
                    "sample.$": "$$.Map.Item.Value",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "EnhanceSample",
                    "States": {"EnhanceSample": enhance},
                },
                "ResultPath": "$.prepared",
                "Catch": _CATCH_ALL,
                "Next": "ChooseTrainingStep",
            },
            "ChooseTrainingStep": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.job.route", "StringEquals": "remote", "Next": "RemoteClone"}],
                "Default": "Train",
            },
            "RemoteClone": _lambda_task(
                REMOTE_CLONE_FUNCTION,
                _job_payload(
                    "training",
                    **{
                        "voice_id.$": "$.job.voice_id",
                        "voice_name.$": "$.job.voice_name",
                        "model_type.$": "$.job.model_type",
                        "language.$": "$.job.language",
                        "clips.$": "$.prepared[*].clips[*]",
                    },
                ),
                "RegisterVoice",
                "$.result",
            ),
            "Train": _gpu_task(
                TRAIN_QUEUE_URL,
                "train",
                {
                    "voice_id.$": "$.job.voice_id",
                    "model_type.$": "$.job.model_type",
                    "config.$": "$.job.config",
                    "clips.$": "$.prepared[*].clips[*]",
                },
                heartbeat_s,
                timeout_s,
                "RegisterVoice",
            ),
            "RegisterVoice": _lambda_task(
                REGISTER_VOICE_FUNCTION,
                _job_payload("training", **{"result.$": "$.result"}),
                None,
                "$.registered",
            ),
            **_failure_states("training", TRAINING_FAILED),
        },
    }


def tts_definition(heartbeat_s: int = SYNTH_HEARTBEAT_S, timeout_s: int = SYNTH_TIMEOUT_S) -> Definition:
    """mark processing -> Choice(engine) -> Synthesize (GPU queue) | remote-synthesize -> finalize-tts."""
    remote = _lambda_task(
        REMOTE_SYNTHESIZE_FUNCTION,
        _job_payload("tts", **{"engine.$": "$.job.engine", "payload.$": "$.job.payload"}),
        "FinalizeTts",
        "$.result",
    )
    return {
        "Comment": "voiceclone TTS: text -> speech in a voice, on a GPU worker or a remote engine",
        "StartAt": "MarkProcessing",
        "States": {
            "MarkProcessing": _lambda_task(
                MARK_PROCESSING_FUNCTION, _job_payload("tts"), "ChooseEngine", "$.job"
            ),
            "ChooseEngine": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.job.route", "StringEquals": "gpu", "Next": "Synthesize"}],
                "Default": "RemoteSynthesize",
            },
            "Synthesize": _gpu_task(
                SYNTH_QUEUE_URL, "synthesize", "$.job.payload", heartbeat_s, timeout_s, "FinalizeTts"
            ),
            "RemoteSynthesize": remote,
            "FinalizeTts": _lambda_task(
                FINALIZE_TTS_FUNCTION, _job_payload("tts", **{"result.$": "$.result"}), None, "$.finalized"
            ),
            **_failure_states("tts", TTS_FAILED),
        },
    }


def tts_batch_definition(
    heartbeat_s: int = SYNTH_HEARTBEAT_S,
    timeout_s: int = SYNTH_BATCH_TIMEOUT_S,
    group_concurrency: int = BATCH_GROUP_CONCURRENCY,
    remote_concurrency: int = BATCH_REMOTE_CONCURRENCY,
) -> Definition:
    """batch-start (items grouped per voice) -> Map(groups): one GPU message per group | the remote step
    per item -> batch-finish; a group's or an item's error is kept for batch-finish (the other groups go
    on); any other error -> batch-fail.

    Each Map item's output is small (the group's indices and voice, an error): texts stay in MongoDB."""
    batch = {"job_id.$": "$.job_id", "user_id.$": "$.user_id"}
    keep_error = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "GroupDone"}]
    speak_group = _gpu_task(SYNTH_QUEUE_URL, "synthesize_batch", "$.group.payload", heartbeat_s, timeout_s, "GroupDone")
    speak_group["Catch"] = keep_error
    remote_item = _lambda_task(
        BATCH_REMOTE_ITEM_FUNCTION,
        _job_payload("tts_batch", **{"engine.$": "$.engine", "speaker.$": "$.speaker", "index.$": "$.index"}),
        None,
        "$.result",
    )
    remote_item["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RemoteItemFailed"}]
    speak_remote = {
        "Type": "Map",
        "ItemsPath": "$.group.payload.indices",
        "MaxConcurrency": remote_concurrency,
        "ItemSelector": {
            **batch,
            "engine.$": "$.group.engine",
            "speaker.$": "$.group.payload",
            "index.$": "$$.Map.Item.Value",
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "RemoteItem",
            "States": {"RemoteItem": remote_item, "RemoteItemFailed": {"Type": "Pass", "End": True}},
        },
        "ResultPath": "$.remote",
        "Catch": keep_error,
        "Next": "GroupDone",
    }
    fail_batch = _lambda_task(
        BATCH_STEPS_FUNCTION, _job_payload("tts_batch", step="fail", **{"error.$": "$.error"}), "Failed", "$.failure"
    )
    del fail_batch["Catch"]  # batch-fail must not catch into itself
    fail_batch["Retry"] = _lambda_retries(attempts=6)
    catch_all = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FailBatch"}]
    start = _lambda_task(BATCH_STEPS_FUNCTION, _job_payload("tts_batch", step="start"), "SpeakGroups", "$.batch")
    finish = _lambda_task(
        BATCH_STEPS_FUNCTION, _job_payload("tts_batch", step="finish", **{"groups.$": "$.groups"}), "BatchOutcome", "$.finished"
    )
    for state in (start, finish):
        state["Catch"] = catch_all
    return {
        "Comment": "voiceclone batch TTS: items grouped per voice, each group spoken by one worker (or item by item remotely)",
        "StartAt": "MarkProcessing",
        "States": {
            "MarkProcessing": start,
            "SpeakGroups": {
                "Type": "Map",
                "ItemsPath": "$.batch.groups",
                "MaxConcurrency": group_concurrency,
                "ItemSelector": {**batch, "group.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "ChooseGroupRoute",
                    "States": {
                        "ChooseGroupRoute": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.group.route", "StringEquals": "gpu", "Next": "SpeakGroup"}],
                            "Default": "SpeakRemoteItems",
                        },
                        "SpeakGroup": speak_group,
                        "SpeakRemoteItems": speak_remote,
                        "GroupDone": {"Type": "Pass", "End": True},
                    },
                },
                "ResultPath": "$.groups",
                "Catch": catch_all,
                "Next": "FinishBatch",
            },
            "FinishBatch": finish,
            "BatchOutcome": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.finished.status", "StringEquals": "failed", "Next": "BatchFailed"}],
                "Default": "BatchDone",
            },
            "BatchDone": {"Type": "Succeed"},
            "BatchFailed": {"Type": "Fail", "Error": TTS_BATCH_FAILED, "CausePath": "$.finished.message"},
            "FailBatch": fail_batch,
            "Failed": {"Type": "Fail", "Error": TTS_BATCH_FAILED, "CausePath": "$.failure.message"},
        },
    }


def placeholders(definition: Definition) -> set[str]:
    """Names of every `${Name}` placeholder in the definition."""
    return set(_PLACEHOLDER.findall(json.dumps(definition)))


def render(definition: Definition, substitutions: dict[str, str]) -> Definition:
    """A copy with every `${Name}` replaced; raises KeyError naming any placeholder left unfilled."""
    missing = placeholders(definition) - substitutions.keys()
    if missing:
        raise KeyError(f"no substitution for placeholders: {', '.join(sorted(missing))}")

    def substitute(value: Any) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], value)
        if isinstance(value, dict):
            return {key: substitute(item) for key, item in value.items()}
        if isinstance(value, list):
            return [substitute(item) for item in value]
        return value

    return substitute(copy.deepcopy(definition))
