"""What the schemathesis contract modules share: an OpenAPI document served by a live emulator, loaded as a
schema; the fuzzing settings; the check that the served document is the file; and a client whose every
call is validated against the document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

schemathesis.experimental.OPEN_API_3_1.enable()


def fuzz(max_examples: int) -> Any:
    """Hypothesis settings for a schemathesis-parametrized test against a live server."""
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@dataclass(frozen=True)
class Spec:
    path: str  # where the emulator serves the document
    prefix: str  # where the API it describes is mounted
    file: Path  # the document in the source tree
    checks: tuple[Any, ...]
    generation: Any = None  # a schemathesis GenerationConfig (e.g. which header values to make up)

    def load(self, base_url: str) -> Any:
        extra = {"generation_config": self.generation} if self.generation is not None else {}
        return schemathesis.from_uri(base_url + self.path, base_url=base_url + self.prefix, validate_schema=True,
                                     **extra)

    def assert_served(self, base_url: str) -> None:
        r = requests.get(base_url + self.path, timeout=10)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.json() == self.document()

    def document(self) -> Any:
        return json.loads(self.file.read_text())


def document_tests(spec: Spec, max_examples: int) -> tuple[Any, Any, Any]:
    """For a module with a `server` fixture (a live emulator's base URL): the schema fixture, the fuzzing
    test over every operation, and the served-document test. Assign them to module-level names."""

    @pytest.fixture(scope="module")
    def api_schema(server: str) -> Any:
        return spec.load(server)

    schema = schemathesis.from_pytest_fixture("api_schema")

    @schema.parametrize()
    @fuzz(max_examples)
    def test_conforms(case: Any) -> None:
        case.call_and_validate(checks=spec.checks)

    def test_served_document_is_the_file(server: str) -> None:
        spec.assert_served(server)

    return api_schema, test_conforms, test_served_document_is_the_file


class Client:
    """Calls made through the schema: each response is validated with the spec's checks."""

    def __init__(self, spec: Spec, base_url: str) -> None:
        self.spec = spec
        self.base_url = base_url
        self.schema = spec.load(base_url)

    def call(self, path: str, method: str, status: int | None = 200, **kwargs: Any) -> requests.Response:
        """status=None: any status the document allows."""
        case = self.schema[path][method].make_case(**kwargs)
        response = case.call_and_validate(checks=self.spec.checks)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def json(self, path: str, method: str, status: int | None = 200, **kwargs: Any) -> Any:
        return self.call(path, method, status, **kwargs).json()
