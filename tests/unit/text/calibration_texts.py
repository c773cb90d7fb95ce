"""Texts the language detector is calibrated on: short (one sentence) and long (a paragraph) per language."""

SHORT = {
    "en": ["Hello, my friend!", "Where is the station?", "I will call you tomorrow.", "The weather is nice today."],
    "de": ["Guten Morgen, wie geht es dir?", "Wo ist der Bahnhof?", "Ich rufe dich morgen an.", "Das Wetter ist heute schön."],
    "fr": ["Bonjour, mon ami !", "Où est la gare ?", "Je t'appellerai demain.", "Il fait beau aujourd'hui."],
    "es": ["¡Hola, amigo mío!", "¿Dónde está la estación?", "Te llamaré mañana.", "Hoy hace buen tiempo."],
    "it": ["Ciao, amico mio!", "Dov'è la stazione?", "Ti chiamerò domani.", "Oggi il tempo è bello."],
    "pt": ["Olá, meu amigo!", "Onde fica a estação?", "Eu te ligo amanhã.", "O tempo está bom hoje."],
    "nl": ["Hallo, mijn vriend!", "Waar is het station?", "Ik bel je morgen.", "Het weer is mooi vandaag."],
    "cs": ["Ahoj, příteli!", "Kde je nádraží?", "Zavolám ti zítra.", "Dnes je hezké počasí."],
    "pl": ["Cześć, przyjacielu!", "Gdzie jest dworzec?", "Zadzwonię do ciebie jutro.", "Dzisiaj jest ładna pogoda."],
    "ru": ["Привет, мой друг!", "Где находится вокзал?", "Я позвоню тебе завтра.", "Сегодня хорошая погода."],
}

LONG = {
    "en": "The old lighthouse keeper climbed the stairs every evening to light the lamp. Ships passing the rocky "
          "coast relied on its beam, and he had never missed a single night in forty years.",
    "de": "Der alte Leuchtturmwärter stieg jeden Abend die Treppe hinauf, um die Lampe anzuzünden. Die Schiffe an "
          "der felsigen Küste verließen sich auf ihr Licht, und er hatte in vierzig Jahren keine Nacht versäumt.",
    "fr": "Le vieux gardien du phare montait l'escalier chaque soir pour allumer la lampe. Les navires qui longeaient "
          "la côte rocheuse comptaient sur sa lumière, et il n'avait jamais manqué une seule nuit en quarante ans.",
    "es": "El viejo farero subía las escaleras cada tarde para encender la lámpara. Los barcos que pasaban por la "
          "costa rocosa confiaban en su luz, y nunca había faltado una sola noche en cuarenta años.",
    "it": "Il vecchio guardiano del faro saliva le scale ogni sera per accendere la lampada. Le navi che passavano "
          "lungo la costa rocciosa contavano sulla sua luce, e in quarant'anni non aveva mai saltato una notte.",
    "pt": "O velho faroleiro subia as escadas todas as noites para acender a lâmpada. Os navios que passavam pela "
          "costa rochosa dependiam da sua luz, e ele nunca tinha faltado uma única noite em quarenta anos.",
    "nl": "De oude vuurtorenwachter beklom elke avond de trap om de lamp aan te steken. Schepen langs de rotsachtige "
          "kust vertrouwden op zijn licht, en in veertig jaar had hij geen enkele nacht overgeslagen.",
    "cs": "Starý strážce majáku každý večer vystoupal po schodech, aby rozsvítil lampu. Lodě plující kolem skalnatého "
          "pobřeží spoléhaly na jeho světlo a za čtyřicet let nevynechal jedinou noc.",
    "pl": "Stary latarnik każdego wieczoru wchodził po schodach, aby zapalić lampę. Statki płynące wzdłuż skalistego "
          "wybrzeża polegały na jej świetle, a on przez czterdzieści lat nie opuścił ani jednej nocy.",
    "ru": "Старый смотритель маяка каждый вечер поднимался по лестнице, чтобы зажечь лампу. Корабли у скалистого "
          "берега полагались на её свет, и за сорок лет он не пропустил ни одной ночи.",
}
