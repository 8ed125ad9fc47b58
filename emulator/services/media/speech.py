"""Speech segments with word timings: generated from sentence templates, or taken from SRT cues (the
customer's transcript, or a fixture's subtitles). The words, names and keywords all come from them."""

from __future__ import annotations

import random
import re
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Protocol

from .vocabulary import FILLERS, NOVELTY, PROFANITY, SPEECH, SWEARS

if TYPE_CHECKING:
    from faker import Faker

TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")
SLOT = re.compile(r"\{(\w+)\}")
KIND = {"person": "name.person", "city": "name.location", "country": "name.location",
        "company": "name.organization", "novelty": "novelty_word", "swear": "compliance"}


@dataclass
class Segment:
    ss: float
    se: float
    text: str
    speaker: str = "1"
    sen: float = 0.0
    words: list[tuple[str, float, float, float]] = field(default_factory=list)  # (word, ss, se, c)
    mentions: list[tuple[str, str, float, float]] = field(default_factory=list)  # (kind, text, ss, se)
    # Only the timed words' confidences, in order, from generate(words=False): a transcript needs no more.
    confidences: list[float] | None = None


class Speaker(Protocol):
    """Someone seen in the video who may be talked about (read-only: frozen identities qualify)."""

    @property
    def name(self) -> str: ...

    @property
    def job(self) -> str: ...


class _Pools:
    """Names and places a video keeps coming back to, so keywords recur like real ones."""

    def __init__(self, rng: random.Random, fake: Faker, cast: Sequence[Speaker], things: Sequence[str]) -> None:
        self.values = {
            "person": [p.name for p in cast[:4]] + [fake.name() for _ in range(3)],
            "city": [fake.city() for _ in range(4)],
            "country": [fake.country() for _ in range(3)],
            "company": [fake.company().split(",")[0] for _ in range(3)],
            "novelty": rng.sample(NOVELTY, 6),
            "swear": SWEARS,
            "weekday": [fake.day_of_week() for _ in range(3)],
            "month": [fake.month_name() for _ in range(3)],
            "job": [p.job.split(",")[0].lower() for p in cast[:4]] or ["producer"],
            "thing": list(things[:20]) or ["camera"],
        }
        # slot -> (values as _Value, cumulative weights 1/(i+1)): what rng.choices(values, weights) bisects
        self.slots = {slot: (tuple(_value(v, KIND.get(slot)) for v in values), _cumulative(len(values)))
                      for slot, values in self.values.items()}


# Generation draws exactly what it always drew from rng, in the same order, with random.Random's own
# arithmetic inlined (uniform(a, b) is a + (b - a) * random(), choice and randint take _randbelow's bits, choices
# with weights bisects their running sums): the same seed gives the same speech forever.
# tests/media/test_speech_identity.py compares it with the original code.


@dataclass(frozen=True)
class _Value:
    """A piece of a sentence, tokenized once: (word, its base duration, or None for punctuation)."""

    text: str
    kind: str | None  # mention kind (KIND) for a slot value
    tokens: tuple[tuple[str, float | None], ...]
    mention: str  # text.strip()
    plain: bool  # joining it to template text never needs the whitespace-before-punctuation fix


UNPLAIN = re.compile(r"\A[\s?.!,]|\s[?.!,]|\s\Z")
PUNCT_SPACE = re.compile(r"\s+([?.!,])")


def _tokens(text: str) -> tuple[tuple[str, float | None], ...]:
    """TOKEN's words with 0.12 + 0.055 * len(word), _word_time's fixed part (None: punctuation)."""
    return tuple((w, 0.12 + 0.055 * len(w) if w[0].isalnum() else None) for w in TOKEN.findall(text))


@lru_cache(maxsize=4096)  # words and names recur: the templates' slot values, a seed's people
def _value(text: str, kind: str | None) -> _Value:
    return _Value(text, kind, _tokens(text), text.strip(), bool(text) and not UNPLAIN.search(text))


def _static(text: str) -> _Value:
    """Template text (or a filler): plain, as its template is checked whole (_template, FILLER_PLAIN)."""
    return _Value(text, None, _tokens(text), text.strip(), True)


def _round3(x: float) -> float:
    """round(x, 3), faster, the way generate inlines it. round gives the double nearest to the decimal that is
    x's exact binary value rounded to 3 places. For 0 < y = x * 1000.0 < 1e9, y is within y * 2**-53 < 1.2e-7 of
    the exact x * 1000, so when y is less than 0.4999 from the integer n, so is the exact product: n is that
    rounding, and n / 1000 (a correctly rounded division of two exact numbers) is round's result. Otherwise
    (nearly halfway, zero, negative, huge, not finite) round itself decides."""
    y = x * 1000.0
    if 0.0 < y < 1e9:
        n = int(y + 0.5)
        e = y - n
        if -0.4999 < e < 0.4999:
            return n / 1000
    return round(x, 3)


@lru_cache(maxsize=64)
def _cumulative(n: int) -> tuple[list[float], float]:
    cum = list(accumulate([1 / (i + 1) for i in range(n)]))
    return cum, cum[-1] + 0.0


NUMBERS = tuple(_value(str(n), None) for n in range(2, 41))


def _template(text: str) -> tuple[tuple[_Value, ...], tuple[str, ...], bool]:
    """(text between the slots, the slots, plain: its joined text needs no fix whatever plain values fill it)."""
    statics, slots, at = [], [], 0
    for m in SLOT.finditer(text):
        statics.append(text[at : m.start()])
        slots.append(m.group(1))
        at = m.end()
    statics.append(text[at:])
    joined = "x".join(statics)
    return tuple(_static(s) for s in statics), tuple(slots), PUNCT_SPACE.sub(r"\1", joined.strip()) == joined


# Each template: (sentiment, as written, with a filler before it or None when it takes none).
TEMPLATES = [(sentiment, _template(text),
              None if text.startswith(("{", "I ")) else _template(text[0].lower() + text[1:]))
             for sentiment, text in SPEECH]
FILLER_PIECES = tuple(_static(f + " ") for f in FILLERS)
# A filler joins a template plainly when the pair of them needs no fix (checked with any plain value).
FILLER_PLAIN = {(i, f): PUNCT_SPACE.sub(r"\1", (FILLERS[f] + " " + "x".join(s.text for s in low[0])).strip())
                == FILLERS[f] + " " + "x".join(s.text for s in low[0])
                for i, (_, _, low) in enumerate(TEMPLATES) if low for f in range(len(FILLERS))}


def generate(rng: random.Random, fake: Faker, duration: float, cast: Sequence[Speaker] = (),
             things: Sequence[str] = (), *, words: bool = True) -> list[Segment]:
    """Speech over duration seconds: sentences from the templates, one to five speakers ("1".."5"), names from
    cast (the people seen, talked about first) and fake, concrete things from things (what is on screen).
    rng: a random.Random (not a subclass: its methods are inlined, see above). words=False: each segment keeps
    only its timed words' confidences (Segment.confidences), no words or mentions; the same draws, so the same
    segments (about a third of the time saved, for a transcript of segments)."""
    slots = _Pools(rng, fake, cast, things).slots
    rnd, below = rng.random, rng._randbelow  # type: ignore[attr-defined]
    n_speakers = 1 + min(4, int(duration // 120))
    speaker, t = 1, 0.5 + (3.0 - 0.5) * rnd()
    n_templates, n_fillers = len(TEMPLATES), len(FILLERS)
    segments: list[Segment] = []
    append_segment = segments.append
    limit = duration - 0.5
    while True:
        ss = round(t, 3)
        said: list[tuple[str, float, float, float]] = []
        mentions: list[tuple[str, str, float, float]] = []
        add = said.append
        confidences: list[float] = []
        confidence = confidences.append
        texts, sentiments = [], []
        for _ in range(1 if rnd() < 0.7 else 2):
            index = below(n_templates)
            sentiment, template, lowered = TEMPLATES[index]
            pieces: list[_Value] = []
            if rnd() < 0.15 and lowered is not None:
                filler = below(n_fillers)
                pieces.append(FILLER_PIECES[filler])
                statics, names, plain = lowered
                plain = plain and FILLER_PLAIN[(index, filler)]
            else:
                statics, names, plain = template
            pieces.append(statics[0])
            for name, static in zip(names, statics[1:], strict=True):
                if name == "number":
                    value = NUMBERS[below(39)]
                else:
                    values, (cum, total) = slots[name]
                    value = values[bisect(cum, rnd() * total, 0, len(values) - 1)]
                pieces.append(value)
                pieces.append(static)
            sentiments.append(sentiment)
            for piece in pieces:
                plain = plain and piece.plain
                first = len(said)
                for word, base in piece.tokens:
                    if base is None:  # punctuation: not timed, no draw
                        if words:
                            at = round(t, 3)
                            add((word, at, at, 1.0))
                        continue
                    t += 0.02 + (0.1 - 0.02) * rnd()
                    ws = t
                    t = t + (base + (0.08 - 0) * rnd())
                    c = 0.7 + (1.0 - 0.7) * rnd()
                    # round(x, 3) inlined: n / 1000 when x * 1000 is clearly nearer n than another integer (see
                    # _round3), round() itself when it is nearly halfway
                    y = c * 1000.0  # 700 to 1000
                    n = int(y + 0.5)
                    e = y - n
                    c = n / 1000 if -0.4999 < e < 0.4999 else round(c, 3)
                    if not words:  # the same draws; only the confidence is kept
                        confidence(c)
                        continue
                    y = ws * 1000.0
                    if 0.0 < y < 1e9:
                        n = int(y + 0.5)
                        e = y - n
                        r0 = n / 1000 if -0.4999 < e < 0.4999 else round(ws, 3)
                    else:
                        r0 = round(ws, 3)
                    y = t * 1000.0
                    if 0.0 < y < 1e9:
                        n = int(y + 0.5)
                        e = y - n
                        r1 = n / 1000 if -0.4999 < e < 0.4999 else round(t, 3)
                    else:
                        r1 = round(t, 3)
                    add((word, r0, r1, c))
                if piece.kind and len(said) > first:
                    mentions.append((piece.kind, piece.mention, said[first][1], said[-1][2]))
            text = "".join(p.text for p in pieces)
            texts.append(text if plain else PUNCT_SPACE.sub(r"\1", text.strip()))
        se = round(t, 3)
        if se > limit:
            return segments
        sen = round(max(-1.0, min(1.0, sum(sentiments) / len(sentiments) + (-0.2 + (0.2 - -0.2) * rnd()))), 3)
        append_segment(Segment(ss, se, " ".join(texts), str(speaker), sen, said, mentions,
                               None if words else confidences))
        gap = rnd()
        t += (0.3 + (1.5 - 0.3) * rnd() if gap < 0.7 else 1.5 + (5 - 1.5) * rnd() if gap < 0.95
              else 5 + (20 - 5) * rnd())
        if rnd() < 0.3:
            speaker = 1 + below(n_speakers)


def from_cues(cues: list[tuple[float, float, str]], duration: float) -> list[Segment]:
    """Segments from SRT cues: words spread evenly over each cue; keywords found by simple rules (capitalized
    word runs are names, long lowercase words are novelty words, known swear words are compliance)."""
    segments = []
    for ss, se, text in cues:
        if ss >= duration:
            break
        se = min(se, duration)
        seg = Segment(ss=ss, se=se, text=text)
        tokens = TOKEN.findall(text)
        step = (se - ss) / max(1, sum(1 for w in tokens if w[0].isalnum()))
        t, sentence_start = ss, True
        run: list[tuple[str, float, float, float]] = []
        for token in tokens:
            if not token[0].isalnum():
                _flush(seg, run)
                seg.words.append((token, round(t, 3), round(t, 3), 1.0))
                sentence_start = token in ".?!"
                continue
            word = (token, round(t, 3), round(t + step, 3), 1.0)
            seg.words.append(word)
            t += step
            if token[0].isupper() and not sentence_start and token != "I":
                run.append(word)
                continue
            _flush(seg, run)
            sentence_start = False
            if token.lower() in PROFANITY:
                seg.mentions.append(("compliance", token.lower(), word[1], word[2]))
            elif token.islower() and len(token) >= 10:
                seg.mentions.append(("novelty_word", token, word[1], word[2]))
        _flush(seg, run)
        segments.append(seg)
    return segments


def _flush(seg: Segment, run: list[tuple[str, float, float, float]]) -> None:
    if len(run) >= 2:
        seg.mentions.append(("name.person", " ".join(w[0] for w in run), run[0][1], run[-1][2]))
    run.clear()
