"""Long texts through the synth worker: spoken sentence by sentence with progress, timestamps and WebVTT
next to the audio, a style reference that changes prosody but not the speaker, and a 20 000-character
text finished by a second worker from the finished sentences of one killed mid-text."""

from __future__ import annotations

import io
import json
import signal

import pytest
import soundfile

from tests.integration.workers.conftest import create_tts_job, make_worker, poll_until_handled, upload_voice
from tests.integration.workers.test_entry_points import _start, _wait_until
from tests.support import webvtt
from voiceclone.domain.long_form import groups, plan
from voiceclone.domain.timestamps import Timestamps
from voiceclone.engines.registry import EngineOptions, EngineRegistry
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.voice_cache import VoiceCache

FAST_TOKENS = 3  # audio codes per sentence: ~0.14 s of (babbled) audio, ~0.2 s of CPU with the tiny weights

SENTENCES = [  # about 240 characters each (XTTS takes 250 at once): a 20 000-character text is ~85 sentences
    ("The lighthouse keeper climbed the narrow stairs every evening, long before the sun went down over the bay, "
     "and he counted the steps under his breath as his father had done, one hundred and twelve of them, never one "
     "more and never one less."),
    ("Ships passing the rocky coast relied on the beam, and in forty years he had not missed a single night, not "
     "even the winter his hands were too stiff to hold the oil can and his daughter had to climb the stairs with "
     "him, step by step."),
    ("On the twelfth of March a storm came in from the west, heavier than anything the village remembered, and the "
     "harbour master ordered every boat to stay tied up until dawn, whatever the price of fish might be at the "
     "market the next day."),
    ("He trimmed the wick, polished the great lens and listened to the wind testing every window of the tower, one "
     "after the other, like a visitor walking around a house at night and looking for a door that somebody had "
     "forgotten to lock."),
    ("Far below, the last fishing boats were hurrying home, their lanterns swinging like fireflies above the waves, "
     "and he could hear the men shouting to each other over the noise of the water as they came around the point "
     "one by one!"),
    ("Would the old light hold through the night, or would the sea finally win the argument it had started so many "
     "years ago, when the first stones of the tower were carried up from the beach by men whose names nobody "
     "remembered any more?"),
]


def long_text(characters: int) -> str:
    """Paragraphs of real sentences (four each) up to about `characters`."""
    paragraphs, sentences, size = [], [], 0
    while size < characters:
        sentence = SENTENCES[len(sentences) % len(SENTENCES)]
        sentences.append(sentence)
        size += len(sentence) + 1
        if len(sentences) % 4 == 0:
            paragraphs.append(" ".join(sentences[-4:]))
    if len(sentences) % 4:
        paragraphs.append(" ".join(sentences[-(len(sentences) % 4) :]))
    return "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def fast_registry(tiny_model) -> EngineRegistry:
    return EngineRegistry(EngineOptions(xtts_model_dir=tiny_model, device="cpu", max_new_tokens=FAST_TOKENS))


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Torch's second thread spins when the cores are busy: on a shared machine one thread costs a tenth
    of the CPU per sentence (bench/results/long_form.md)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _payload(keys, user_id: str, job_id: str, text: str, **extra) -> dict:
    return {"voice_id": "voice_l", "model_type": "xtts_v2_instant", "voice_artifact_keys": keys, "text": text,
            "language": "en", "output_format": "wav", "output_key": f"tts/{user_id}/{job_id}.wav", **extra}


def _read(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _checkpoint_keys(s3, bucket: str, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def check_timing(s3, settings, user_id: str, job_id: str, text: str) -> Timestamps:
    """timestamps.json and the .vtt beside the audio agree with the audio and with the text's sentences."""
    audio, rate = soundfile.read(io.BytesIO(_read(s3, settings.outputs_bucket, f"tts/{user_id}/{job_id}.wav")))
    duration_s = len(audio) / rate
    timestamps = Timestamps.model_validate_json(_read(s3, settings.outputs_bucket, f"tts/{user_id}/{job_id}.timestamps.json"))
    assert [s.text for s in timestamps.sentences] == [s.text for s in plan(text, "en")]
    assert timestamps.duration_s == pytest.approx(duration_s, abs=0.002)
    previous_end = 0.0
    for sentence in timestamps.sentences:
        assert previous_end <= sentence.start_s < sentence.end_s <= duration_s + 0.001, sentence
        previous_end = sentence.end_s
    paragraph_gaps = [b.start_s - a.end_s for a, b in zip(timestamps.sentences, timestamps.sentences[1:], strict=False)
                      if b.paragraph != a.paragraph]
    sentence_gaps = [b.start_s - a.end_s for a, b in zip(timestamps.sentences, timestamps.sentences[1:], strict=False)
                     if b.paragraph == a.paragraph]
    assert min(paragraph_gaps) > max(sentence_gaps) > 0  # longer pauses between paragraphs
    vtt = _read(s3, settings.outputs_bucket, f"tts/{user_id}/{job_id}.vtt").decode()
    assert webvtt.problems(vtt) == []
    assert webvtt.cue_times(vtt) == [(s.start_s, s.end_s) for s in timestamps.sentences]
    return timestamps


def test_a_long_text_is_spoken_by_sentence_with_timestamps_and_subtitles(
    settings, aws, store, machine, fast_registry, instant_voice_files
):
    text = long_text(1500)
    assert len(groups(plan(text, "en"))) >= 3
    keys = upload_voice(aws, settings.models_bucket, "lena", "voice_l", instant_voice_files)
    create_tts_job(store, "lena", "tts_long", "voice_l", text)
    worker = make_worker(SynthHandler(settings, fast_registry, aws.client("s3"), VoiceCache(64 << 20)),
                         machine.queue_url, store, aws)
    execution = machine.start("tts_long", "lena", "synthesize", _payload(keys, "lena", "tts_long", text))
    poll_until_handled(worker)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    metrics = json.loads(described["output"])["metrics"]
    assert metrics["sentences"] == len(plan(text, "en")) and metrics["resumed_sentences"] == 0
    s3 = aws.client("s3")
    check_timing(s3, settings, "lena", "tts_long", text)
    assert _checkpoint_keys(s3, settings.models_bucket, "checkpoints/lena/tts_long/") == []  # done with them


def test_a_style_reference_changes_prosody_not_the_speaker(fast_registry, instant_voice_files, speech):
    engine = fast_registry.engine_for("xtts_v2_instant")
    voice = engine.load_voice("xtts_v2_instant", instant_voice_files)
    styled = engine.with_style(voice, speech[-1].path, 1.0)
    half = engine.with_style(voice, speech[-1].path, 0.5)
    assert (styled.latents.speaker_embedding == voice.latents.speaker_embedding).all()
    assert not (styled.latents.gpt_cond_latent == voice.latents.gpt_cond_latent).all()
    expected_half = (voice.latents.gpt_cond_latent + styled.latents.gpt_cond_latent) / 2
    assert (half.latents.gpt_cond_latent - expected_half).abs().max() < 1e-5


@pytest.mark.timeout(900)  # a safety net for a machine shared by many test runs
def test_a_worker_killed_mid_text_is_finished_by_another_from_the_finished_sentences(
    settings, aws, store, machine, fast_registry, instant_voice_files, tiny_model, tmp_path
):
    text = long_text(20_000)
    planned = plan(text, "en")
    keys = upload_voice(aws, settings.models_bucket, "kai", "voice_l", instant_voice_files)
    create_tts_job(store, "kai", "tts_kill", "voice_l", text)
    execution = machine.start("tts_kill", "kai", "synthesize", _payload(keys, "kai", "tts_kill", text))
    s3, log = aws.client("s3"), tmp_path / "synth.log"
    first = _start("voiceclone.workers.synth", tiny_model, {
        "VOICECLONE_SYNTH_QUEUE_URL": machine.queue_url, "VOICECLONE_WORKER_VISIBILITY_TIMEOUT_S": "4",
        "VOICECLONE_XTTS_MAX_NEW_TOKENS": str(FAST_TOKENS), "OMP_NUM_THREADS": "1"}, log)
    prefix = "checkpoints/kai/tts_kill/speech/"
    try:
        _wait_until(lambda: len(_checkpoint_keys(s3, settings.models_bucket, prefix)) >= 2, 240,
                    "two finished groups", first, log)
    finally:
        first.send_signal(signal.SIGKILL)  # no goodbye: the message stays in flight until its visibility ends
        first.wait(timeout=30)
    finished = len(_checkpoint_keys(s3, settings.models_bucket, prefix))
    stage = store.tts.get("kai", "tts_kill").stage or ""
    assert stage.startswith("sentence ") and int(stage.split()[1]) >= finished  # progress by sentence

    second = make_worker(SynthHandler(settings, fast_registry, s3, VoiceCache(64 << 20)), machine.queue_url, store, aws)
    poll_until_handled(second, timeout_s=60)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    metrics = json.loads(described["output"])["metrics"]
    sentences_kept = sum(len(group) for group in groups(planned)[:finished])
    assert metrics["resumed_sentences"] >= sentences_kept > 0  # not from the start
    assert metrics["sentences"] == len(planned)
    check_timing(s3, settings, "kai", "tts_kill", text)
    assert _checkpoint_keys(s3, settings.models_bucket, "checkpoints/kai/tts_kill/") == []
