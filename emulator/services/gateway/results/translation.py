"""A translation job's result: a readable pseudo-translation, deterministic and reversible enough to test with.

Rule: each English word found in a small table of common words becomes the target language's word; any other
word keeps its letters with the target language's accents on its vowels (names, numbers and punctuation stay
as they are); "you" follows options.formality. Into English, the tables are read backwards. Between two other
languages, or into a language without a table, only the accent rule applies."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .video import detect_language

ENGLISH = ("the a an and or but is are was were be have has do not no yes this that these it in on at to of for "
           "with from by we they he she i my our your their what where when how why who all good new day time "
           "people work video today thank hello world very more one two three").split()
TABLES = {
    "es": ("el un un y o pero es son era eran ser tener tiene hacer no no sí este ese estos ello en sobre en a de "
           "para con desde por nosotros ellos él ella yo mi nuestro tu su qué dónde cuándo cómo por_qué quién todo "
           "bueno nuevo día tiempo gente trabajo vídeo hoy gracias hola mundo muy más uno dos tres"),
    "fr": ("le un un et ou mais est sont était étaient être avoir a faire ne non oui ce cela ces il dans sur à à de "
           "pour avec de par nous ils il elle je mon notre votre leur quoi où quand comment pourquoi qui tout bon "
           "nouveau jour temps gens travail vidéo aujourd'hui merci bonjour monde très plus un deux trois"),
    "de": ("der ein ein und oder aber ist sind war waren sein haben hat tun nicht nein ja dies das diese es in auf "
           "an zu von für mit aus durch wir sie er sie ich mein unser dein ihr was wo wann wie warum wer alle gut "
           "neu Tag Zeit Leute Arbeit Video heute danke hallo Welt sehr mehr eins zwei drei"),
    "it": ("il un un e o ma è sono era erano essere avere ha fare non no sì questo quello questi esso in su a a di "
           "per con da da noi loro lui lei io mio nostro tuo loro cosa dove quando come perché chi tutto buono "
           "nuovo giorno tempo gente lavoro video oggi grazie ciao mondo molto più uno due tre"),
    "pt": ("o um um e ou mas é são era eram ser ter tem fazer não não sim este esse estes isso em sobre em a de "
           "para com de por nós eles ele ela eu meu nosso seu seu o_que onde quando como por_que quem todo bom novo "
           "dia tempo pessoas trabalho vídeo hoje obrigado olá mundo muito mais um dois três"),
    "nl": ("de een een en of maar is zijn was waren zijn hebben heeft doen niet nee ja dit dat deze het in op bij "
           "naar van voor met uit door wij zij hij zij ik mijn ons jouw hun wat waar wanneer hoe waarom wie alle "
           "goed nieuw dag tijd mensen werk video vandaag bedankt hallo wereld heel meer een twee drie"),
}
WORDS = {lang: dict(zip(ENGLISH, [w.replace("_", " ") for w in table.split()], strict=True))
         for lang, table in TABLES.items()}
YOU = {"es": ("usted", "tú"), "fr": ("vous", "tu"), "de": ("Sie", "du"), "it": ("Lei", "tu"),
       "pt": ("o senhor", "você"), "nl": ("u", "je")}  # (formal, informal); "default" is the informal one
ACCENTS = {"es": str.maketrans("aeiou", "áéíóú"), "fr": str.maketrans("aeiou", "âéîôû"),
           "de": str.maketrans("aou", "äöü"), "it": str.maketrans("aeiou", "àèìòù"),
           "pt": str.maketrans("aeiou", "ãêíõú"), "nl": str.maketrans("aeiou", "äëïöü")}
GENERIC = str.maketrans("aeiou", "àèìòù")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# A few frequent words per language: enough to tell the source language of a sentence ("auto").
STOPWORDS = {
    "en": {"the", "and", "is", "of", "to", "you", "that", "it", "with", "this"},
    "es": {"el", "la", "los", "que", "y", "es", "de", "para", "con", "una"},
    "fr": {"le", "la", "les", "et", "est", "vous", "nous", "une", "des", "pour"},
    "de": {"der", "die", "und", "ist", "das", "nicht", "ich", "mit", "ein", "sie"},
    "it": {"il", "che", "è", "di", "non", "una", "per", "sono", "della", "gli"},
    "pt": {"o", "que", "não", "uma", "para", "com", "os", "você", "é", "da"},
    "nl": {"het", "een", "en", "niet", "ik", "van", "zijn", "wij", "dat", "op"},
}


def base(code: str) -> str:
    return code.split("-")[0].split("_")[0].lower()


def detect(text: str) -> str:
    words = [w.lower() for w in WORD.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > scores["en"] else "en"


def _case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def pseudo_translate(text: str, source: str, target: str, formality: str | None = None) -> str:
    source, target = base(source), base(target)
    if source == target:
        return text
    if source == "en" and target in WORDS:
        table = WORDS[target]
    elif target == "en" and source in WORDS:
        table = {v: k for k, v in reversed(list(WORDS[source].items())) if " " not in v}
    else:
        table = {}
    accents = ACCENTS.get(target, GENERIC) if target != "en" else None

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        lower = token.lower()
        if source == "en" and lower == "you" and target in YOU:
            return _case(YOU[target][0 if formality == "formal" else 1], token)
        if lower in table:
            return _case(table[lower], token)
        if token[0].isupper() or accents is None:
            return token  # names and places, or into English without a table: kept
        return token.translate(accents)

    return WORD.sub(word, text)


def translation(seed: int | None, attributes: dict[str, Any], provider: str,
                download_url: str | None = None) -> dict[str, Any]:
    """attributes.result of a translation job. download_url: where the translated document is served (input
    type document); the wiring phase decides it."""
    source_input, options = attributes.get("input") or {}, attributes.get("options") or {}
    target = source_input.get("target_language", "en")
    requested = options.get("source_language")
    if source_input.get("type") == "document":
        url = source_input.get("url", "")
        digest = hashlib.sha256(f"{seed}:document:{url}".encode()).digest()
        result: dict[str, Any] = {
            "source_language": requested if requested not in (None, "auto") else detect_language(url),
            "target_language": target,
        }
        if download_url:
            result["download_url"] = download_url
        result["character_count"] = 2000 + int.from_bytes(digest[:4], "big") % 48000
        return result
    content = source_input.get("content") or ""
    source = str(requested) if requested not in (None, "auto") else detect(content)
    return {"source_language": source, "target_language": target,
            "content": pseudo_translate(content, str(source), target, options.get("formality")),
            "character_count": len(content)}


# A translated document's text (the file behind download_url): sentences built from the common words, as long
# as the source's character_count, then pseudo-translated like any text.
OPENINGS = ("This report", "The team", "Our work", "The new plan", "Today the project", "The video")
MIDDLES = ("is very good for the people", "has more time for the work", "is not what we have today",
           "was a good day for the world", "is new and very good", "has one more day for the people")


def document(seed: int | None, attributes: dict[str, Any]) -> str:
    """The translated document served at the result's download_url (input type document)."""
    result = translation(seed, attributes, "")
    source_input, options = attributes.get("input") or {}, attributes.get("options") or {}
    digest = hashlib.sha256(f"{seed}:document-text:{source_input.get('url', '')}".encode()).digest()
    state = int.from_bytes(digest[:8], "big")
    sentences: list[str] = []
    length = 0
    while length < result["character_count"]:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        sentence = f"{OPENINGS[state % len(OPENINGS)]} {MIDDLES[(state >> 16) % len(MIDDLES)]}."
        sentences.append(sentence)
        length += len(sentence) + 1
    source_text = " ".join(sentences)[: result["character_count"]]
    return pseudo_translate(source_text, "en", result["target_language"], options.get("formality")) + "\n"
