"""Numbers, dates, times, currencies, percentages and abbreviations written out, per supported language."""

from __future__ import annotations

import re

import pytest

from voiceclone.text.normalize import expand, parse_amount

# (language, written, words that must be said); every case also leaves no digit behind.
CASES = [
    ("en", "€3.50 on 12/03", ["three euro", "fifty cents", "twelfth of March"]),
    ("en", "Dr. Smith came 2nd at 14:30 with 1,250 votes (12%).",
     ["Doctor", "second", "fourteen thirty", "one thousand, two hundred and fifty", "twelve percent"]),
    ("de", "3,50 € am 12.03.2024 um 14:30 Uhr, z. B. 1.250 Leute.",
     ["drei Euro und fünfzig Cent", "am zwölften März zweitausendvierundzwanzig", "vierzehn Uhr dreißig",
      "zum Beispiel", "eintausendzweihundertfünfzig"]),
    ("fr", "3,50 € le 1/03 à 14:30, 12 %.", ["trois euros et cinquante centimes", "premier mars",
                                             "quatorze heures trente", "douze pour cent"]),
    ("es", "3,50 € el 12/03, Sr. García.", ["tres euros con cincuenta céntimos", "doce de marzo", "señor"]),
    ("it", "3,50 € il 12/03, il 2º.", ["tre euro e cinquanta centesimi", "dodici marzo", "secondo"]),
    ("pt", "3,50 € em 12/03, 12 %.", ["três euros e cinquenta cêntimos", "doze de março", "doze por cento"]),
    ("nl", "€ 3,50 op 12/03 om 14:30, bijv. 7.", ["drie euro", "vijftig cent", "twaalf maart", "veertien uur dertig",
                                                 "bijvoorbeeld", "zeven"]),
    ("cs", "3,50 € dne 21. 3. 2024, např. 12 %.", ["tři", "padesát", "dvacátého prvního března", "například",
                                                  "dvanáct procent"]),
    ("pl", "3,50 € dnia 12/03, np. 5.", ["trzy euro", "pięćdziesiąt centów", "dwunastego marca", "na przykład", "pięć"]),
    ("ru", "3,50 € 12/03 в 14:30.", ["три евро", "пятьдесят центов", "двенадцатое марта", "четырнадцать тридцать"]),
]


@pytest.mark.parametrize(("language", "written", "said"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_written_forms_are_spoken(language: str, written: str, said: list[str]) -> None:
    spoken = expand(written, language)
    for words in said:
        assert words in spoken, spoken
    assert not re.search(r"\d", spoken), spoken
    assert not re.search(r"[€$£%]", spoken), spoken


@pytest.mark.parametrize(("written", "language", "amount"), [
    ("3.50", "en", "3.50"), ("3,50", "de", "3.50"), ("1,000", "en", "1000"), ("1.000", "de", "1000"),
    ("1,000.5", "en", "1000.5"), ("1.000,5", "de", "1000.5"), ("1 000,5", "fr", "1000.5"), ("1,5", "cs", "1.5"),
])
def test_amounts_are_read_with_the_languages_marks(written: str, language: str, amount: str) -> None:
    assert str(parse_amount(written, language)) == amount


def test_a_slash_that_is_no_date_and_text_without_numbers_stay() -> None:
    assert expand("He read 45/60 pages.", "en") == "He read forty-five/sixty pages."
    assert expand("Nothing to expand here.", "de") == "Nothing to expand here."


def test_a_language_num2words_lacks_keeps_its_digits() -> None:
    assert expand("价格是 3.50 €", "zh-cn") == "价格是 3.50 €"
