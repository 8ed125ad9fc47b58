"""GET /v1/providers' catalog and the choice of a provider for a new job."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.services.gateway.providers import FEATURES, ProviderError, choose, providers_document

SEED_TWELVELABS = {
    "id": "twelvelabs", "type": "provider", "attributes": {"name": "TwelveLabs", "resources": {
        "transcriptions": {"features": ["language_detection", "diarization", "timestamps"]},
        "translations": {"features": ["language_detection", "formality"]},
        "video-analyses": {"features": ["labels", "scenes", "faces", "speech_to_text", "ocr", "content_moderation",
                                        "sentiment", "topics", "brands", "summary"]},
    }},
}


def test_catalog() -> None:
    data = providers_document()["data"]
    assert [p["id"] for p in data] == ["eden-ai", "twelvelabs"]
    assert data[1] == SEED_TWELVELABS
    eden = data[0]["attributes"]
    assert eden["name"] == "Eden AI"
    assert "language_detection" not in eden["resources"]["transcriptions"]["features"]
    for provider in data:
        for kind, caps in provider["attributes"]["resources"].items():
            assert set(caps["features"]) <= set(FEATURES[kind])


@pytest.mark.parametrize("kind, attributes, provider", [
    ("transcriptions", {"options": {"language": "en"}}, "eden-ai"),
    ("transcriptions", {}, "eden-ai"),
    ("transcriptions", {"options": {"timestamps": True, "format": "srt"}}, "eden-ai"),
    ("transcriptions", {"options": {"language": "auto"}}, "twelvelabs"),
    ("transcriptions", {"options": {"diarization": True}}, "twelvelabs"),
    ("transcriptions", {"options": {"diarization": True}, "provider": "twelvelabs"}, "twelvelabs"),
    ("translations", {"options": {"source_language": "de"}}, "eden-ai"),
    ("translations", {}, "eden-ai"),
    ("translations", {"options": {"source_language": "de", "formality": "default"}}, "eden-ai"),
    ("translations", {"options": {"source_language": "de", "formality": "informal"}}, "twelvelabs"),
    ("video-analyses", {"input": {"features": ["labels", "faces"]}}, "eden-ai"),
    ("video-analyses", {"input": {"features": ["labels", "summary"]}}, "twelvelabs"),
    ("video-analyses", {"input": {"features": ["ocr"]}, "options": {"language": "auto"}}, "eden-ai"),
])
def test_choice(kind: str, attributes: dict[str, Any], provider: str) -> None:
    assert choose(kind, attributes).id == provider


@pytest.mark.parametrize("kind, attributes, code, message", [
    ("transcriptions", {"provider": "eden-ai", "options": {"diarization": True}}, "FEATURE_NOT_SUPPORTED",
     "Provider eden-ai does not support diarization for transcriptions (options.diarization)"),
    ("transcriptions", {"provider": "eden-ai", "options": {"language": "auto"}}, "FEATURE_NOT_SUPPORTED",
     'Provider eden-ai does not support language_detection for transcriptions (options.language "auto")'),
    ("translations", {"provider": "eden-ai", "options": {"source_language": "fr", "formality": "formal"}},
     "FEATURE_NOT_SUPPORTED", 'does not support formality for translations (options.formality "formal")'),
    ("video-analyses", {"provider": "eden-ai", "input": {"features": ["labels", "sentiment", "topics"]}},
     "FEATURE_NOT_SUPPORTED", 'does not support sentiment for video-analyses (input.features "sentiment")'),
    ("video-analyses", {"input": {"features": ["telepathy"]}}, "FEATURE_NOT_SUPPORTED",
     'No provider supports telepathy for video-analyses (input.features "telepathy")'),
    ("transcriptions", {"provider": "openai"}, "PROVIDER_NOT_SUPPORTED",
     "Unknown provider 'openai'; available: eden-ai, twelvelabs"),
])
def test_refusals_name_the_missing_feature(kind: str, attributes: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        choose(kind, attributes)
    assert (caught.value.status, caught.value.code) == (422, code)
    assert message in caught.value.message


def test_unknown_kind() -> None:
    with pytest.raises(ValueError):
        choose("podcasts", {})
