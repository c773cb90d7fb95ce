"""mark-processing's TTS answer is built from its models (TtsPlan with a SynthPayload or a
RemoteSynthPayload), and the TTS state machine reads exactly the fields those models have."""

from __future__ import annotations

import json
import re

import pytest

from functions.orchestration import mark_processing
from voiceclone.store import get_store
from voiceclone.workers.messages import RemoteSynthPayload, SynthMessage, SynthPayload
from voiceclone.workflows.definitions import tts_definition
from voiceclone.workflows.events import TtsPlan

from .records import ready_voice, tts_job

USER = "alice"


@pytest.fixture
def store(settings):
    return get_store(settings)


def _plan(store, voice, **job_fields) -> tuple[dict, TtsPlan]:
    job = tts_job(store, USER, voice, "Say this.", **job_fields)
    answer = mark_processing.lambda_handler({"kind": "tts", "job_id": job.job_id, "user_id": USER}, None)
    return answer, TtsPlan.model_validate(answer)


def test_a_gpu_voice_gets_a_synth_payload_the_worker_parses(store):
    voice = ready_voice(store, USER)
    answer, plan = _plan(store, voice, voice_settings={"stability": 0.3}, output_format="wav")
    assert plan.route == "gpu" and isinstance(plan.payload, SynthPayload)
    assert set(answer["payload"]) == set(SynthPayload.model_fields)  # nothing hand-added beside the model
    # the Synthesize state sends the payload as the SynthMessage's: the worker parses it back unchanged
    message = SynthMessage.model_validate({"task_token": "t", "job_id": "j", "user_id": USER, "payload": answer["payload"]})
    assert message.payload == plan.payload
    assert message.payload.voice_settings.stability == 0.3 and message.payload.output_key.endswith(".wav")


def test_a_remote_voice_gets_a_remote_payload_with_the_providers_voice(store):
    voice = ready_voice(store, USER, model_type="elevenlabs", artifact_keys={"provider_voice_id": "el-voice-1"})
    answer, plan = _plan(store, voice)
    assert plan.route == "remote" and plan.engine == "elevenlabs"
    assert isinstance(plan.payload, RemoteSynthPayload)
    assert set(answer["payload"]) == set(RemoteSynthPayload.model_fields)
    assert RemoteSynthPayload.model_validate(answer["payload"]).provider_voice() == "el-voice-1"


def test_the_tts_state_machine_reads_only_fields_of_the_plan():
    text = json.dumps(tts_definition())
    paths = set(re.findall(r'"\$\.job\.(\w+)', text))
    assert paths == {"route", "engine", "payload"}  # ChooseEngine, Synthesize, RemoteSynthesize
    assert paths <= set(TtsPlan.model_fields)
