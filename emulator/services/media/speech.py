"""Speech segments with word timings: generated from sentence templates, or taken from SRT cues (the
customer's transcript, or a fixture's subtitles). The words, names and keywords all come from them."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
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


class Speaker(Protocol):
    """Someone seen in the video who may be talked about (read-only: frozen identities qualify)."""

    @property
    def name(self) -> str: ...

    @property
    def job(self) -> str: ...


class _Pools:
    """Names and places a video keeps coming back to, so keywords recur like real ones."""

    def __init__(self, rng: random.Random, fake: Faker, cast: Sequence[Speaker], things: Sequence[str]) -> None:
        self.rng = rng
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

    def pick(self, slot: str) -> str:
        if slot == "number":
            return str(self.rng.randint(2, 40))
        values = self.values[slot]
        return self.rng.choices(values, [1 / (i + 1) for i in range(len(values))])[0]


def _word_time(rng: random.Random, word: str) -> float:
    return 0.12 + 0.055 * len(word) + rng.uniform(0, 0.08)


def _sentence(pools: _Pools, rng: random.Random) -> tuple[float, list[tuple[str, str | None]]]:
    """(sentiment, [(piece, mention kind or None)])."""
    sentiment, template = rng.choice(SPEECH)
    pieces: list[tuple[str, str | None]] = []
    if rng.random() < 0.15 and not template.startswith(("{", "I ")):
        pieces.append((rng.choice(FILLERS) + " ", None))
        template = template[0].lower() + template[1:]
    at = 0
    for m in SLOT.finditer(template):
        pieces.append((template[at : m.start()], None))
        value = pools.pick(m.group(1))
        pieces.append((value, KIND.get(m.group(1))))
        at = m.end()
    pieces.append((template[at:], None))
    return sentiment, pieces


def generate(rng: random.Random, fake: Faker, duration: float, cast: Sequence[Speaker] = (),
             things: Sequence[str] = ()) -> list[Segment]:
    """Speech over duration seconds: sentences from the templates, one to five speakers ("1".."5"), names from
    cast (the people seen, talked about first) and fake, concrete things from things (what is on screen)."""
    pools = _Pools(rng, fake, cast, things)
    n_speakers = 1 + min(4, int(duration // 120))
    speaker, t = 1, rng.uniform(0.5, 3.0)
    segments: list[Segment] = []
    while True:
        seg = Segment(ss=round(t, 3), se=0.0, text="", speaker=str(speaker))
        texts, sentiments = [], []
        for _ in range(1 if rng.random() < 0.7 else 2):
            sentiment, pieces = _sentence(pools, rng)
            sentiments.append(sentiment)
            for piece, kind in pieces:
                first = len(seg.words)
                for word in TOKEN.findall(piece):
                    if word[0].isalnum():
                        t += rng.uniform(0.02, 0.1)
                        ws, t = t, t + _word_time(rng, word)
                        seg.words.append((word, round(ws, 3), round(t, 3), round(rng.uniform(0.7, 1.0), 3)))
                    else:
                        seg.words.append((word, round(t, 3), round(t, 3), 1.0))
                if kind and len(seg.words) > first:
                    seg.mentions.append((kind, piece.strip(), seg.words[first][1], seg.words[-1][2]))
            texts.append(re.sub(r"\s+([?.!,])", r"\1", "".join(p for p, _ in pieces).strip()))
        seg.se, seg.text = round(t, 3), " ".join(texts)
        if seg.se > duration - 0.5:
            return segments
        seg.sen = round(max(-1.0, min(1.0, sum(sentiments) / len(sentiments) + rng.uniform(-0.2, 0.2))), 3)
        segments.append(seg)
        gap = rng.random()
        t += rng.uniform(0.3, 1.5) if gap < 0.7 else rng.uniform(1.5, 5) if gap < 0.95 else rng.uniform(5, 20)
        if rng.random() < 0.3:
            speaker = rng.randint(1, n_speakers)


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
