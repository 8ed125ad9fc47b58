"""How long the Valossa core document of a 2-hour video takes to generate (target: under 2 s), and the cost of
rendering each result type once (a second request is served from the cache).

Run: .venv/bin/python bench/results_gen.py [--seconds 7200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.engine import Job  # noqa: E402
from emulator.services.valossa.results import RESULT_TYPES, Results, build_core  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=7200.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    request = {"media": {"video": {"url": "https://example.com/two-hours.mp4"}, "language": "en-US"}}
    media = {"duration_s": args.seconds, "fps": 25.0, "x_pixels": 1920, "y_pixels": 1080}

    def job(n: int) -> Job:
        return Job(id=f"bench-{n}", service="valossa", owner="k", request=request, timeline=[], created=0.0,
                   media=dict(media))

    times = []
    for n in range(args.repeat):
        started = time.perf_counter()
        core = build_core(job(n), 1)
        times.append(time.perf_counter() - started)
    print(f"core document, {args.seconds:.0f} s of media: {min(times):.3f} s best, "
          f"{statistics.median(times):.3f} s median of {args.repeat} "
          f"({len(core['detections'])} detections, {len(core['detection_groupings']['by_second'])} seconds)")
    results = Results(1, Path("/nonexistent"))
    the_job = job(99)
    for result_type in RESULT_TYPES:
        started = time.perf_counter()
        _, body = results.render(the_job, result_type)
        first = time.perf_counter() - started
        started = time.perf_counter()
        results.render(the_job, result_type)
        again = time.perf_counter() - started
        print(f"  {result_type:<24} first {first:6.3f} s, cached {again * 1000:6.3f} ms, {len(body):>10,} bytes")


if __name__ == "__main__":
    main()
