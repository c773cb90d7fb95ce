"""XTTS engine and synth worker figures, measured in one run on CPU:

1. a synthesis job through the worker (SQS message with a real Step Functions task token -> audio in
   the outputs bucket) against a direct coqui `Xtts.inference` call on the same text, tiny model and
   token count: ratio of medians, target <= 1.10 once the voice is cached;
2. first (cold: download + load) against second (cached) request for the same voice, instant and
   fine-tuned;
3. streaming a 600-character text: time to first audio and total, for coqui's `inference_stream` and for
   ours, against non-streaming synthesis;
4. the full-size XTTS v2 architecture with random weights: real-time factor and peak memory for one
   short sentence (a fresh process; takes a minute or two).

Random weights never stop generating, so every text chunk is capped at a fixed token count
(BENCH_XTTS_TOKENS, default 48); both sides of each comparison generate the same number of tokens.
Medians over BENCH_XTTS_RUNS (default 5; streaming and full size run once: minutes each).
Writes bench/results/xtts.json and xtts.md.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_XTTS_RUNS", "5"))
TOKENS = int(os.environ.get("BENCH_XTTS_TOKENS", "48"))
STREAM_TOKENS = int(os.environ.get("BENCH_XTTS_STREAM_TOKENS", "120"))
FULL_SIZE_TOKENS = int(os.environ.get("BENCH_XTTS_FULL_TOKENS", "100"))
TEXT = "The quick brown fox jumps over the lazy dog near the river bank."
LONG_TEXT = (
    "Streaming matters when a text is long. The listener should hear the first words while the rest is "
    "still being generated, and the total time should not grow faster than the text. Coqui's streaming "
    "decodes every latent produced so far for each new piece, so its cost grows with the square of the "
    "length. Ours decodes each piece once, with a little context on the left, so the cost stays linear. "
    "This paragraph is about six hundred characters long, enough for three chunks in English, so that "
    "both ways of streaming can be compared fairly on the very same words and the same voice settings, today."
)
SETTINGS = {"stability": 0.75, "similarity_boost": 0.75, "style": 0.0}
TARGET_RATIO = 1.10

FULL_SIZE_PROBE = """
import json, resource, sys, time, torch
sys.path.insert(0, {repo!r})
from voiceclone.engines.xtts.tiny import tiny_xtts_dir, LANGUAGES
from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
from TTS.tts.models.xtts import Xtts
vocab = tiny_xtts_dir() / "vocab.json"
# XTTS v2's published architecture (30 layers, 1024 channels); only the vocabulary is ours.
args = XttsArgs(gpt_num_audio_tokens=1026, gpt_start_audio_token=1024, gpt_stop_audio_token=1025,
                gpt_use_perceiver_resampler=True, gpt_max_audio_tokens=605)
model = Xtts(XttsConfig(model_args=args, languages=LANGUAGES))
model.tokenizer = VoiceBpeTokenizer(vocab_file=str(vocab))
model.init_models()
model.eval()
params = sum(p.numel() for p in model.parameters())
import soundfile
ref, rate = soundfile.read({reference!r}, dtype="float32")
started = time.perf_counter()
latents, speaker = model.get_conditioning_latents([{reference!r}])
out = model.inference("hello world, this is a short sentence.", "en", latents, speaker,
                      max_new_tokens={tokens}, min_new_tokens={tokens}, temperature=0.5, top_p=0.8, top_k=45)
seconds = time.perf_counter() - started
audio_s = len(out["wav"]) / 24000
print(json.dumps({{"params_millions": round(params / 1e6, 1), "synthesis_s": round(seconds, 2),
                  "audio_s": round(audio_s, 2), "real_time_factor": round(seconds / audio_s, 2),
                  "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "threads": torch.get_num_threads()}}))
"""


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


class Platform:
    """moto (S3, SQS, Step Functions) and SecantusDB for the worker path, as in the local run."""

    def __init__(self):
        from voiceclone.local.aws import aws_environment, start_moto_server
        from voiceclone.local.database import EmbeddedDatabase

        self.moto = start_moto_server()
        os.environ.update(aws_environment(self.moto.endpoint_url))
        self.scratch = Path(tempfile.mkdtemp(prefix="bench-xtts-"))
        self.database = EmbeddedDatabase(self.scratch / "db")
        self.mongo_uri = self.database.start()
        suffix = uuid.uuid4().hex[:8]
        self.buckets = {kind: f"bench-{kind}-{suffix}" for kind in ("samples", "models", "outputs")}
        s3 = self.moto.client("s3")
        for name in self.buckets.values():
            s3.create_bucket(Bucket=name)
        self.queue_url = self.moto.client("sqs").create_queue(QueueName=f"bench-synth-{suffix}")["QueueUrl"]
        self.machine_arn = self._state_machine()

    def _state_machine(self) -> str:
        body = {k: f"$.{k}" for k in ("job_id", "user_id", "kind", "payload")}
        definition = {
            "StartAt": "Synthesize",
            "States": {
                "Synthesize": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": self.queue_url,
                        "MessageBody": {"task_token.$": "$$.Task.Token", **{f"{k}.$": v for k, v in body.items()}},
                    },
                    "HeartbeatSeconds": 60,
                    "End": True,
                }
            },
        }
        return self.moto.client("stepfunctions").create_state_machine(
            name=f"bench-{uuid.uuid4().hex[:6]}", definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]

    def settings(self):
        from voiceclone.config import Settings

        return Settings(
            mongo_uri=self.mongo_uri, db_name="bench", samples_bucket=self.buckets["samples"],
            models_bucket=self.buckets["models"], outputs_bucket=self.buckets["outputs"],
            synth_queue_url=self.queue_url,
        )

    def stop(self):
        self.database.stop()
        self.moto.stop()


def _voice_files(engine, model_type: str, work_dir: Path) -> dict[str, Path]:
    from tests.support.speech import english_utterances
    from voiceclone.engines.base import FineTuneConfig, TrainingClip

    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()]
    config = FineTuneConfig(epochs=1, batch_size=5)
    return engine.create_voice(model_type, clips, config, lambda f, s: None, work_dir).files


def _upload_voice(platform_, files: dict[str, Path], voice_id: str) -> dict[str, str]:
    s3 = platform_.moto.client("s3")
    keys = {}
    for name, path in files.items():
        keys[name] = f"voices/bench/{voice_id}/{path.name}"
        s3.upload_file(str(path), platform_.buckets["models"], keys[name])
    return keys


def _synth_job(platform_, worker, store, voice_id, model_type, keys, text=TEXT) -> tuple[float, float, dict]:
    """(worker seconds: receive -> SendTaskSuccess, end-to-end seconds: start -> execution done, metrics)."""
    from voiceclone.domain.jobs import JobStatus
    from voiceclone.domain.tts import TtsJob

    job_id = f"tts_{uuid.uuid4().hex[:10]}"
    store.tts.create(TtsJob(user_id="bench", job_id=job_id, voice_model_id=voice_id, engine=model_type,
                            text=text, characters=len(text)))
    store.tts.transition("bench", job_id, JobStatus.PROCESSING)
    payload = {"voice_id": voice_id, "model_type": model_type, "voice_artifact_keys": keys, "text": text,
               "voice_settings": SETTINGS, "output_format": "mp3", "output_key": f"tts/bench/{job_id}.mp3"}
    sfn = platform_.moto.client("stepfunctions")
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=platform_.machine_arn, name=job_id, input=json.dumps(
        {"job_id": job_id, "user_id": "bench", "kind": "synthesize", "payload": payload}))["executionArn"]
    sqs = platform_.moto.client("sqs")
    while True:
        messages = sqs.receive_message(QueueUrl=platform_.queue_url, WaitTimeSeconds=1).get("Messages")
        if messages:
            break
    received = time.perf_counter()
    outcome = worker.process(messages[0])
    handled = time.perf_counter()
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        time.sleep(0.01)
    assert outcome == "succeeded" and described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    return handled - received, time.perf_counter() - started, {**output["metrics"], "audio_s": output["duration_s"]}


def measure_worker_vs_direct(platform_, registry, instant_files) -> dict:
    import torch

    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.sampling import sampling_parameters
    from voiceclone.store import Store
    from voiceclone.workers.loop import LoopSettings, Worker
    from voiceclone.workers.synth import SynthHandler
    from voiceclone.workers.tracking import StoreJobTracker
    from voiceclone.workers.voice_cache import VoiceCache

    engine = registry.engine_for("xtts_v2_instant")
    settings = platform_.settings()
    store = Store.from_settings(settings)
    handler = SynthHandler(settings, registry, platform_.moto.client("s3"), VoiceCache(1 << 30))
    worker = Worker(handler, LoopSettings(queue_url=platform_.queue_url, heartbeat_s=20, poll_wait_s=1),
                    sqs=platform_.moto.client("sqs"), sfn=platform_.moto.client("stepfunctions"),
                    tracker=StoreJobTracker(store))
    keys = _upload_voice(platform_, instant_files, "voice_instant")
    cold = _synth_job(platform_, worker, store, "voice_instant", "xtts_v2_instant", keys)
    voice = engine.load_voice("xtts_v2_instant", instant_files)
    params = sampling_parameters(VoiceSettings(**SETTINGS))
    cached, direct, direct_audio = [], [], []
    for _ in range(RUNS):  # interleaved, so load from other work hits both sides alike
        cached.append(_synth_job(platform_, worker, store, "voice_instant", "xtts_v2_instant", keys))
        started = time.perf_counter()
        with torch.inference_mode():
            out = engine.model.inference(
                TEXT, "en", voice.latents.gpt_cond_latent, voice.latents.speaker_embedding,
                temperature=params.temperature, top_p=params.top_p, top_k=params.top_k,
                repetition_penalty=params.repetition_penalty, max_new_tokens=TOKENS,
            )
        direct.append(time.perf_counter() - started)
        direct_audio.append(len(out["wav"]) / 24000)
    worker_s = _median([c[0] for c in cached])
    # Random weights may sample the stop token early: compare time per second of audio too.
    direct_per_audio = _median([t / a for t, a in zip(direct, direct_audio, strict=True)])
    worker_per_audio = _median([c[0] / c[2]["audio_s"] for c in cached])
    return {
        "direct_inference_s": _median(direct),
        "direct_audio_s": _median(direct_audio),
        "worker_job_s": worker_s,
        "worker_audio_s": _median([c[2]["audio_s"] for c in cached]),
        "ratio_worker_vs_direct_per_audio_second": round(worker_per_audio / direct_per_audio, 3),
        "worker_job_end_to_end_s": _median([c[1] for c in cached]),
        "ratio_worker_vs_direct": round(worker_s / _median(direct), 3),
        "ratio_median_of_pairs": _median([c[0] / d for c, d in zip(cached, direct, strict=True)]),
        "target_ratio": TARGET_RATIO,
        "worker_breakdown_s": {k: _median([c[2][k] for c in cached]) for k in cached[0][2] if k.endswith("_s")},
        "instant_cold_job_s": round(cold[0], 4),
        "instant_cold_load_voice_s": cold[2]["load_voice_s"],
        "instant_cached_load_voice_s": _median([c[2]["load_voice_s"] for c in cached]),
        "_worker": worker,
        "_store": store,
    }


def measure_fine_tuned_cold_vs_cached(platform_, engine, worker, store, fine_tuned_files) -> dict:
    keys = _upload_voice(platform_, fine_tuned_files, "voice_ft")
    cold = _synth_job(platform_, worker, store, "voice_ft", "xtts_v2", keys)
    cached = [_synth_job(platform_, worker, store, "voice_ft", "xtts_v2", keys) for _ in range(RUNS)]
    return {
        "fine_tuned_cold_job_s": round(cold[0], 4),
        "fine_tuned_cold_load_voice_s": cold[2]["load_voice_s"],
        "fine_tuned_cached_job_s": _median([c[0] for c in cached]),
        "fine_tuned_cached_load_voice_s": _median([c[2]["load_voice_s"] for c in cached]),
        "cache_hits": worker.handler.cache.hits,
        "cache_misses": worker.handler.cache.misses,
    }


def measure_streaming(engine_stream, instant_files) -> dict:
    import torch

    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.sampling import sampling_parameters
    from voiceclone.engines.text import split_text

    voice = engine_stream.load_voice("xtts_v2_instant", instant_files)
    settings = VoiceSettings(**SETTINGS)
    params = sampling_parameters(settings)
    chunks = split_text(LONG_TEXT, 250)

    def timed(pieces_iter):
        started = time.perf_counter()
        first = None
        samples = 0
        for piece in pieces_iter:
            first = first if first is not None else time.perf_counter() - started
            samples += len(piece)
        return {"first_audio_s": round(first, 3), "total_s": round(time.perf_counter() - started, 3),
                "audio_s": round(samples / 24000, 2)}

    def coqui_stream():
        model = engine_stream.model
        with torch.inference_mode():
            for chunk in chunks:
                yield from model.inference_stream(
                    chunk, "en", voice.latents.gpt_cond_latent, voice.latents.speaker_embedding,
                    stream_chunk_size=20, temperature=params.temperature, top_p=params.top_p, top_k=params.top_k,
                    repetition_penalty=params.repetition_penalty, max_new_tokens=STREAM_TOKENS,
                )

    def whole():
        yield engine_stream.synthesize(LONG_TEXT, voice, "en", settings).samples

    results = {
        "text_characters": len(LONG_TEXT),
        "text_chunks": len(chunks),
        "tokens_per_chunk": STREAM_TOKENS,
        "non_streaming": timed(whole()),
        "ours_streaming": timed(engine_stream.stream(LONG_TEXT, voice, "en", settings)),
        "coqui_inference_stream": timed(coqui_stream()),
    }
    results["coqui_vs_ours_total"] = round(results["coqui_inference_stream"]["total_s"] / results["ours_streaming"]["total_s"], 2)
    return results


def measure_full_size(reference: Path) -> dict:
    probe = FULL_SIZE_PROBE.format(repo=str(REPO_ROOT), reference=str(reference), tokens=FULL_SIZE_TOKENS)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=1800, check=False,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.speech import english_utterances
    from voiceclone.engines.registry import EngineOptions, EngineRegistry
    from voiceclone.engines.xtts.engine import XttsEngine
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    model_dir = tiny_xtts_dir()
    registry = EngineRegistry(EngineOptions(xtts_model_dir=model_dir, device="cpu", max_new_tokens=TOKENS))
    engine = registry.engine_for("xtts_v2_instant")
    scratch = Path(tempfile.mkdtemp(prefix="bench-xtts-voices-"))
    (scratch / "instant").mkdir()
    (scratch / "ft").mkdir()
    instant_files = _voice_files(engine, "xtts_v2_instant", scratch / "instant")
    fine_tuned_files = _voice_files(engine, "xtts_v2", scratch / "ft")

    platform_ = Platform()
    try:
        worker_figures = measure_worker_vs_direct(platform_, registry, instant_files)
        worker, store = worker_figures.pop("_worker"), worker_figures.pop("_store")
        cold_cached = measure_fine_tuned_cold_vs_cached(platform_, engine, worker, store, fine_tuned_files)
    finally:
        platform_.stop()
    stream_engine = XttsEngine(model_dir, device="cpu", max_new_tokens=STREAM_TOKENS)
    stream_engine._model = engine.model  # same loaded base model
    streaming = measure_streaming(stream_engine, instant_files)
    full_size = measure_full_size(english_utterances()[0].path)

    import torch

    figures = {
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
                    "torch": torch.__version__, "note": "shared 2-core machine: figures are noisy",
                    "load_average": round(os.getloadavg()[0], 2)},
        "tokens_per_chunk": TOKENS,
        "runs": RUNS,
        "worker_vs_direct": worker_figures,
        "cold_vs_cached": cold_cached,
        "streaming_600_chars": streaming,
        "full_size_random_weights_cpu": full_size,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "xtts.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS / "xtts.md").write_text(_markdown(figures))
    print(_markdown(figures))
    return figures


def _markdown(f: dict) -> str:
    w, c, s, full = f["worker_vs_direct"], f["cold_vs_cached"], f["streaming_600_chars"], f["full_size_random_weights_cpu"]
    lines = [
        "# XTTS engine and synth worker (CPU, tiny random XTTS v2 unless noted)",
        "",
        (f"{f['machine']['cpus']} CPUs shared with other work (load average {f['machine'].get('load_average')} "
        f"at the end), torch {f['machine']['torch']}; "
        f"{f['tokens_per_chunk']} audio tokens per chunk; medians of {f['runs']} runs."),
        "",
        "| measure | value |",
        "|---|---|",
        f"| direct `Xtts.inference` | {w['direct_inference_s']} s for {w['direct_audio_s']} s of audio |",
        (f"| worker job, voice cached (receive -> SendTaskSuccess, incl. MP3 + S3 upload) | {w['worker_job_s']} s "
        f"for {w['worker_audio_s']} s of audio |"),
        (f"| **ratio worker / direct, median of paired runs** (target <= {w['target_ratio']}) | "
        f"**{w['ratio_median_of_pairs']}** |"),
        (f"| ratio of medians / per second of audio | {w['ratio_worker_vs_direct']} / "
        f"{w['ratio_worker_vs_direct_per_audio_second']} |"),
        f"| worker job end to end (StartExecution -> SUCCEEDED) | {w['worker_job_end_to_end_s']} s |",
        f"| instant voice: cold job / load | {w['instant_cold_job_s']} s / {w['instant_cold_load_voice_s']} s |",
        f"| instant voice: cached load | {w['instant_cached_load_voice_s']} s |",
        f"| fine-tuned voice: cold job / load | {c['fine_tuned_cold_job_s']} s / {c['fine_tuned_cold_load_voice_s']} s |",
        f"| fine-tuned voice: cached job / load | {c['fine_tuned_cached_job_s']} s / {c['fine_tuned_cached_load_voice_s']} s |",
        "",
        f"Streaming a {s['text_characters']}-character text ({s['text_chunks']} chunks, {s['tokens_per_chunk']} tokens each, one run):",
        "",
        "| | first audio | total | audio |",
        "|---|---|---|---|",
    ]
    for name in ("non_streaming", "ours_streaming", "coqui_inference_stream"):
        r = s[name]
        lines.append(f"| {name} | {r['first_audio_s']} s | {r['total_s']} s | {r['audio_s']} s |")
    lines += ["", f"coqui `inference_stream` total / ours: **{s['coqui_vs_ours_total']}x**", ""]
    if "error" in full:
        lines.append(f"Full-size run failed: {full['error'][-300:]}")
    else:
        lines.append(
            f"Full-size XTTS v2 architecture, random weights, CPU ({full['params_millions']} M parameters, one short "
            f"sentence, {full['audio_s']} s of audio): {full['synthesis_s']} s, real-time factor "
            f"**{full['real_time_factor']}**, peak memory **{full['peak_memory_mb']} MB**."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
