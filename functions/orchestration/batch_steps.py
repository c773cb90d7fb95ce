"""batch-steps Lambda: the batch TTS workflow's own steps, by the event's `step` (voiceclone.workflows.batch):
`start` (items grouped per voice), `finish` (outcomes, refunds, the zip), `fail` (where its errors end).
One function for the three keeps the batch workflow's share of MongoDB connections small
(infra/reserved_concurrency.py)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID
from voiceclone.store import get_store
from voiceclone.workflows.batch import BatchStepEvent, FailBatchEvent, FinishEvent, fail, finish, start


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    settings = get_settings()
    store = get_store(settings)
    step = event.get("step")
    if step == "start":
        started = BatchStepEvent.model_validate(event)
        return start(store, started.user_id, started.job_id)
    if step == "finish":
        return finish(store, settings, FinishEvent.model_validate(event))
    if step == "fail":
        failing = FailBatchEvent.model_validate(event)
        return fail(store, settings, failing.user_id, failing.job_id, failing.error)
    raise ValueError(f"batch-steps: unknown step {step!r} (start, finish or fail)")
