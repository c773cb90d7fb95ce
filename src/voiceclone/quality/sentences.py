"""The fixed evaluation sentences a new voice speaks, per XTTS v2 language (short, everyday, varied
sounds; the same every time so reports of different voices compare)."""

from __future__ import annotations

EVALUATION_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "The quick brown fox jumps over the lazy dog.",
        "Please call me back when you have a moment this afternoon.",
        "Our train leaves at half past seven, so we should hurry.",
    ),
    "es": (
        "El cielo está despejado y hace un día muy agradable.",
        "Por favor, llámame cuando tengas un momento esta tarde.",
        "Nuestro tren sale a las siete y media, así que debemos darnos prisa.",
    ),
    "fr": (
        "Le ciel est dégagé et il fait très beau aujourd'hui.",
        "Rappelle-moi quand tu auras un moment cet après-midi, s'il te plaît.",
        "Notre train part à sept heures et demie, alors dépêchons-nous.",
    ),
    "de": (
        "Der Himmel ist klar und es ist ein sehr schöner Tag.",
        "Bitte ruf mich zurück, wenn du heute Nachmittag Zeit hast.",
        "Unser Zug fährt um halb acht, also sollten wir uns beeilen.",
    ),
    "it": (
        "Il cielo è sereno e oggi è una giornata molto bella.",
        "Per favore, richiamami quando hai un momento questo pomeriggio.",
        "Il nostro treno parte alle sette e mezza, quindi dobbiamo sbrigarci.",
    ),
    "pt": (
        "O céu está limpo e hoje está um dia muito bonito.",
        "Por favor, liga-me quando tiveres um momento esta tarde.",
        "O nosso comboio parte às sete e meia, por isso temos de nos apressar.",
    ),
    "pl": (
        "Niebo jest czyste i dzisiaj jest bardzo ładny dzień.",
        "Proszę, oddzwoń do mnie, kiedy będziesz mieć chwilę po południu.",
        "Nasz pociąg odjeżdża o wpół do ósmej, więc musimy się pospieszyć.",
    ),
    "tr": (
        "Gökyüzü açık ve bugün çok güzel bir gün.",
        "Lütfen bu öğleden sonra vaktin olduğunda beni geri ara.",
        "Trenimiz yedi buçukta kalkıyor, bu yüzden acele etmeliyiz.",
    ),
    "ru": (
        "Небо ясное, и сегодня очень хороший день.",
        "Пожалуйста, перезвони мне, когда у тебя будет минутка днём.",
        "Наш поезд отправляется в половине восьмого, так что нужно спешить.",
    ),
    "nl": (
        "De lucht is helder en het is een heel mooie dag.",
        "Bel me alsjeblieft terug als je vanmiddag even tijd hebt.",
        "Onze trein vertrekt om half acht, dus we moeten opschieten.",
    ),
    "cs": (
        "Obloha je jasná a dnes je velmi pěkný den.",
        "Prosím, zavolej mi zpátky, až budeš mít odpoledne chvilku.",
        "Náš vlak odjíždí v půl osmé, takže bychom si měli pospíšit.",
    ),
    "ar": (
        "السماء صافية واليوم جميل جدا.",
        "من فضلك اتصل بي عندما يكون لديك وقت بعد الظهر.",
        "يغادر قطارنا في السابعة والنصف، لذلك يجب أن نسرع.",
    ),
    "zh-cn": (
        "今天天气晴朗，是非常美好的一天。",
        "你下午有空的时候请给我回个电话。",
        "我们的火车七点半出发，所以我们得快点。",
    ),
    "ja": (
        "今日は空が晴れていて、とても良い天気です。",
        "午後に時間があるときに折り返し電話してください。",
        "私たちの電車は七時半に出発するので、急ぎましょう。",
    ),
    "hu": (
        "Az ég tiszta, és ma nagyon szép nap van.",
        "Kérlek, hívj vissza, amikor délután lesz egy perced.",
        "A vonatunk fél nyolckor indul, ezért sietnünk kell.",
    ),
    "ko": (
        "하늘이 맑고 오늘은 정말 좋은 날입니다.",
        "오후에 시간이 있을 때 다시 전화해 주세요.",
        "우리 기차는 일곱 시 반에 출발하니까 서둘러야 해요.",
    ),
    "hi": (
        "आसमान साफ़ है और आज बहुत सुंदर दिन है।",
        "कृपया दोपहर में समय मिलने पर मुझे वापस फ़ोन करें।",
        "हमारी ट्रेन साढ़े सात बजे निकलती है, इसलिए हमें जल्दी करनी चाहिए।",
    ),
}


def sentences_for(language: str) -> tuple[str, ...]:
    """The language's sentences ("pt-BR" -> "pt", "zh" -> "zh-cn"); English when it has none."""
    code = language.lower()
    if code in EVALUATION_SENTENCES:
        return EVALUATION_SENTENCES[code]
    base = code.split("-")[0]
    if base == "zh":
        return EVALUATION_SENTENCES["zh-cn"]
    return EVALUATION_SENTENCES.get(base, EVALUATION_SENTENCES["en"])
