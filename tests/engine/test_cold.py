"""The memory store's cold tier (engine/cold.py) against a plain dict: puts, replacements, removals and the
rebuilds they trigger keep every job readable, exactly as it was put."""

from __future__ import annotations

import random

from emulator.engine import Job, Step
from emulator.engine.cold import ColdJobs


def job(n: int, state: str = "finished", owner: str = "k") -> Job:
    return Job(id=f"job-{n}", service="svc", owner=owner, request={"n": n}, timeline=[Step(state)],
               created=float(n), seq=n, ref=f"ref-{n % 7}" if n % 3 else None)


def test_cold_jobs_match_a_dict_through_puts_replacements_and_removals() -> None:
    cold, model = ColdJobs(), {}
    rng = random.Random(5)
    for _ in range(6_000):
        n, op = rng.randrange(3_000), rng.random()
        if op < 0.6:
            j = job(n, rng.choice(["finished", "error"]), rng.choice(["k", "l"]))
            cold.put(j)
            model[j.id] = j
        elif op < 0.8:
            got = cold.pop(f"job-{n}")
            want = model.pop(f"job-{n}", None)
            assert (got and got.to_dict()) == (want and want.to_dict())
        else:
            cold.discard(f"job-{n}")
            model.pop(f"job-{n}", None)
        assert len(cold) == len(model)
    assert all((i in cold) == (i in model) for i in (f"job-{n}" for n in range(3_000)))
    listed = sorted(cold.select("svc", None, "k", "ref-2"), reverse=True)
    loaded = [cold.load(e) for _, e in listed]
    want = sorted((j for j in model.values() if j.owner == "k" and j.ref == "ref-2"), key=lambda j: -j.seq)
    assert [j.to_dict() for j in loaded] == [j.to_dict() for j in want]
    assert list(cold.select("other", None, None, None)) == []
    cold.clear()
    assert len(cold) == 0 and "job-1" not in cold
