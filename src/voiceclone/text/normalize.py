"""Numbers, dates, times, currencies, percentages and abbreviations written out per language.

"€3.50 on 12/03" is spoken "three euro, fifty cents on the twelfth of March", not spelled. Runs in the
synth worker before any engine sees the text (num2words comes with the ML stack), so every self-hosted
engine gets words; XTTS's tokenizer would expand bare numbers itself but reads neither dates nor
times. Languages num2words does not know (zh, hi, ja currency...) keep their digits: the engine's own
tokenizer handles them. Dates are read day first (dd/mm[/yyyy], dd.mm.[yyyy]) in every language: US
month-first order is not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from num2words import CONVERTER_CLASSES, num2words

from voiceclone.text import calendar_words as words

_DECIMAL_POINT_LANGUAGES = frozenset({"en", "ja", "ko", "hi", "zh"})  # 3.50 / 1,000 (others: 3,50 / 1.000)
_CURRENCIES = {"€": "EUR", "$": "USD", "£": "GBP"}
_NUMBER = r"\d+(?:[.,\u00a0 ]\d{3})*(?:[.,]\d+)?"

_CURRENCY_BEFORE = re.compile(rf"([€$£])\s?({_NUMBER})")
_CURRENCY_AFTER = re.compile(rf"({_NUMBER})\s?([€$£])")
_PERCENT = re.compile(rf"({_NUMBER})\s?%")
_DATE_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b")
_DATE_DOTS = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}))?(?!\d)")
# The hour word written after the time ("14:30 Uhr") is read once, by the reader.
_TIME = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b(?:\s?(?:Uhr|heures|uur|hodin|h)\b)?")
_ORDINALS = {
    "en": re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"),
    "fr": re.compile(r"\b(\d+)(?:er|re|e|ème)\b"),
    "es": re.compile(r"\b(\d+)[ºª°]"),
    "it": re.compile(r"\b(\d+)[ºª°]"),
    "pt": re.compile(r"\b(\d+)[ºª°]"),
    "nl": re.compile(r"\b(\d+)(?:ste|de|e)\b"),
}
_PLAIN_NUMBER = re.compile(_NUMBER)


def supported(language: str) -> bool:
    return language in CONVERTER_CLASSES


def expand(text: str, language: str) -> str:
    """`text` with what can be read aloud in `language` written out; unchanged where num2words lacks it."""
    language = language.split("-")[0].lower()
    if not supported(language):
        return text
    text = words.expand_abbreviations(text, language)
    for pattern, reader in _readers(language):
        text = pattern.sub(reader, text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _readers(language: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    readers: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        # "3,50 € 12/03": the symbol after an amount binds first, so it is not read as "€ 12".
        (_CURRENCY_AFTER, lambda m: _currency(m.group(1), _CURRENCIES[m.group(2)], language)),
        (_CURRENCY_BEFORE, lambda m: _currency(m.group(2), _CURRENCIES[m.group(1)], language)),
        (_PERCENT, lambda m: f"{_number(m.group(1), language)} {words.PERCENT.get(language, '%')}"),
        (_DATE_SLASH, lambda m: _date(m, language)),
        (_DATE_DOTS, lambda m: _date(m, language)),
        (_TIME, lambda m: _time(int(m.group(1)), int(m.group(2)), language)),
    ]
    if language in _ORDINALS:
        readers.append((_ORDINALS[language], lambda m: num2words(int(m.group(1)), to="ordinal", lang=language)))
    readers.append((_PLAIN_NUMBER, lambda m: _number(m.group(0), language)))
    return readers


def parse_amount(written: str, language: str) -> Decimal:
    """3.50 / 3,50 / 1,000 / 1.000 / 1 000,5 as a number: a separator before exactly three digits groups
    thousands (unless it is the language's decimal mark and the only separator), any other is the decimal mark."""
    compact = written.replace("\u00a0", " ").replace(" ", "")
    decimal_mark = "." if language in _DECIMAL_POINT_LANGUAGES else ","
    separators = [ch for ch in compact if ch in ".,"]
    if separators:
        last = max(compact.rfind("."), compact.rfind(","))
        tail = compact[last + 1 :]
        is_decimal = len(tail) != 3 or (len(separators) == 1 and compact[last] == decimal_mark)
        if is_decimal:
            whole = compact[:last].replace(".", "").replace(",", "")
            compact = f"{whole}.{tail}"
        else:
            compact = compact.replace(".", "").replace(",", "")
    try:
        return Decimal(compact)
    except InvalidOperation:
        raise ValueError(f"not a number: {written!r}") from None


def _number(written: str, language: str) -> str:
    try:
        amount = parse_amount(written, language)
    except ValueError:
        return written
    if amount == amount.to_integral_value() and "." not in str(amount):
        return num2words(int(amount), lang=language)
    return num2words(amount, lang=language)


def _currency(written: str, code: str, language: str) -> str:
    try:
        amount = parse_amount(written, language)
    except ValueError:
        return written
    whole, cents = int(amount), int((amount - int(amount)) * 100)
    try:
        spoken = num2words(amount, to="currency", currency=code, lang=language)
        if cents == 0 and language in words.CURRENCY_AND:  # "three euro, zero cents" -> "three euro"
            spoken = spoken.rsplit(words.CURRENCY_AND[language], 1)[0]
        return str(spoken)
    except (NotImplementedError, TypeError, KeyError):
        return words.currency_fallback(whole, cents, code, language, lambda n: num2words(n, lang=language))


def _date(match: re.Match[str], language: str) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12) or language not in words.MONTHS:
        return match.group(0)
    after_preposition = bool(re.search(r"\b(?:am|vom|zum|bis zum|ab dem)\s$", match.string[: match.start()]))
    spoken = words.spoken_date(
        day, month, language, lambda n, **kw: num2words(n, lang=language, **kw), dative=after_preposition
    )
    if match.group(3):
        year = int(match.group(3))
        year = year + 2000 if year < 100 else year
        spoken = f"{spoken} {num2words(year, to='year', lang=language) if language == 'en' else num2words(year, lang=language)}"
    return spoken


def _time(hours: int, minutes: int, language: str) -> str:
    hour_word = words.HOUR_WORD.get(language, "")
    spoken = num2words(hours, lang=language)
    if hour_word:
        spoken = f"{spoken} {hour_word}"
    if minutes:
        spoken = f"{spoken} {num2words(minutes, lang=language)}"
    elif not hour_word and language == "en":
        spoken = f"{spoken} o'clock" if hours <= 12 else f"{spoken} hundred"
    return spoken
