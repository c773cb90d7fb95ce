"""An API handler's import builds no pydantic validator: views, stored records and quality reports are
built by the first request that uses them, so a module never pays for the other areas' models."""

from __future__ import annotations

import json
import subprocess
import sys

# A view or record of every area; none is built by importing a handler.
_MODELS = (
    "voiceclone.services.views.samples:SampleView", "voiceclone.services.views.tts:TtsJobView",
    "voiceclone.services.views.account:AccountView", "voiceclone.services.views.quality:VoiceQualityView",
    "voiceclone.services.views.base:ErrorBody", "voiceclone.domain.samples:VoiceSample",
    "voiceclone.domain.tts:TtsJob", "voiceclone.domain.voices:VoiceModel",
    "voiceclone.quality.report:VoiceQualityReport",
)

_PROBE = """
import importlib, json
import functions.api.{handler}
built = {{}}
for path in {models!r}:
    module, name = path.split(":")
    built[name] = getattr(importlib.import_module(module), name).__pydantic_complete__
from voiceclone.services.views.base import ErrorBody
ErrorBody.model_validate({{"error": {{"code": "c", "message": "m"}}}})  # the first use builds it
built["ErrorBody after use"] = ErrorBody.__pydantic_complete__
print(json.dumps(built))
"""


def test_importing_a_handler_builds_no_view_or_record_validator():
    for handler in ("tts", "samples", "voices"):
        probe = _PROBE.format(handler=handler, models=_MODELS)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
        built = json.loads(out.stdout)
        assert built.pop("ErrorBody after use") is True
        assert not any(built.values()), (handler, built)


_LOADED = """
import functions.api.{handler}, json, sys
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("voiceclone.services.views.", "voiceclone.store.")))))
"""


def _loaded_by(handler: str) -> set[str]:
    probe = _LOADED.format(handler=handler)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout))


def test_a_handler_loads_its_own_areas_views_and_repositories_only():
    keys = _loaded_by("keys")
    assert {"voiceclone.services.views.api_keys", "voiceclone.store.api_keys"} <= keys
    others = {"voiceclone.services.views.tts", "voiceclone.services.views.voices", "voiceclone.services.views.engines",
              "voiceclone.store.batches", "voiceclone.store.jobs", "voiceclone.store.samples", "voiceclone.store.voices"}
    assert not keys & others, keys & others
    voices = _loaded_by("voices")
    assert {"voiceclone.services.views.voices", "voiceclone.store.voices", "voiceclone.store.samples"} <= voices
    assert not voices & {"voiceclone.services.views.tts", "voiceclone.store.batches", "voiceclone.store.api_keys"}


def test_naming_a_model_type_or_counting_training_jobs_does_not_load_the_registry_table():
    for handler in ("voices", "samples", "account"):
        probe = f"import functions.api.{handler}, sys; print('voiceclone.domain.registry' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
        assert out.stdout.strip() == "False", handler


def test_the_repositories_a_handler_uses_load_with_it_not_at_the_first_request():
    # Store imports a repository's module where it is first asked for; the services import the ones they use.
    assert {"voiceclone.store.jobs", "voiceclone.store.users", "voiceclone.store.voices",
            "voiceclone.store.engine_status", "voiceclone.store.samples", "voiceclone.store.batches"} <= _loaded_by("tts")
    assert {"voiceclone.store.samples", "voiceclone.store.jobs", "voiceclone.store.users"} <= _loaded_by("samples")
