"""faker_for's instances: one per locale and thread, with a random_element that keeps each weighted table's running
sums. They must draw exactly what a new Faker draws, in every locale, for everything the results ask of them."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from faker import Faker
from faker.config import AVAILABLE_LOCALES
from helpers import faker_now

from emulator.services.media.vocabulary import DATE_ANCHOR, _quick, faker_for, faker_locale

ASKED = ("name", "name_male", "name_female", "first_name", "last_name", "city", "country", "company",
         "catch_phrase", "job", "day_of_week", "month_name", "street_address", "word")


def draws(fake: Faker, seed: int) -> list[Any]:
    fake.seed_instance(seed)
    out: list[Any] = []
    for method in ASKED * 2:
        try:
            out.append(getattr(fake, method)())
        except AttributeError as exc:  # a locale without the provider fails alike both ways
            out.append(type(exc).__name__)
    out.append(fake.random.getstate())
    return out


@pytest.mark.parametrize("locale", sorted(AVAILABLE_LOCALES))
def test_a_quick_faker_draws_what_a_new_one_draws(locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    quick, new = _quick(Faker(locale)), Faker(locale)
    faker_now(monkeypatch, DATE_ANCHOR)  # a new Faker on the day ours stands at
    for seed in (0, 2**63 + 5):
        assert draws(quick, seed) == draws(new, seed)


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fi_FI", "ja_JP"])
def test_dates_are_the_same_on_any_day(locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weekdays and month names in a transcript came from a span ending today: another day, other words."""
    quick, new = _quick(Faker(locale)), Faker(locale)
    faker_now(monkeypatch, 1_700_000_000)
    before, new_before = draws(quick, 7), draws(new, 7)
    faker_now(monkeypatch, 2_100_000_000)
    assert draws(quick, 7) == before
    assert draws(new, 7) != new_before  # a plain Faker's do change: the clock really moved for Faker


def test_one_instance_per_locale_and_thread() -> None:
    assert faker_for("en-US") is faker_for(None) is faker_for("xx-YY")
    assert faker_for("fi") is faker_for("fi-FI") is not faker_for("en-US")
    assert faker_locale("xx-YY") == "en_US" and faker_locale("de-XX").startswith("de")
    other: list[Faker] = []
    thread = threading.Thread(target=lambda: other.append(faker_for("en-US")))
    thread.start()
    thread.join()
    assert other[0] is not faker_for("en-US")
