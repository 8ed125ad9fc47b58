"""The core document under construction: contiguous detection ids, file-wide occurrence ids, and shot indexes
for every occurrence."""

from __future__ import annotations

import bisect
from typing import Any


class Doc:
    def __init__(self, duration: float, fps: float, shots: list[dict[str, Any]]) -> None:
        self.duration, self.fps, self.shots = duration, fps, shots
        self.detections: dict[str, dict[str, Any]] = {}
        self.occ_count = 0
        self._starts = [s["ss"] for s in shots]

    def add(self, t: str, label: str, **fields: Any) -> tuple[str, dict[str, Any]]:
        det_id = str(len(self.detections) + 1)
        det = {"t": t, "label": label, **{k: v for k, v in fields.items() if v is not None}}
        self.detections[det_id] = det
        return det_id, det

    def occ(self, ss: float, se: float, **extra: Any) -> dict[str, Any]:
        self.occ_count += 1
        ss, se = round(ss, 3), round(min(se, self.duration), 3)
        shs = self.shot_at(ss)
        she = max(shs, self.shot_at(se - 0.001) if se > ss else shs)
        return {"id": str(self.occ_count), "ss": ss, "se": se, **extra, "shs": shs, "she": she}

    def frames(self, ss: float, se: float) -> dict[str, Any]:
        fs = min(int(ss * self.fps), max(0, self.shots[-1]["fe"]))
        return {"fs": fs, "fe": max(fs, min(int(se * self.fps), self.shots[-1]["fe"])), "sdur": round(se - ss, 3)}

    def shot_at(self, t: float) -> int:
        return max(0, bisect.bisect_right(self._starts, t) - 1)

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        return [(d, det) for d, det in self.detections.items() if det["t"] in types]
