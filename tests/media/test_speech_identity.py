"""speech.generate inlines random.Random's arithmetic and tokenizes its templates once: it must give exactly what
the straightforward code below (the original, kept verbatim) gives, for every seed, length, language and cast."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from faker import Faker

from emulator.services.media.concepts import VISUAL
from emulator.services.media.faces import cast
from emulator.services.media.speech import KIND, SLOT, TOKEN, Segment, Speaker, _round3, generate
from emulator.services.media.vocabulary import FILLERS, NOVELTY, SPEECH, SWEARS


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


def reference(rng: random.Random, fake: Faker, duration: float, cast: Sequence[Speaker] = (),
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


def _cases(locale: str) -> Iterator[tuple[Faker, float, list[Speaker], list[str], int]]:
    """24 videos for a locale: edge lengths first, then any up to 40 minutes; casts and things on screen."""
    fake, pick = Faker(locale), random.Random(locale)
    for i in range(24):
        duration = pick.choice([0.0, 0.5, 0.6, 3.0, 119.9, 120.0, 600.0]) if i < 8 else round(pick.uniform(0, 2400), 3)
        people = list(cast(random.Random(i), i % 3, i % 6))
        things = [v[0] for v in pick.sample(VISUAL, pick.randint(0, 25))]
        yield fake, duration, people, things, pick.getrandbits(64)


def _speech(fn: Callable[..., list[Segment]], fake: Faker, seed: int, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """fn's speech from the seed, with the generators' states after it."""
    fake.seed_instance(seed)
    rng = random.Random(f"{seed}:speech")
    return fn(rng, fake, *args, **kwargs), rng.getstate(), fake.random.getstate()


@pytest.mark.parametrize("locale", ["en_US", "fi_FI", "de_DE", "ja_JP", "ar_SA", "zh_CN", "pt_BR"])
def test_generate_is_the_original(locale: str) -> None:
    for fake, duration, people, things, seed in _cases(locale):
        original = _speech(reference, fake, seed, duration, people, things)
        assert _speech(generate, fake, seed, duration, people, things) == original, (locale, duration)


@pytest.mark.parametrize("locale", ["en_US", "fi_FI", "ja_JP"])
def test_segments_without_words_are_the_same_segments(locale: str) -> None:
    """words=False (a transcript's): the same segments and draws, each with its timed words' confidences only."""
    for fake, duration, people, things, seed in _cases(locale):
        full, *states = _speech(generate, fake, seed, duration, people, things)
        lean, *lean_states = _speech(generate, fake, seed, duration, people, things, words=False)
        assert states == lean_states and len(full) == len(lean), (locale, duration)
        for a, b in zip(full, lean, strict=True):
            assert (a.ss, a.se, a.text, a.speaker, a.sen) == (b.ss, b.se, b.text, b.speaker, b.sen)
            assert b.confidences == [c for word, _, _, c in a.words if word[:1].isalnum()]
            assert a.confidences is None and not b.words and not b.mentions


def test_odd_names_are_fixed_like_the_original() -> None:
    """Names that end in a space or put one before punctuation take the original's regular expression fix."""
    fake = Faker("en_US")
    names = ["Dr . Who ", " ,Lee", "", "Ann ,Bo", "Zed"]
    for seed in range(20):
        people = [type("P", (), {"name": n, "job": "Actor, bit"})() for n in names[seed % 5 :] + names[: seed % 5]]
        out = []
        for fn in (reference, generate):
            fake.seed_instance(seed)
            rng = random.Random(seed)
            out.append((fn(rng, fake, 300.0, people, ["x ", " ."]), rng.getstate()))
        assert out[0] == out[1], seed


def test_round3_is_round() -> None:
    pick = random.Random(3)
    edges = [0.0, -0.0, 5e-324, 0.0005, 0.0015, 0.0625, 2.675, 1.0005, 999999.9995, 1e6, 1e300, -0.0003, -2.5,
             float("inf"), float("-inf")]
    values = edges + [pick.uniform(0, 8000) for _ in range(200_000)] + [pick.uniform(0.7, 1.0) for _ in range(50_000)]
    values += [n / 2000 for n in range(0, 400_000, 7)] + [pick.randrange(10**7) / 1000 for _ in range(50_000)]
    for x in values:
        assert repr(_round3(x)) == repr(round(x, 3)), x
    assert repr(_round3(float("nan"))) == repr(round(float("nan"), 3))
