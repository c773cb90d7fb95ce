"""A strict check of WebVTT files against the spec's syntax (W3C WebVTT, "file structure" and "cue timings").

Only what our subtitles use: the header, cues with an optional identifier, timings hh:mm:ss.ttt (hours may
be omitted as mm:ss.ttt), payload lines without "-->" and without a bare "&" or "<". Returns the problems.
"""

from __future__ import annotations

import re

_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+.*)?$")
_ENTITY = re.compile(r"&(?:amp|lt|gt|lrm|rlm|nbsp|#\d+|#x[0-9a-fA-F]+);")


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return (((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)) / 1000


def problems(text: str) -> list[str]:
    found: list[str] = []
    if "\r" in text or "\x00" in text:
        found.append("carriage return or NUL: use LF line ends")
    lines = text.split("\n")
    if not re.match(r"^(\ufeff)?WEBVTT([ \t].*)?$", lines[0]):
        return [*found, f"first line must be WEBVTT, is {lines[0]!r}"]
    if len(lines) > 1 and lines[1] != "":
        found.append("the header must be followed by a blank line")
    blocks = [b for b in "\n".join(lines[1:]).split("\n\n") if b.strip("\n")]
    previous_start = -1.0
    for number, block in enumerate(blocks, 1):
        cue = block.strip("\n").split("\n")
        if "-->" not in cue[0]:
            cue = cue[1:]  # an identifier
            if not cue:
                found.append(f"cue {number}: an identifier without timings")
                continue
        timing = _TIMING.match(cue[0])
        if timing is None:
            found.append(f"cue {number}: bad timing line {cue[0]!r}")
            continue
        start, end = _seconds(*timing.groups()[:4]), _seconds(*timing.groups()[4:])
        if end <= start:
            found.append(f"cue {number}: end {end} not after start {start}")
        if start < previous_start:
            found.append(f"cue {number}: starts before the cue before it")
        previous_start = start
        for line in cue[1:]:
            if "-->" in line:
                found.append(f"cue {number}: '-->' in the payload")
            if "<" in line or re.search(r"&", _ENTITY.sub("", line)):
                found.append(f"cue {number}: unescaped '<' or '&' in {line!r}")
        if len(cue) < 2:
            found.append(f"cue {number}: no text")
    return found


def cue_times(text: str) -> list[tuple[float, float]]:
    times = []
    for line in text.split("\n"):
        timing = _TIMING.match(line)
        if timing:
            times.append((_seconds(*timing.groups()[:4]), _seconds(*timing.groups()[4:])))
    return times
