"""Words the generator draws from: topics, speech templates, on-screen text, captions. Visual and audio
concepts are in concepts.py (taken from Valossa's own sample)."""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

# IAB Content Taxonomy 1.0 tier-1 categories (and the Arts & Entertainment tier 2), as topic.iab uses them.
IAB = {
    "IAB1": ["Arts & Entertainment"], "IAB1-5": ["Arts & Entertainment", "Movies"],
    "IAB1-6": ["Arts & Entertainment", "Music"], "IAB1-7": ["Arts & Entertainment", "Television"],
    "IAB2": ["Automotive"], "IAB3": ["Business"], "IAB5": ["Education"], "IAB6": ["Family & Parenting"],
    "IAB7": ["Health & Fitness"], "IAB8": ["Food & Drink"], "IAB9": ["Hobbies & Interests"],
    "IAB10": ["Home & Garden"], "IAB11": ["Law, Gov't & Politics"], "IAB12": ["News"],
    "IAB13": ["Personal Finance"], "IAB14": ["Society"], "IAB15": ["Science"], "IAB16": ["Pets"],
    "IAB17": ["Sports"], "IAB18": ["Style & Fashion"], "IAB19": ["Technology & Computing"],
    "IAB20": ["Travel"], "IAB21": ["Real Estate"], "IAB23": ["Religion & Spirituality"],
}
# Which IAB category a visual categ tag suggests (topics follow what is seen).
TAG_TO_IAB = {
    "automotive": "IAB2", "boats_ships": "IAB20", "buildings_architecture": "IAB20", "fauna": "IAB16",
    "pets": "IAB16", "flora": "IAB10", "fashion_wear": "IAB18", "food_drink": "IAB8", "home_garden": "IAB10",
    "sport": "IAB17", "consumer_electronics": "IAB19", "celebrations_holidays": "IAB14", "graphics": "IAB1",
    "human_basic": "IAB14", "human_features": "IAB7",
}
# Concepts concrete enough to be talked about ("the {thing} over there").
CONCRETE = {"automotive", "boats_ships", "buildings_architecture", "fauna", "flora", "fashion_wear", "food_drink",
            "home_garden", "consumer_electronics", "sport"}
GENERAL_TOPICS = [
    "interview", "documentary", "city life", "music performance", "travel", "news report", "cooking",
    "product presentation", "sports event", "nature", "family life", "public speech", "behind the scenes",
    "education", "comedy", "drama", "technology review", "outdoor adventure",
]
EXPLICIT = ["bare skin", "nsfw", "violence", "blood", "weapon in hand"]
EMOTIONS = [
    "joy", "mild joy", "sadness", "serious expression", "fear", "tension/anxiousness", "disgust",
    "displeasure", "anger", "concentration/displeasure", "surprise", "startlement", "neutral",
]
NOVELTY = [
    "photosynthesis", "carburetor", "sommelier", "archipelago", "stalactite", "metronome", "origami",
    "cartographer", "telescope", "marathon", "espresso", "harpsichord", "glacier", "algorithm", "sourdough",
    "lighthouse", "saxophone", "aquarium", "observatory", "blacksmith", "hydroponics", "kaleidoscope",
]
PROFANITY = ["damn", "hell", "crap", "bloody"]
SWEARS = ["damn", "bloody"]  # the ones that fit the templates' adjective slot

# Speech templates: (sentiment -1..1, text). Slots: person, city, country, company, weekday, month, number,
# novelty, thing (a concrete concept seen in the video), job, swear.
SPEECH = [
    (0.6, "I met {person} in {city} last {weekday}."),
    (0.7, "Thank you all for coming here today."),
    (0.2, "We started working with {company} back in {month}."),
    (0.5, "This is the first time we have filmed in {country}."),
    (0.0, "Let me show you how the {thing} works."),
    (0.8, "Honestly, the view from here is amazing."),
    (-0.5, "The weather turned quickly in the afternoon."),
    (0.3, "{person} is our {job} and knows every detail."),
    (0.0, "We need about {number} more minutes to finish."),
    (0.4, "Have you ever heard of a {novelty}?"),
    (-0.6, "That was a {swear} difficult week for everyone."),
    (0.1, "The {thing} over there has been here for years."),
    (0.5, "My grandmother grew up just outside {city}."),
    (0.0, "Right, so what happens next?"),
    (0.6, "I think {person} did a great job with the {novelty}."),
    (-0.3, "We were not sure the plan would work."),
    (0.2, "The team from {company} arrived on {weekday} morning."),
    (0.0, "Take a closer look at the {thing}."),
    (0.7, "That is exactly what I wanted to hear."),
    (-0.4, "Nobody expected the road to {city} to be closed."),
    (0.3, "We spent {number} days travelling across {country}."),
    (0.0, "Can you tell us a little about yourself?"),
    (0.5, "I have always loved the sound of the {novelty}."),
    (-0.7, "The {swear} lights went out again."),
    (0.2, "{person} and I have known each other since school."),
    (0.1, "Next {month} we will be back in {city}."),
    (0.4, "The best part of the job is meeting people."),
    (0.0, "Let us go over the numbers one more time."),
    (0.6, "You can see the {thing} right behind me."),
    (-0.2, "It took longer than anyone had planned."),
    (0.3, "{company} sponsored the whole project."),
    (0.0, "We will talk to {person} after the break."),
    (0.5, "People here are incredibly friendly."),
    (0.1, "Every {weekday} the market fills the square."),
    (-0.5, "I am worried about what comes next."),
    (0.4, "This recipe came from a small village in {country}."),
]
FILLERS = ["Well,", "So,", "You know,", "Okay,", "Look,", "And"]

CAPTIONS = [
    "{A} and {b} in view.",
    "A shot showing {a}, with {b} in the background.",
    "{A} seen close up while {people} nearby.",
    "A wide view of {a} next to {b}.",
    "{People} near {a}, with {b} visible.",
    "The camera pans across {a} and {b}.",
]
NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def concept_id(label: str) -> str:
    """A stable 12-character concept id for labels outside concepts.py, in the shape of Valossa's cids."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    digest = hashlib.sha256(label.encode()).digest()
    return "".join(alphabet[b % 64] for b in digest[:12])


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


@lru_cache(maxsize=64)
def faker_locale(language: str | None) -> str:
    """The Faker locale for a media language: itself when Faker knows it, another of its language, else en_US."""
    from faker.config import AVAILABLE_LOCALES

    locale = (language or "en-US").replace("-", "_")
    if locale not in AVAILABLE_LOCALES:
        base = locale.split("_")[0]
        locale = next((loc for loc in sorted(AVAILABLE_LOCALES) if loc.split("_")[0] == base), "en_US")
    return locale


_LOCAL = threading.local()  # .fakers: {locale: Faker}, each thread its own (Valossa renders in worker threads)


def faker_for(language: str | None) -> Faker:
    """Names and places in the media's language when Faker knows it (en_US otherwise); sentences come from
    our own templates, so no locale ever yields lorem ipsum.

    One instance per locale and thread, made once (a new one costs about a millisecond) and returned to every
    call: seed it (seed_instance, which resets all it draws from) before each use, and draw all you need from it
    before anything else asks faker_for for that locale."""
    fakers: dict[str, Faker] | None = getattr(_LOCAL, "fakers", None)
    if fakers is None:
        fakers = _LOCAL.fakers = {}
    locale = faker_locale(language)
    fake = fakers.get(locale)
    if fake is None:
        # Imported here, not at startup: Faker takes a good part of the startup budget and only results need it.
        from faker import Faker

        fake = fakers[locale] = _quick(Faker(locale))
    return fake


def _quick(fake: Faker) -> Faker:
    """fake with a random_element that draws exactly as Faker's own but keeps the running sums of each weighted
    table (Faker adds up the thousands of weights of a first-name table at every draw: most of a name's cost)."""
    from faker.providers import BaseProvider
    from faker.providers.date_time import Provider as DateTimeProvider

    for factory in fake.factories:
        for provider in factory.get_providers():
            if type(provider).random_elements is BaseProvider.random_elements:
                provider.random_elements = _random_elements(provider)
            if isinstance(provider, DateTimeProvider):
                provider._parse_end_datetime = _ends_at_anchor(type(provider))  # type: ignore[method-assign]
    return fake


# Faker's dates (a weekday, a month name) fall between 1970 and *now*: the same seed gave other words on
# another day. Results must be the same for the same job on any day, so "now" is this fixed moment.
DATE_ANCHOR = 1_767_225_600  # 2026-01-01T00:00:00Z


def _ends_at_anchor(cls: Any) -> Any:
    def parse_end(value: Any) -> int:
        return DATE_ANCHOR if value is None else int(cls._parse_end_datetime(value))
    return parse_end


def _random_elements(provider: Any) -> Callable[..., Sequence[Any]]:
    """provider.random_elements for one element (what random_element asks): for a weighted OrderedDict,
    random.choices with the cumulative weights choices() itself would compute, list(accumulate(weights)); for a
    list, tuple or str, random.choice; anything else as Faker does it."""
    original = provider.random_elements

    def random_elements(elements: Any = ("a", "b", "c"), length: int | None = None, unique: bool = False,
                        use_weighting: bool | None = None) -> Sequence[Any]:
        rng = provider.generator.random
        if length == 1 and not unique and type(rng) is random.Random:
            if type(elements) is OrderedDict:
                weighted = use_weighting if use_weighting is not None else provider.__use_weighting__
                table = elements.__dict__.get("_emulator_table")
                if table is None or len(table[0]) != len(elements):
                    table = (tuple(elements.keys()), list(accumulate(elements.values())))
                    elements._emulator_table = table  # type: ignore[attr-defined]
                keys, cum_weights = table
                if weighted:
                    return rng.choices(keys, cum_weights=cum_weights, k=1)
                return [rng.choice(keys)]
            if type(elements) in (list, tuple, str):
                return [rng.choice(elements)]
        return original(elements, length, unique, use_weighting)

    return random_elements
