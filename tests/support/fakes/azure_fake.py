"""Azure Speech text to speech, locally: `POST /cognitiveservices/v1` (SSML) and
`GET /cognitiveservices/voices/list`, checked against specs/azure-speech-tts.json."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from tests.support.fakes.audio import malformed_audio, speech_bytes
from tests.support.fakes.server import Answer, FakeProvider, OpenApiSpec, Request, SpecViolation

SPEC = OpenApiSpec("azure-speech-tts.json")
SSML = SPEC.document["paths"]["/cognitiveservices/v1"]["post"]["requestBody"]["content"]["application/ssml+xml"]["schema"]["x-ssml"]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VOICES = [
    {"Name": "Microsoft Server Speech Text to Speech Voice (en-US, AvaMultilingualNeural)", "DisplayName": "Ava",
     "LocalName": "Ava", "ShortName": "en-US-AvaMultilingualNeural", "Gender": "Female", "Locale": "en-US",
     "LocaleName": "English (United States)", "SampleRateHertz": "24000", "VoiceType": "Neural", "Status": "GA"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (en-US, JennyNeural)", "DisplayName": "Jenny",
     "LocalName": "Jenny", "ShortName": "en-US-JennyNeural", "Gender": "Female", "Locale": "en-US",
     "LocaleName": "English (United States)", "StyleList": ["assistant", "chat", "cheerful"],
     "SampleRateHertz": "24000", "VoiceType": "Neural", "Status": "GA"},
    {"Name": "Microsoft Server Speech Text to Speech Voice (de-DE, KatjaNeural)", "DisplayName": "Katja",
     "LocalName": "Katja", "ShortName": "de-DE-KatjaNeural", "Gender": "Female", "Locale": "de-DE",
     "LocaleName": "German (Germany)", "SampleRateHertz": "24000", "VoiceType": "Neural", "Status": "GA"},
]
_RATE = re.compile(r"^(?P<rate>8|16|22050|24|44100|48)(?P<unit>khz|hz)$")
_PROSODY_RATE = re.compile(r"^([+-]?\d+(\.\d+)?%|x-slow|slow|medium|fast|x-fast|default)$")


def format_codec(output_format: str) -> tuple[str, int]:
    """(fake codec, sample rate) of an X-Microsoft-OutputFormat value."""
    parts = output_format.split("-")
    match = _RATE.match(parts[1])
    if match is None:
        raise ValueError(output_format)
    rate = int(match["rate"]) * (1000 if match["unit"] == "khz" else 1)
    codec = parts[-1]
    if parts[0] == "riff":
        return {"pcm": "wav", "mulaw": "wav_ulaw", "alaw": "wav_alaw"}[codec], rate
    if parts[0] == "raw" and codec in ("pcm", "mulaw", "alaw"):
        return {"pcm": "pcm", "mulaw": "ulaw", "alaw": "alaw"}[codec], rate
    if codec == "mp3":
        return "mp3", rate
    if parts[0] in ("ogg", "audio") and codec == "opus":
        return "opus", rate
    raise LookupError(output_format)


class FakeAzureSpeech(FakeProvider):
    name = "azure"

    @property
    def base_url(self) -> str:
        return self.url

    def check_auth(self, request: Request) -> bool:
        return request.headers.get("ocp-apim-subscription-key") == self.api_key

    def error(self, status: int, message: str) -> Answer:
        if status == 401:  # the gateway's answer to a bad key
            return Answer.json(401, {"error": {"code": "401", "message": f"Access denied due to {message}"}})
        return Answer(status, message.encode(), {"Content-Type": "text/plain"})

    def route(self, request: Request) -> Answer:
        if request.method == "GET" and request.path == "/cognitiveservices/voices/list":
            for voice in VOICES:
                SPEC.check(voice, "Voice")
            return Answer.json(200, VOICES)
        if request.method == "POST" and request.path == "/cognitiveservices/v1":
            return self._speech(request)
        raise SpecViolation(f"no such operation in the spec: {request.method} {request.path}")

    def _speech(self, request: Request) -> Answer:
        if request.headers.get("content-type", "").split(";")[0] != "application/ssml+xml":
            self.violations.append("Content-Type is not application/ssml+xml")
            return self.error(415, "Unsupported media type")
        user_agent = request.headers.get("user-agent", "")
        if not user_agent or len(user_agent) >= 255:
            raise SpecViolation("User-Agent is required, fewer than 255 characters")
        output_format = request.headers.get("x-microsoft-outputformat", "")
        SPEC.check(output_format, "OutputFormat")
        voice = self._check_ssml(request.body)
        if voice not in {known["ShortName"] for known in VOICES}:
            return self.error(400, f"voice {voice} is not available in this region")
        try:
            codec, rate = format_codec(output_format)
        except LookupError:
            return self.error(400, f"this fake cannot encode {output_format}")
        return Answer(200, speech_bytes(codec, rate), {"Content-Type": "audio/x-wav" if codec.startswith("wav") else "application/octet-stream",
                                                     "X-RequestId": f"req{len(self.requests)}"})

    def _check_ssml(self, body: bytes) -> str:
        """The voice name of a well-formed SSML document (speak version 1.0, namespace, xml:lang, a voice)."""
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as error:
            raise SpecViolation(f"the SSML is not well-formed XML: {error}") from None
        namespace = f"{{{SSML['namespace']}}}"
        if root.tag != f"{namespace}{SSML['root']}" or root.get("version") != SSML["version"]:
            raise SpecViolation(f"the root must be <speak version='1.0' xmlns='{SSML['namespace']}'>, got {root.tag}")
        if not root.get(XML_LANG):
            raise SpecViolation("<speak> needs xml:lang")
        voices = root.findall(f"{namespace}{SSML['voice-element']}")
        if len(voices) != 1 or not voices[0].get(SSML["voice-attribute"]):
            raise SpecViolation("exactly one <voice name='...'> expected")
        for prosody in voices[0].iter(f"{namespace}prosody"):
            if prosody.get("rate") is not None and not _PROSODY_RATE.match(prosody.get("rate", "")):
                raise SpecViolation(f"prosody rate {prosody.get('rate')!r} is not a relative percentage or a keyword")
        if not "".join(voices[0].itertext()).strip():
            raise SpecViolation("the voice has no text to speak")
        return str(voices[0].get(SSML["voice-attribute"]))

    def malformed(self, request: Request) -> Answer:
        codec, _ = format_codec(request.headers.get("x-microsoft-outputformat", "riff-24khz-16bit-mono-pcm"))
        return Answer(200, malformed_audio(codec), {"Content-Type": "audio/x-wav"})
