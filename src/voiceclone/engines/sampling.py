"""The one table that turns the API's voice_settings into XTTS sampling parameters.

| voice setting      | XTTS parameter      | formula                                   | at the defaults |
|--------------------|---------------------|-------------------------------------------|-----------------|
| stability  s       | temperature         | clamp(0.95 - 0.6*s + 0.3*style, 0.1, 1.2) | 0.50            |
| stability  s       | top_p               | 0.95 - 0.2*s                              | 0.80            |
| similarity_boost b | top_k               | round(90 - 60*b)                          | 45              |
| style      t       | repetition_penalty  | 10 - 5*t                                  | 10.0            |
| speed      v       | speed (latent time stretch, 1/v) | v                            | 1.0             |

Defaults are the API's (stability 0.75, similarity_boost 0.75, style 0, speed 1). More stability
means a colder, narrower sampling (steadier prosody); more similarity keeps fewer candidate codes (closer
to the conditioning voice); more style warms the sampling and relaxes the repetition penalty (livelier).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from voiceclone.domain.tts import VoiceSettings


@dataclass(frozen=True)
class SamplingParameters:
    temperature: float
    top_p: float
    top_k: int
    repetition_penalty: float
    speed: float

    def as_kwargs(self) -> dict[str, float | int]:
        return asdict(self)


def sampling_parameters(settings: VoiceSettings) -> SamplingParameters:
    temperature = 0.95 - 0.6 * settings.stability + 0.3 * settings.style
    return SamplingParameters(
        temperature=round(min(max(temperature, 0.1), 1.2), 4),
        top_p=round(0.95 - 0.2 * settings.stability, 4),
        top_k=round(90 - 60 * settings.similarity_boost),
        repetition_penalty=round(10.0 - 5.0 * settings.style, 4),
        speed=settings.speed,
    )
