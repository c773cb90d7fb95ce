"""The words the normaliser needs per language: months, date order, currency units, abbreviations."""

from __future__ import annotations

import re
from collections.abc import Callable

# Month names as a date reads them (genitive where the language declines them: cs, pl, ru).
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "cs": ("ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října",
           "listopadu", "prosince"),
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
           "października", "listopada", "grudnia"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
}

PERCENT = {"en": "percent", "de": "Prozent", "fr": "pour cent", "es": "por ciento", "it": "per cento",
           "pt": "por cento", "nl": "procent", "cs": "procent", "pl": "procent", "ru": "процентов",
           "tr": "yüzde", "hu": "százalék"}
HOUR_WORD = {"de": "Uhr", "fr": "heures", "nl": "uur", "cs": "hodin", "pl": "", "ru": "", "es": "", "it": "",
             "pt": "", "en": ""}
# num2words joins units and cents with these; a whole amount drops the ", zero cents" part.
CURRENCY_AND = {"en": ", ", "de": " und ", "fr": " et ", "es": " con ", "it": " e ", "pt": " e ", "nl": ", ",
                "pl": ", ", "ru": ", "}

# (one, two to four, five and more) where num2words has no currency for the language.
_UNITS: dict[str, dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]]] = {
    "cs": {"EUR": (("euro", "eura", "eur"), ("cent", "centy", "centů")),
           "USD": (("dolar", "dolary", "dolarů"), ("cent", "centy", "centů")),
           "GBP": (("libra", "libry", "liber"), ("pence", "pence", "pencí"))},
}
_CODE_NAMES = {"EUR": "euro", "USD": "dollars", "GBP": "pounds"}

_CS_ORDINAL_GENITIVE_UNITS = ("", "prvního", "druhého", "třetího", "čtvrtého", "pátého", "šestého", "sedmého",
                              "osmého", "devátého")
_CS_ORDINAL_GENITIVE_TEENS = ("desátého", "jedenáctého", "dvanáctého", "třináctého", "čtrnáctého", "patnáctého",
                              "šestnáctého", "sedmnáctého", "osmnáctého", "devatenáctého")
_CS_ORDINAL_GENITIVE_TENS = {2: "dvacátého", 3: "třicátého"}

ABBREVIATIONS: dict[str, dict[str, str]] = {
    "en": {"Mr.": "Mister", "Mrs.": "Missus", "Dr.": "Doctor", "St.": "Saint", "e.g.": "for example",
           "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "approx.": "approximately", "No.": "number"},
    "de": {"z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "d. h.": "das heißt", "d.h.": "das heißt",
           "usw.": "und so weiter", "bzw.": "beziehungsweise", "Dr.": "Doktor", "Nr.": "Nummer", "ca.": "circa"},
    "fr": {"M.": "Monsieur", "Mme": "Madame", "Dr": "Docteur", "etc.": "et cetera", "p. ex.": "par exemple"},
    "es": {"Sr.": "señor", "Sra.": "señora", "Dr.": "doctor", "etc.": "etcétera", "p. ej.": "por ejemplo"},
    "it": {"Sig.": "signor", "Dott.": "dottor", "ecc.": "eccetera", "ad es.": "ad esempio"},
    "pt": {"Sr.": "senhor", "Sra.": "senhora", "Dr.": "doutor", "etc.": "et cetera", "p. ex.": "por exemplo"},
    "nl": {"bijv.": "bijvoorbeeld", "d.w.z.": "dat wil zeggen", "enz.": "enzovoort", "dhr.": "de heer"},
    "cs": {"např.": "například", "tj.": "to jest", "atd.": "a tak dále", "tzv.": "takzvaný", "Dr.": "doktor"},
    "pl": {"np.": "na przykład", "itd.": "i tak dalej", "tzn.": "to znaczy", "dr": "doktor", "ul.": "ulica"},
    "ru": {"т.е.": "то есть", "т. е.": "то есть", "и т.д.": "и так далее", "г.": "год", "руб.": "рублей"},
}


def expand_abbreviations(text: str, language: str) -> str:
    for short, full in ABBREVIATIONS.get(language, {}).items():
        text = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", full, text)
    return text


def spoken_date(day: int, month: int, language: str, number: Callable[..., str], dative: bool = False) -> str:
    """The day and month as said in `language`; `dative`: German after am/vom ("am zwölften März")."""
    name = MONTHS[language][month - 1]
    if language == "en":
        return f"the {number(day, to='ordinal')} of {name}"
    if language == "de":
        return f"{number(day, to='ordinal')}{'n' if dative else 'r'} {name}"
    if language in ("fr", "it"):
        first = {"fr": "premier", "it": "primo"}[language]
        return f"{first if day == 1 else number(day)} {name}"
    if language in ("es", "pt"):
        return f"{number(day)} de {name}"
    if language == "cs":
        return f"{_czech_ordinal_genitive(day)} {name}"
    if language == "pl":
        return f"{_polish_genitive(number(day, to='ordinal'))} {name}"
    if language == "ru":
        return f"{number(day, to='ordinal', gender='n')} {name}"
    return f"{number(day)} {name}"


def _czech_ordinal_genitive(day: int) -> str:
    if day < 10:
        return _CS_ORDINAL_GENITIVE_UNITS[day]
    if day < 20:
        return _CS_ORDINAL_GENITIVE_TEENS[day - 10]
    tens, units = divmod(day, 10)
    return " ".join(w for w in (_CS_ORDINAL_GENITIVE_TENS[tens], _CS_ORDINAL_GENITIVE_UNITS[units]) if w)


def _polish_genitive(ordinal: str) -> str:
    """dwunasty -> dwunastego, drugi -> drugiego (each word of a compound ordinal)."""
    return " ".join(w[:-1] + "ego" if w.endswith("y") else w + "ego" if w.endswith("i") else w for w in ordinal.split())


def _plural_form(n: int, forms: tuple[str, str, str]) -> str:
    if n == 1:
        return forms[0]
    return forms[1] if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else forms[2]


def currency_fallback(whole: int, cents: int, code: str, language: str, number: Callable[[int], str]) -> str:
    """An amount where num2words has no currency for the language: its units table, else the code's name."""
    units = _UNITS.get(language, {}).get(code)
    if units is None:
        spoken = f"{number(whole)} {_CODE_NAMES[code]}"
        return f"{spoken} {number(cents)}" if cents else spoken
    spoken = f"{number(whole)} {_plural_form(whole, units[0])}"
    if cents:
        spoken = f"{spoken} {number(cents)} {_plural_form(cents, units[1])}"
    return spoken
