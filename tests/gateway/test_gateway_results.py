"""Gateway results: deterministic per seed, in the seed's shapes; subtitles that real parsers read; faces whose
fingerprints recognise people across videos."""

from __future__ import annotations

from typing import Any

import pytest
import srt
import webvtt

from emulator.services.gateway.results.analysis import ORDER, video_analysis
from emulator.services.gateway.results.transcription import transcription
from emulator.services.gateway.results.translation import detect, pseudo_translate, translation
from emulator.services.gateway.results.video import Video, derived_facts, detect_language
from emulator.services.media.faces import similarity

URL = "https://media.example.org/panel.mp4"
FACTS = {"duration_s": 300.0, "fps": 25.0, "x_pixels": 1280, "y_pixels": 720, "video_codec": "h264"}


def _tr(options: dict[str, Any], provider: str = "twelvelabs", url: str = URL, seed: int | None = 1,
        kind: str = "video") -> Any:
    return transcription(seed, {"input": {"type": kind, "url": url}, "options": options}, provider, FACTS)


def _va(features: list[str], options: dict[str, Any] | None = None, provider: str = "twelvelabs", url: str = URL,
        seed: int | None = 1, facts: dict[str, Any] | None = FACTS) -> dict[str, Any]:
    return video_analysis(seed, {"input": {"url": url, "features": features}, "options": options or {}}, provider,
                          facts)


def test_transcription_result_shape_and_determinism() -> None:
    t = _tr({"language": "en", "format": "json"})
    result = t.result()
    assert list(result) == ["format", "duration", "language", "segments"]
    assert (result["format"], result["duration"], result["language"]) == ("json", 300.0, "en")
    assert len(result["segments"]) > 10
    previous_end = 0.0
    for seg in result["segments"]:
        assert list(seg) == ["start", "end", "text", "confidence"]
        assert previous_end <= seg["start"] < seg["end"] <= 300.0 and 0 <= seg["confidence"] <= 1 and seg["text"]
        previous_end = seg["end"]
    assert _tr({"language": "en", "format": "json"}).result() == result
    assert _tr({"language": "en"}, seed=2).result() != result
    assert _tr({"language": "en"}, url=URL + "?v=2").result() != result
    content_type, body = t.document()
    assert content_type == "application/json" and body.startswith(b'{"format":"json"')


def test_diarization_adds_speakers() -> None:
    plain = _tr({"language": "en"}).result()["segments"]
    diarized = _tr({"language": "en", "diarization": True}).result()["segments"]
    assert [s["text"] for s in plain] == [s["text"] for s in diarized]
    assert all(isinstance(s["speaker_id"], int) and s["speaker_id"] >= 0 for s in diarized)
    assert len({s["speaker_id"] for s in diarized}) >= 2  # five minutes: several speakers


@pytest.mark.parametrize("language, provider, url, expected", [
    (None, "eden-ai", URL, "en-US"),
    (None, "twelvelabs", URL, "en-US"),
    ("en", "eden-ai", URL, "en-US"),
    ("fr", "eden-ai", URL, "fr-FR"),
    ("en-GB", "eden-ai", URL, "en-GB"),
    ("en", "twelvelabs", URL, "en"),
    ("auto", "twelvelabs", URL, "en"),
    ("auto", "twelvelabs", "https://cdn.example/talks/interview_de.mp4", "de"),
    ("auto", "twelvelabs", "https://cdn.example/fr/episode-3.mp4", "fr"),
    ("auto", "twelvelabs", "https://cdn.example/pt-BR/episode-3.mp4", "pt"),
])
def test_language_reported(language: str | None, provider: str, url: str, expected: str) -> None:
    assert _tr({} if language is None else {"language": language}, provider, url).result()["language"] == expected


def test_detect_language_needs_a_code_on_its_own() -> None:
    assert detect_language("https://x/frame/entry.mp4") == "en"
    assert detect_language("https://de.example.com/clip.mp4") == "en"  # the host says nothing about the speech


def test_timestamps_false_gives_plain_text() -> None:
    result = _tr({"language": "en", "timestamps": False}).result()
    assert "segments" not in result and result["text"].count(".") > 5


def test_subtitles_parse_and_follow_the_segments() -> None:
    segments = _tr({"language": "en"}).result()["segments"]
    t = _tr({"language": "en", "format": "srt", "diarization": True})
    content_type, body = t.document()
    assert content_type.startswith("text/srt")
    cues = list(srt.parse(body.decode()))
    assert len(cues) == len(segments)
    for cue, seg in zip(cues, segments, strict=True):
        assert abs(cue.start.total_seconds() - seg["start"]) < 0.001
        assert abs(cue.end.total_seconds() - seg["end"]) < 0.001
        assert " ".join(cue.content.split("\n")) == seg["text"]
    content_type, body = _tr({"language": "en", "format": "vtt", "diarization": True}).document()
    assert content_type.startswith("text/vtt")
    captions = webvtt.from_string(body.decode()).captions
    assert len(captions) == len(segments)
    assert captions[3].start == f"00:0{int(segments[3]['start'] // 60)}:{segments[3]['start'] % 60:06.3f}"
    assert captions[0].voice == "Speaker 0" and captions[0].text.replace("\n", " ") == segments[0]["text"]
    assert _tr({"language": "en", "format": "srt"}).result()["format"] == "srt"


def test_audio_input_is_transcribed_too() -> None:
    result = _tr({"language": "en"}, kind="audio", url="https://media.example.org/podcast.mp3").result()
    assert result["segments"] and result["duration"] == 300.0


def test_translation_of_text() -> None:
    text = "Thank you for the video, Anna. We have a new day of work today!"
    attrs = {"input": {"type": "text", "content": text, "target_language": "es"},
             "options": {"source_language": "en", "formality": "formal"}}
    result = translation(1, attrs, "twelvelabs")
    assert list(result) == ["source_language", "target_language", "content", "character_count"]
    assert result["content"] == "Gracias usted para el vídeo, Anna. Nosotros tener un nuevo día de trabajo hoy!"
    assert (result["source_language"], result["target_language"], result["character_count"]) == ("en", "es", len(text))
    assert translation(1, attrs, "twelvelabs") == result
    informal = translation(1, {**attrs, "options": {"source_language": "en", "formality": "informal"}}, "x")
    assert informal["content"].startswith("Gracias tú")
    auto = translation(1, {"input": {"type": "text", "content": "Der Hund ist nicht mit mir und das Haus",
                                     "target_language": "en"}, "options": {"source_language": "auto"}}, "twelvelabs")
    assert auto["source_language"] == "de" and auto["content"].startswith("The Hund is not with")


def test_pseudo_translation_rules() -> None:
    assert pseudo_translate("Hello world", "en", "en-US") == "Hello world"
    assert pseudo_translate("Hello, big world!", "en-US", "fr") == "Bonjour, bîg monde!"
    assert pseudo_translate("Unknown words here", "en", "ja") == "Unknown wòrds hèrè"
    assert pseudo_translate("THE END", "en", "de") == "DER END"
    assert pseudo_translate("Hola mundo", "es", "fr") == "Hola mûndô"  # no es->fr table: accents only
    assert detect("bonjour, vous êtes pour le film") == "fr" and detect("") == "en"


def test_translation_of_a_document() -> None:
    attrs = {"input": {"type": "document", "url": "https://docs.example/report_it.pdf", "target_language": "en"}}
    result = translation(3, attrs, "twelvelabs", download_url="http://127.0.0.1:8080/files/x")
    assert result["source_language"] == "it" and result["download_url"] == "http://127.0.0.1:8080/files/x"
    assert 2000 <= result["character_count"] < 50000 and "content" not in result
    assert translation(3, attrs, "twelvelabs", "http://127.0.0.1:8080/files/x") == result


def test_analysis_has_exactly_the_features_asked() -> None:
    assert list(_va(["summary", "labels"])) == ["video_metadata", "labels", "summary"]
    full = _va(list(ORDER))
    assert list(full) == ["video_metadata", *ORDER]
    assert full["video_metadata"] == {"duration": 300.0, "width": 1280, "height": 720, "frame_rate": 25.0,
                                      "format": "mp4", "codec": "h264"}
    assert _va(list(ORDER)) == full
    assert _va(list(ORDER), seed=2) != full
    for key in ("labels", "topics", "brands"):
        for item in full[key]:
            assert list(item) == ["name", "confidence", "instances"]
            assert item["confidence"] == max(i["confidence"] for i in item["instances"])
    for item in full["ocr"]:
        assert list(item) == ["text", "confidence", "language", "instances"]
    assert all(list(s) == ["start", "end", "text", "speaker_id", "language", "confidence"]
               for s in full["speech_to_text"])
    assert set(full["content_moderation"]) == {"is_safe", "signals"}
    assert full["sentiment"]["overall"] in ("positive", "neutral", "negative") and -1 <= full["sentiment"]["score"] <= 1
    assert isinstance(full["summary"], str) and full["summary"].endswith("\n")


def test_scenes_cover_the_video() -> None:
    scenes = _va(["scenes"])["scenes"]
    assert [s["index"] for s in scenes] == list(range(len(scenes)))
    assert scenes[0]["start"] == 0 and scenes[-1]["end"] == 300.0
    assert all(a["end"] == b["start"] for a, b in zip(scenes, scenes[1:], strict=False))


def _confidences(result: dict[str, Any]) -> list[float]:
    found = []
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("confidence"), float):
                found.append(node["confidence"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(result)
    return found


def test_confidence_threshold_filters_every_detection() -> None:
    features = ["labels", "faces", "speech_to_text", "ocr", "content_moderation", "topics", "brands"]
    default, strict = _va(features), _va(features, {"confidence_threshold": 0.8})
    assert min(_confidences(default)) >= 0.5 and min(_confidences(strict)) >= 0.8
    assert len(_confidences(strict)) < len(_confidences(default))
    assert {label["name"] for label in strict["labels"]} <= {label["name"] for label in default["labels"]}
    everything = _va(features, {"confidence_threshold": 0})
    assert len(_confidences(everything)) > len(_confidences(default))


def test_content_moderation_flags_an_unsafe_video() -> None:
    moderation = _va(["content_moderation"], url="https://media.example.org/nsfw-clip.mp4")["content_moderation"]
    assert moderation["is_safe"] is False and moderation["signals"][0]["label"] == "explicit_nudity"


def test_only_some_providers_fingerprint_faces() -> None:
    assert all("fingerprint" in f for f in _va(["faces"])["faces"])
    assert all("fingerprint" not in f for f in _va(["faces"], provider="eden-ai")["faces"])


def test_fingerprints_recognise_people_across_videos_of_a_seed() -> None:
    long = {**FACTS, "duration_s": 900.0}
    videos = [f"https://media.example.org/episode-{n}.mp4" for n in range(4)]
    people = {url: [p.index for p, _ in Video(1, url, long).faces] for url in videos}
    prints = {url: [f["fingerprint"] for f in _va(["faces"], {"confidence_threshold": 0}, url=url,
                                                   facts=long)["faces"]] for url in videos}
    same = different = 0
    for a, b in ((videos[0], videos[1]), (videos[2], videos[3]), (videos[0], videos[3])):
        for i, person in enumerate(people[a]):
            for j, other in enumerate(people[b]):
                score = similarity(prints[a][i], prints[b][j])
                if person == other:
                    assert score > 0.95
                    same += 1
                else:
                    assert score < 0.6
                    different += 1
    assert same >= 3 and different > 50  # regulars recur across the episodes
    # Another seed: other people, unrelated embeddings.
    other_seed = _va(["faces"], url=videos[0], seed=99, facts=long)["faces"]
    assert max(similarity(prints[videos[0]][0], f["fingerprint"]) for f in other_seed) < 0.6


def test_transcription_and_analysis_of_one_url_agree() -> None:
    spoken = [s["text"] for s in _tr({"language": "en"}).result()["segments"]]
    analysed = [s["text"] for s in _va(["speech_to_text"], {"language": "en", "confidence_threshold": 0})[
        "speech_to_text"]]
    assert spoken == analysed
    faces = Video(1, URL, FACTS).faces
    ocr = " ".join(o["text"] for o in _va(["ocr"], {"confidence_threshold": 0})["ocr"])
    assert faces[0][0].name in ocr


def test_derived_facts_are_stable() -> None:
    facts = derived_facts(URL, 1)
    assert facts == derived_facts(URL, 1) != derived_facts(URL, 2)
    assert 30 <= facts["duration_s"] <= 1200 and facts["x_pixels"] == 1920
    assert _va(["labels"], facts=None)["video_metadata"]["duration"] == facts["duration_s"]
