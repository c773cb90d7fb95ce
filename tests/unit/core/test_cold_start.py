"""An API handler's import builds no pydantic validator: views, stored records and quality reports are
built by the first request that uses them, so a module never pays for the other areas' models."""

from __future__ import annotations

import json
import subprocess
import sys

# A view or record of every area; none is built by importing a handler.
_MODELS = (
    "voiceclone.services.views:SampleView", "voiceclone.services.views:TtsJobView",
    "voiceclone.services.views:AccountView", "voiceclone.services.views:VoiceQualityView",
    "voiceclone.services.views:ErrorBody", "voiceclone.domain.samples:VoiceSample",
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
from voiceclone.services.views import ErrorBody
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
