"""Shots: a video cut into contiguous pieces on frame boundaries, the unit faces, scenes and captions follow."""

from __future__ import annotations

import math
import random
from typing import Any


def make_shots(rng: random.Random, duration: float, fps: float) -> list[dict[str, Any]]:
    """Contiguous shots on frame boundaries: next ss = previous se, next fs = previous fe + 1."""
    total = max(1, math.floor(duration * fps))
    min_frames = max(2, math.ceil(0.4 * fps))
    shots: list[dict[str, Any]] = []
    frame = 0
    while frame < total:
        length = max(min_frames, round(min(rng.lognormvariate(1.2, 0.7), 30.0) * fps))
        end = frame + length
        if total - end < min_frames:  # a sliver at the end joins the last shot
            end = total
        ss = round(frame / fps, 3)
        se = round(end / fps, 3) if end < total else round(duration, 3)
        shots.append({"ss": ss, "se": se, "fs": frame, "fe": end - 1, "sdur": round(se - ss, 3)})
        frame = end
    return shots


def runs(rng: random.Random, shots: list[dict[str, Any]], duration: float, count: int,
         max_shots: int) -> list[tuple[float, float]]:
    """Whole-second spans over 1..max_shots consecutive shots, non-overlapping, in time order."""
    spans = []
    for _ in range(count):
        first = rng.randrange(len(shots))
        last = min(len(shots) - 1, first + rng.randrange(max_shots))
        ss, se = float(math.floor(shots[first]["ss"])), min(float(math.ceil(shots[last]["se"])), duration)
        spans.append((ss, se))
    out: list[tuple[float, float]] = []
    for ss, se in sorted(spans):
        if out and ss <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], se))
        elif se > ss:
            out.append((ss, se))
    return out
