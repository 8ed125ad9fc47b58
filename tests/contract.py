"""What the schemathesis contract modules share: an OpenAPI document served by a live emulator, loaded as a
schema (with the links between its operations, for stateful runs); the fuzzing settings; the check that the
served document is the file; and a client whose every call is validated against the document.

FUZZ_EXAMPLES=N (`make fuzz`: 1000) raises every module's examples per operation, and the stateful runs, to N."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

schemathesis.experimental.OPEN_API_3_1.enable()

# What every emulated API's answers are checked for: no 5xx, and status, content type, body and headers as its
# document says.
CHECKS: tuple[Any, ...] = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
)


def examples(default: int) -> int:
    """The module's own count, or FUZZ_EXAMPLES when set (`make fuzz`)."""
    return int(os.environ.get("FUZZ_EXAMPLES") or default)


def fuzz(max_examples: int) -> Any:
    """Hypothesis settings for a schemathesis-parametrized test against a live server."""
    return settings(max_examples=examples(max_examples), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def stateful(max_examples: int, steps: int = 10) -> Any:
    """Hypothesis settings for a stateful run: `max_examples` sequences of up to `steps` linked calls."""
    return settings(max_examples=examples(max_examples), stateful_step_count=steps, deadline=None,
                    suppress_health_check=list(HealthCheck))


@dataclass(frozen=True)
class Link:
    """An OpenAPI link added to the loaded schema: what a stateful run feeds from one answer into a next call.
    `parameters` as "location.name": runtime expression; `body` merged into the target's generated body."""

    source: tuple[str, str]  # (path, method)
    target: tuple[str, str]
    parameters: dict[str, str] | None = None
    body: Any = None
    status: str = "200"


@dataclass(frozen=True)
class Spec:
    path: str  # where the emulator serves the document
    prefix: str  # where the API it describes is mounted
    file: Path  # the document in the source tree
    checks: tuple[Any, ...]
    links: tuple[Link, ...] = field(default=())
    generation: Any = None  # a schemathesis GenerationConfig (e.g. which header values to make up)

    def load(self, base_url: str) -> Any:
        extra = {"generation_config": self.generation} if self.generation is not None else {}
        schema = schemathesis.from_uri(base_url + self.path, base_url=base_url + self.prefix, validate_schema=True,
                                       **extra)
        for link in self.links:
            schema.add_link(source=schema[link.source[0]][link.source[1]],
                            target=schema[link.target[0]][link.target[1]], status_code=link.status,
                            parameters=link.parameters, request_body=link.body)
        return schema

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


def stateful_test(spec: Spec, max_examples: int = 5) -> Any:
    """For a module with document_tests' `api_schema` fixture and a spec with links: the stateful test
    (sequences of up to 10 calls along the links, each answer checked). Assign it to a module-level name."""

    def test_stateful_conforms(api_schema: Any) -> None:
        assert spec.links, "no links: nothing stateful to run"

        class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
            def validate_response(self, response: Any, case: Any, additional_checks: Any = ()) -> None:
                case.validate_response(response, checks=spec.checks)

            def _add_results_to_targets(self, targets: Any, results: Any) -> None:
                # Schemathesis 3 files a step's answer under the link it can feed (or drops it) by overriding
                # hypothesis' _add_result_to_targets, which newer hypothesis renamed: without this every answer
                # lands in the catch-all bundle and the run stops after one call ("No progress can be made").
                for result in results:
                    target = None if result is None else self._get_target_for_result(result)
                    if target is not None:
                        super()._add_results_to_targets((target,), [result])

        run_state_machine_as_test(Machine, settings=stateful(max_examples))

    return test_stateful_conforms


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
