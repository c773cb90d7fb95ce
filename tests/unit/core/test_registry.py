"""The model registry is the one source of model types: facts, prices, training refusal, availability rules."""

from __future__ import annotations

import ast
import io
import subprocess
import tokenize
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from voiceclone.domain.availability import (
    NO_KEY,
    NO_WEIGHTS,
    NO_WORKER,
    NOT_PROBED,
    PROBE_STALE,
    EngineProbeRecord,
    StatusSnapshot,
    WeightsRecord,
    WorkerRecord,
    availability_of,
    catalogue_voice_id,
    parse_catalogue_voice_id,
)
from voiceclone.domain.registry import (
    CHARACTERS_PER_SECOND,
    GPU_USD_PER_HOUR,
    REGISTRY,
    ModelType,
    RunsOn,
    TrainingStep,
    trainable_model_types,
)
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.training import TrainingConfig
from voiceclone.domain.tts import VoiceSettings

ROOT = Path(__file__).resolve().parents[3]
REGISTRY_MODULES = {Path("src/voiceclone/domain/registry.py"), Path("src/voiceclone/domain/model_types.py")}
MODEL_TYPE_IDS = {str(model_type) for model_type in ModelType}


def _string_literals(path: Path):
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):  # f-strings
                continue
            yield token.start[0], value


def test_no_model_type_id_is_spelled_outside_the_registry():
    """Only the registry (and its ModelType enum's module) spells a model type's id as a string literal; the rest import ModelType."""
    tracked = subprocess.run(["git", "ls-files", "src", "functions"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    offenders = [
        f"{name}:{line}: {value!r}"
        for name in tracked
        if name.endswith(".py") and Path(name) not in REGISTRY_MODULES and (ROOT / name).is_file()
        for line, value in _string_literals(ROOT / name)
        if value in MODEL_TYPE_IDS
    ]
    assert offenders == []
    assert len(tracked) > 100  # the scan saw the tree


def test_the_scan_finds_a_spelled_model_type(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('ENGINE = "openai"\nOTHER = f"base/{ENGINE}/"\n"""openai in prose"""\n')
    assert [value for _, value in _string_literals(probe) if value in MODEL_TYPE_IDS] == ["openai"]


def test_every_model_type_has_one_complete_row():
    assert set(REGISTRY) == set(ModelType)
    for model_type, spec in REGISTRY.items():
        assert spec.model_type == model_type
        assert spec.languages and spec.output_formats and spec.max_characters_per_request > 0
        assert set(spec.voice_settings) <= set(VoiceSettings.model_fields)
        assert spec.licence.url.startswith("https://")
        assert spec.price.usd_per_1k_characters > 0 and spec.price.source and spec.price.as_of
        if spec.runs_on == RunsOn.REMOTE_API:
            assert spec.price.source.startswith("https://") and spec.price.verify  # a list price to verify
            assert spec.weights_name is None
        else:
            assert spec.weights_name and spec.price.source.startswith("bench/results/")
            audio_s = 1000 / CHARACTERS_PER_SECOND
            expected = GPU_USD_PER_HOUR / 3600 * spec.realtime_factor * audio_s
            assert spec.price.usd_per_1k_characters == pytest.approx(expected, abs=1e-4)


def test_the_self_hosted_price_factors_are_the_bench_figures():
    xtts = (ROOT / "bench/results/xtts.md").read_text()
    assert f"real-time factor **{REGISTRY[ModelType.XTTS_V2].realtime_factor}**" in xtts


def test_capabilities_are_consistent():
    for spec in REGISTRY.values():
        assert spec.instant_clone or spec.fine_tune or spec.preset_voices, spec.model_type
        if spec.training_step is not None:
            assert spec.can_clone
    assert not REGISTRY[ModelType.BARK].can_clone and REGISTRY[ModelType.BARK].preset_voices
    assert REGISTRY[ModelType.ELEVENLABS].instant_clone
    assert set(trainable_model_types()) == {ModelType.XTTS_V2, ModelType.XTTS_V2_INSTANT, ModelType.ELEVENLABS}
    assert REGISTRY[ModelType.ELEVENLABS].training_step == TrainingStep.REMOTE_CLONE


@pytest.mark.parametrize("model_type", ["bark", "openai", "azure"])
def test_training_refuses_engines_that_cannot_clone(model_type):
    with pytest.raises(ValidationError, match=f"{model_type} cannot clone a voice"):
        TrainingConfig.model_validate({"model_type": model_type})


@pytest.mark.parametrize("model_type", ["yourtts"])
def test_training_refuses_cloning_engines_it_does_not_run_yet(model_type):
    with pytest.raises(ValidationError, match="training on this platform does not run it yet"):
        TrainingConfig.model_validate({"model_type": model_type})


def test_catalogue_voice_ids_round_trip():
    assert catalogue_voice_id(ModelType.BARK, "v2/en_speaker_6") == "bark:v2/en_speaker_6"
    assert parse_catalogue_voice_id("bark:v2/en_speaker_6") == (ModelType.BARK, "v2/en_speaker_6")
    assert parse_catalogue_voice_id("azure:en-US-JennyNeural") == (ModelType.AZURE, "en-US-JennyNeural")
    assert parse_catalogue_voice_id("voice_01HXYZ") is None
    assert parse_catalogue_voice_id("nobody:alloy") is None
    assert parse_catalogue_voice_id("openai:") is None


AGE, BEAT = timedelta(hours=3), timedelta(minutes=2)


def _snapshot(probes=(), weights=(), workers=()):
    return StatusSnapshot(probes={p.model_type: p for p in probes}, weights={w.weights_name: w for w in weights},
                          workers=list(workers))


def test_remote_availability_follows_a_recent_probe():
    now, openai = utcnow(), REGISTRY[ModelType.OPENAI]
    assert availability_of(openai, _snapshot(), now, AGE, BEAT).reason == NOT_PROBED
    refused = EngineProbeRecord(model_type=ModelType.OPENAI, available=False, reason=NO_KEY, checked_at=now)
    assert availability_of(openai, _snapshot([refused]), now, AGE, BEAT).reason == NO_KEY
    good = EngineProbeRecord(model_type=ModelType.OPENAI, available=True, checked_at=now - timedelta(minutes=5))
    assert availability_of(openai, _snapshot([good]), now, AGE, BEAT).available
    old = good.model_copy(update={"checked_at": now - AGE - timedelta(seconds=1)})
    assert availability_of(openai, _snapshot([old]), now, AGE, BEAT).reason == PROBE_STALE


def test_self_hosted_availability_needs_weights_and_a_live_worker():
    now, bark = utcnow(), REGISTRY[ModelType.BARK]
    weights = WeightsRecord(weights_name="bark", present=True, checked_at=now)
    assert availability_of(bark, _snapshot(), now, AGE, BEAT).reason == NO_WEIGHTS
    assert availability_of(bark, _snapshot(weights=[weights]), now, AGE, BEAT).reason == NO_WORKER
    xtts_worker = WorkerRecord(worker_id="w1", model_types=[ModelType.XTTS_V2], heartbeat_at=now)
    assert availability_of(bark, _snapshot(weights=[weights], workers=[xtts_worker]), now, AGE, BEAT).reason == NO_WORKER
    stale = WorkerRecord(worker_id="w2", model_types=[ModelType.BARK], heartbeat_at=now - BEAT * 2)
    assert availability_of(bark, _snapshot(weights=[weights], workers=[stale]), now, AGE, BEAT).reason == NO_WORKER
    live = stale.model_copy(update={"heartbeat_at": now})
    state = availability_of(bark, _snapshot(weights=[weights], workers=[stale, live]), now, AGE, BEAT)
    assert state.available and state.checked_at == now
