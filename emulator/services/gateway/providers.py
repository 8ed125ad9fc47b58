"""The gateway's backend providers (GET /v1/providers) and the choice of one for a new job: the provider asked
for, checked against the features the job needs, or the first provider that has them all.

TwelveLabs' capabilities are the seed's example response. The seed shows no Eden AI entry; it says only that
the default transcription backend is Google via Eden AI, which needs an explicit language. Eden AI's lists are
what its own API offers through that default engine (docs/fidelity.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Collection name -> JSON:API resource type of its jobs.
KINDS = {"transcriptions": "transcription-job", "translations": "translation-job",
         "video-analyses": "video-analysis-job"}
# Every feature a kind knows, in the seed's enum order.
FEATURES = {
    "transcriptions": ("language_detection", "diarization", "timestamps"),
    "translations": ("language_detection", "formality"),
    "video-analyses": ("labels", "scenes", "faces", "speech_to_text", "ocr", "content_moderation", "sentiment",
                       "topics", "brands", "summary"),
}


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    resources: dict[str, tuple[str, ...]]  # kind -> features

    def resource(self) -> dict[str, Any]:
        return {"id": self.id, "type": "provider", "attributes": {
            "name": self.name,
            "resources": {kind: {"features": list(features)} for kind, features in self.resources.items()},
        }}


# In the order choose() tries them: Eden AI (the default backend) first.
PROVIDERS = (
    Provider("eden-ai", "Eden AI", {
        "transcriptions": ("timestamps",),
        "translations": ("language_detection",),
        "video-analyses": ("labels", "scenes", "faces", "ocr", "content_moderation", "brands"),
    }),
    Provider("twelvelabs", "TwelveLabs", dict(FEATURES)),
)
BY_ID = {p.id: p for p in PROVIDERS}


class ProviderError(Exception):
    """A job no provider (or not the one asked for) can run. code: PROVIDER_NOT_SUPPORTED or
    FEATURE_NOT_SUPPORTED (422)."""

    status = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def providers_document() -> dict[str, Any]:
    """GET /v1/providers."""
    return {"data": [p.resource() for p in PROVIDERS]}


def required_features(kind: str, attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """[(feature, why)] a job's create attributes need, why naming the option that asks for it."""
    options = attributes.get("options") or {}
    needs: list[tuple[str, str]] = []
    if kind == "transcriptions":
        if options.get("language") == "auto":
            needs.append(("language_detection", 'options.language "auto"'))
        if options.get("diarization") is True:
            needs.append(("diarization", "options.diarization"))
        if options.get("timestamps") is True:
            needs.append(("timestamps", "options.timestamps"))
    elif kind == "translations":
        source = options.get("source_language")
        if source in (None, "auto"):
            needs.append(("language_detection", 'options.source_language "auto"' if source else
                          "options.source_language omitted (detected)"))
        if options.get("formality") in ("formal", "informal"):
            needs.append(("formality", f'options.formality "{options["formality"]}"'))
    elif kind == "video-analyses":
        for feature in dict.fromkeys((attributes.get("input") or {}).get("features") or []):
            needs.append((feature, f'input.features "{feature}"'))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return needs


def choose(kind: str, attributes: dict[str, Any]) -> Provider:
    """The provider for a new job of kind (a collection name) with these create attributes."""
    needs = required_features(kind, attributes)
    wanted = attributes.get("provider")
    if wanted is not None:
        provider = BY_ID.get(wanted)
        if provider is None:
            raise ProviderError("PROVIDER_NOT_SUPPORTED", f"Unknown provider {wanted!r}; available: "
                                f"{', '.join(BY_ID)} (GET /v1/providers)")
        if kind not in provider.resources:
            raise ProviderError("PROVIDER_NOT_SUPPORTED", f"Provider {wanted} does not offer {kind}")
        missing = [(f, why) for f, why in needs if f not in provider.resources[kind]]
        if missing:
            feature, why = missing[0]
            raise ProviderError("FEATURE_NOT_SUPPORTED", f"Provider {wanted} does not support {feature} for "
                                f"{kind} ({why}); see GET /v1/providers")
        return provider
    for provider in PROVIDERS:
        features = provider.resources.get(kind)
        if features is not None and all(f in features for f, _ in needs):
            return provider
    unsupported = [(f, why) for f, why in needs if not any(f in p.resources.get(kind, ()) for p in PROVIDERS)]
    if unsupported:
        feature, why = unsupported[0]
        raise ProviderError("FEATURE_NOT_SUPPORTED", f"No provider supports {feature} for {kind} ({why})")
    raise ProviderError("FEATURE_NOT_SUPPORTED", f"No provider supports all of {', '.join(f for f, _ in needs)} "
                        f"for {kind}")
