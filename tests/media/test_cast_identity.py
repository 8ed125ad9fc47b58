"""faces.cast draws from the cumulative weights it keeps, not through random.choices: it must pick exactly the
people the original code below (kept verbatim) picks, in the same order, and leave the generator where it left
it, for every seed and size, up to the whole population (the longest rejection runs)."""

from __future__ import annotations

import random

import pytest

from emulator.services.media.faces import POPULATION, Identity, cast, identities


def original_cast(rng: random.Random, seed: int | None, n: int) -> list[Identity]:
    pool = list(identities(seed))
    weights = [1 / (i + 1) ** 0.8 for i in range(len(pool))]
    chosen: list[Identity] = []
    while len(chosen) < min(n, len(pool)):
        person = rng.choices(pool, weights)[0]
        if person not in chosen:
            chosen.append(person)
    return chosen


@pytest.mark.parametrize("seed", [None, 0, 7, 2**40])
def test_cast_picks_what_the_original_picks(seed: int | None) -> None:
    for n in [0, 1, 2, 4, 5, 17, POPULATION - 1, POPULATION, POPULATION + 12]:
        for stream in range(12):
            ours, theirs = random.Random(f"{seed}:{n}:{stream}"), random.Random(f"{seed}:{n}:{stream}")
            picked = cast(ours, seed, n)
            assert picked == original_cast(theirs, seed, n)
            assert len(picked) == min(n, POPULATION) == len(set(picked))
            assert ours.getstate() == theirs.getstate()  # the same draws, so what is drawn next agrees too
