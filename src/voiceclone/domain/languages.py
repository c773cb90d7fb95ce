"""Languages voices can be built and spoken in: XTTS v2's own list (checked at the API, 422 otherwise)."""

from typing import Annotated

from pydantic import AfterValidator

XTTS_V2_LANGUAGES: tuple[str, ...] = (
    "en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar", "zh-cn", "hu", "ko", "ja", "hi",
)


def _supported(value: str) -> str:
    code = value.strip().lower()
    if code not in XTTS_V2_LANGUAGES:
        raise ValueError(f"language {value!r} is not supported; use one of {', '.join(XTTS_V2_LANGUAGES)}")
    return code


Language = Annotated[str, AfterValidator(_supported)]
