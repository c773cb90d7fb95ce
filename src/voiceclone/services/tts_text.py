"""What a TTS request's text and style become before the job exists: its language(s) and style reference.

- No `language` in the request: the text's language is detected (voiceclone.text.detection); a text
  mixing languages is split into runs, each spoken in its language. A language the voice's engine does
  not speak is refused (422) naming the part and the language. Too little text to tell (or too unsure):
  the voice's own language, `language_detected` false.
- `style_sample_id`: a ready sample of the caller (another user's: 404, as if it did not exist; not ready:
  422); only engines whose registry row has `style_reference` take one. `style_instructions` (free text,
  "whispered, excited") only engines with `style_instructions` (OpenAI's `instructions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceclone.domain.errors import InvalidInput
from voiceclone.domain.long_form import LanguagePart
from voiceclone.domain.registry import REGISTRY, EngineSpec
from voiceclone.domain.samples import SampleStatus
from voiceclone.store import Store
from voiceclone.store.samples import SampleRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.text.detection import detect_text, engine_code

EXCERPT_CHARACTERS = 40  # of a refused part, quoted in the error
# Detected among every language some engine speaks, so a part the voice's engine lacks is named, not misread.
PLATFORM_LANGUAGES = tuple(sorted({code for spec in REGISTRY.values() for code in spec.languages}))


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    detected: bool = False
    confidence: float | None = None
    parts: list[LanguagePart] = field(default_factory=list)  # empty: the whole text in `language`


def choose_language(text: str, requested: str | None, spec: EngineSpec, voice_language: str) -> LanguageChoice:
    if requested is not None:
        return LanguageChoice(requested)
    main, runs = detect_text(text, PLATFORM_LANGUAGES)
    if main is None:
        return LanguageChoice(voice_language)
    parts = [_spoken_part(text, run, spec) for run in runs]
    language = engine_code(main.language, spec.languages)
    if language is None:
        raise InvalidInput(f"the text is in {main.language}, which {spec.model_type} does not speak; it speaks "
                           f"{', '.join(spec.languages)}")
    if len({part.language for part in parts}) <= 1:
        parts = []
    return LanguageChoice(language, True, main.confidence, parts)


def _spoken_part(text: str, run: LanguagePart, spec: EngineSpec) -> LanguagePart:
    code = engine_code(run.language, spec.languages)
    if code is None:
        excerpt = text[run.start : run.end][:EXCERPT_CHARACTERS]
        raise InvalidInput(
            f"characters {run.start}-{run.end} of the text (\"{excerpt}...\") are in {run.language}, which "
            f"{spec.model_type} does not speak; it speaks {', '.join(spec.languages)}. Give `language` to speak "
            "the whole text in one language, or use a voice whose engine speaks both"
        )
    return run.model_copy(update={"language": code})


def check_style(
    store: Store, user_id: str, spec: EngineSpec, style_sample_id: str | None, style_instructions: str | None
) -> None:
    if style_sample_id is not None:
        if not spec.style_reference:
            raise InvalidInput(f"{spec.model_type} takes no style reference (style_sample_id); engines that do: "
                               f"their registry row's style_reference")
        sample = store.samples.get(user_id, style_sample_id)  # another user's sample: 404
        if sample.status != SampleStatus.READY:
            raise InvalidInput(f"style sample '{style_sample_id}' is {sample.status}; a style reference must be ready")
    if style_instructions is not None and not spec.style_instructions:
        raise InvalidInput(f"{spec.model_type} takes no style_instructions; use style_sample_id or an engine that "
                           "takes text instructions (openai)")
