"""A video analysis job's result: video_metadata plus exactly the features asked, in the seed's shapes, every
detection at or above options.confidence_threshold (default 0.5)."""

from __future__ import annotations

from typing import Any

from ...media.faces import fingerprint
from ...media.shots import runs
from ...media.vocabulary import GENERAL_TOPICS, faker_for
from .transcription import confidence
from .video import Video, spoken_language

THRESHOLD = 0.5
# Providers whose face model gives embeddings (the seed: "Not all backends populate this field").
FINGERPRINTS = {"twelvelabs": "twelvelabs-marengo"}
MODERATION = ("explicit_nudity", "suggestive", "violence", "visually_disturbing", "hate_symbols", "tobacco",
              "alcohol", "gambling")
UNSAFE = {"explicit_nudity", "visually_disturbing", "hate_symbols"}  # the others are advisory: is_safe holds
ORDER = ("labels", "scenes", "faces", "speech_to_text", "ocr", "content_moderation", "sentiment", "topics",
         "brands", "summary")


def _c(value: float) -> float:
    return round(value, 3)


def _instances(spans: list[tuple[float, float]], rng: Any, low: float, threshold: float) -> list[dict[str, Any]]:
    out = []
    for ss, se in spans:
        c = _c(rng.uniform(low, 0.99))
        if c >= threshold:
            out.append({"start": round(ss, 3), "end": round(se, 3), "confidence": c})
    return out


def _timed(name: str, instances: list[dict[str, Any]], **extra: Any) -> dict[str, Any] | None:
    """An item with its overall confidence (the best instance's), or None when no instance passed."""
    if not instances:
        return None
    return {"name": name, **extra, "confidence": max(i["confidence"] for i in instances), "instances": instances}


def video_analysis(seed: int | None, attributes: dict[str, Any], provider: str,
                   facts: dict[str, Any] | None = None) -> dict[str, Any]:
    source, options = attributes.get("input") or {}, attributes.get("options") or {}
    url = source.get("url", "")
    video = Video(seed, url, facts, int(source.get("audio_track") or 0))
    threshold = float(options.get("confidence_threshold", THRESHOLD))
    requested = options.get("language")
    language = spoken_language(requested if requested is not None else "auto", "twelvelabs", url)
    wanted = set(source.get("features") or [])
    result: dict[str, Any] = {"video_metadata": video.metadata()}
    parts = Parts(video, threshold, language, provider)
    for feature in ORDER:
        if feature in wanted:
            result[feature] = getattr(parts, feature)()
    return result


class Parts:
    def __init__(self, video: Video, threshold: float, language: str, provider: str) -> None:
        self.video, self.threshold, self.language, self.provider = video, threshold, language, provider
        self._speech: list[Any] | None = None

    def _runs(self, rng: Any, count: int, max_shots: int = 2) -> list[tuple[float, float]]:
        return runs(rng, self.video.shots, self.video.duration, count, max_shots)

    def speech(self) -> list[Any]:
        if self._speech is None:
            self._speech = self.video.speech(self.language)
        return self._speech

    def labels(self) -> list[dict[str, Any]]:
        rng = self.video.rng("labels:instances")
        out = []
        for rank, (label, _) in enumerate(self.video.labels):
            count = max(1, int(self.video.duration / 60 / (rank + 1)) + rng.randint(0, 2))
            item = _timed(label, _instances(self._runs(rng, count), rng, 0.35, self.threshold))
            if item:
                out.append(item)
        return out

    def scenes(self) -> list[dict[str, Any]]:
        """Runs of one to six shots (a scene cut is always a shot cut)."""
        rng, shots, start = self.video.rng("scenes"), self.video.shots, 0
        out: list[dict[str, Any]] = []
        while start < len(shots):
            end = min(len(shots), start + rng.randint(1, 6))
            out.append({"index": len(out), "start": shots[start]["ss"], "end": shots[end - 1]["se"]})
            start = end
        return out

    def faces(self) -> list[dict[str, Any]]:
        rng = self.video.rng("faces:instances")
        model = FINGERPRINTS.get(self.provider)
        out = []
        for track_id, (person, track) in enumerate(self.video.faces, 1):
            instances = _instances(track.spans, rng, 0.45, self.threshold)
            print_ = fingerprint(self.video.seed, model, person, rng) if model else None
            if instances:
                out.append({"track_id": track_id, **({"fingerprint": print_} if print_ else {}),
                            "instances": instances})
        return out

    def speech_to_text(self) -> list[dict[str, Any]]:
        out = []
        for seg in self.speech():
            c = confidence(seg)
            if c >= self.threshold:
                out.append({"start": seg.ss, "end": seg.se, "text": seg.text, "speaker_id": int(seg.speaker) - 1,
                            "language": self.language, "confidence": c})
        return out

    def ocr(self) -> list[dict[str, Any]]:
        rng, video = self.video.rng("ocr"), self.video
        faces = video.faces[:3]  # first: the faces draw from the one en_US Faker too (faker_for)
        fake = faker_for(None)
        fake.seed_instance(rng.getrandbits(64))
        texts: list[tuple[str, list[tuple[float, float]]]] = []
        if video.shots:
            first = video.shots[0]
            texts.append((fake.catch_phrase().title(), [(first["ss"], min(first["se"], 4.0))]))
        for person, track in faces:  # name captions when the main people first appear
            ss, se = track.spans[0]
            texts.append((f"{person.name}, {person.job.split(',')[0]}", [(ss, min(se, ss + 4))]))
        texts.append((fake.company().split(",")[0].upper(), self._runs(rng, 1 + int(video.duration / 120), 1)))
        out = []
        for text, spans in texts:
            item = _timed(text, _instances([s for s in spans if s[1] > s[0]], rng, 0.6, self.threshold),
                          language=self.language)
            if item:
                item["text"] = item.pop("name")
                out.append({k: item[k] for k in ("text", "confidence", "language", "instances")})
        return out

    def content_moderation(self) -> dict[str, Any]:
        rng = self.video.rng("moderation")
        flagged = [MODERATION[i] for i in range(len(MODERATION)) if rng.random() < (0.05 if MODERATION[i] in UNSAFE
                                                                                   else 0.2)]
        if any(word in self.video.url.lower() for word in ("nsfw", "unsafe", "explicit")):  # a way to test it
            flagged = ["explicit_nudity", *[f for f in flagged if f != "explicit_nudity"]]
        hinted = any(word in self.video.url.lower() for word in ("nsfw", "unsafe", "explicit"))
        signals = []
        for label in flagged:
            low = 0.9 if hinted and label == "explicit_nudity" else 0.3
            item = _timed(label, _instances(self._runs(rng, rng.randint(1, 3), 1), rng, low, self.threshold))
            if item:
                item["label"] = item.pop("name")
                signals.append({k: item[k] for k in ("label", "confidence", "instances")})
        return {"is_safe": not any(s["label"] in UNSAFE for s in signals), "signals": signals}

    def sentiment(self) -> dict[str, Any]:
        """From what is said: windows of about 45 s, each the mean of its sentences' sentiment."""
        windows: list[dict[str, Any]] = []
        for seg in self.speech():
            if windows and seg.ss - windows[-1]["start"] < 45:
                windows[-1]["end"], windows[-1]["scores"] = seg.se, [*windows[-1]["scores"], seg.sen]
            else:
                windows.append({"start": seg.ss, "end": seg.se, "scores": [seg.sen]})
        instances = []
        for w in windows:
            score = _c(sum(w["scores"]) / len(w["scores"]))
            instances.append({"start": w["start"], "end": w["end"], "label": _label(score), "score": score})
        speech = [seg.sen for seg in self.speech()]
        overall = _c(sum(speech) / len(speech)) if speech else 0.0
        return {"overall": _label(overall), "score": overall, "instances": instances}

    def _topic_names(self) -> list[str]:
        rng = self.video.rng("topics:names")
        return rng.sample(GENERAL_TOPICS, rng.randint(2, 5))

    def topics(self) -> list[dict[str, Any]]:
        rng = self.video.rng("topics")
        out = []
        for name in self._topic_names():
            item = _timed(name, _instances(self._runs(rng, rng.randint(1, 4), 6), rng, 0.4, self.threshold))
            if item:
                out.append(item)
        return out

    def brands(self) -> list[dict[str, Any]]:
        rng = self.video.rng("brands")
        fake = faker_for(None)
        fake.seed_instance(rng.getrandbits(64))
        names = sorted({fake.company().split(",")[0].split(" ")[0] for _ in range(1 + int(self.video.duration / 300))})
        out = []
        for name in names[:12]:
            spans = []
            for ss, _ in self._runs(rng, rng.randint(1, 4), 1):
                spans.append((ss, min(self.video.duration, ss + rng.uniform(1.0, 5.0))))
            item = _timed(name, _instances(spans, rng, 0.4, self.threshold))
            if item:
                out.append(item)
        return out

    def summary(self) -> str:
        people = [person.name for person, _ in self.video.faces[:2]]
        seen = [label for label, _ in self.video.labels[:2]]
        topic = self._topic_names()[0]
        text = f"A {topic} video" + (f" featuring {' and '.join(people)}" if people else "") + "."
        if self.speech():
            text += f" {len({seg.speaker for seg in self.speech()})} speaker(s) talk over {len(self.speech())} " \
                    "segments of speech."
        if seen:
            text += f" Much of the footage shows {' and '.join(seen)}."
        return text + "\n"


def _label(score: float) -> str:
    return "positive" if score > 0.2 else "negative" if score < -0.2 else "neutral"
