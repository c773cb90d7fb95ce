"""What counts as text a voice can speak: at least one letter or digit, no control characters."""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROLS = frozenset("\n\r\t")


def speakable_text(value: str) -> str:
    """`value` stripped; ValueError when it holds a control character or nothing visible to say.

    Zero-width and other format characters (U+200B, U+FEFF, ZWJ in emoji) may appear inside text,
    but text made only of them (or of punctuation and spaces) has nothing to speak.
    """
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS:
            raise ValueError(f"text contains the control character U+{ord(char):04X} at position {position}")
    value = value.strip()
    if not any(unicodedata.category(char)[0] in "LN" for char in value):
        raise ValueError("text must contain something to say (at least one letter or digit)")
    return value
