"""Gateway unit tests: one signing key generated per module (RSA generation is the slow part)."""

from __future__ import annotations

import pytest
from gateway_support import BASE, NOW

from emulator.services.gateway.keys import KeyRing
from emulator.services.gateway.settings import GatewaySettings


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    return KeyRing.open(None, NOW)


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings().with_issuer(BASE)
