"""Bodies of any nesting: the journal lists and counts them. JSON nested more than 200 levels deep is shown as
(masked) text and not matched field by field; up to that depth it is matched as usual."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

DEEP_ARRAY = "[" * 600 + "]" * 600  # 1.2 KB
DEEPER_ARRAY = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
TOO_DEEP = "body: expected a JSON or form body, got JSON nested more than 200 levels deep (shown as text, not matched)"


async def post(client: httpx.AsyncClient, body: str) -> None:
    # Whatever the service answers (a 400, a 500): only the journal is under test here.
    await client.post("/core/1.0/new_job", content=body.encode(), headers={"content-type": "application/json"})


async def entries(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/_emulator/requests")
    assert r.status_code == 200, r.text
    return r.json()["requests"]


async def count(client: httpx.AsyncClient, **matcher: Any) -> dict[str, Any]:
    r = await client.post("/_emulator/requests/count", json=matcher)
    assert r.status_code == 200, r.text
    return r.json()


def nested(arrays: int, leaf: str) -> str:
    """{"a": [[...[leaf]...]]}: an object and `arrays` arrays around the leaf."""
    return '{"a": ' + "[" * arrays + leaf + "]" * arrays + "}"


async def test_deep_bodies_are_listed_and_counted(client: httpx.AsyncClient) -> None:
    for body in (DEEP_ARRAY, DEEPER_ARRAY, DEEP_OBJECT):
        await post(client, body)
    deep, deeper, obj = await entries(client)
    assert (deep["body"], deep["body_truncated"]) == (DEEP_ARRAY, False)
    assert (deeper["body"], deeper["body_truncated"]) == (DEEPER_ARRAY[:4096], True)
    assert (obj["body"], obj["body_truncated"]) == (DEEP_OBJECT[:4096], True)

    assert await count(client, method="POST", path="/core/1.0/new_job") == {"count": 3}
    answer = await count(client, body={"a": 1})
    assert answer["count"] == 0
    misses = answer["near_misses"]
    assert [m["request"]["id"] for m in misses] == [3, 2, 1]  # equally far: the newest first
    assert all(m["differences"] == [TOO_DEEP] for m in misses)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEPER_ARRAY, DEEP_OBJECT], ids=["600", "5000", "object-5000"])
async def test_each_deep_body_alone(client: httpx.AsyncClient, body: str) -> None:
    await post(client, body)
    [entry] = await entries(client)
    assert entry["body"] == body[:4096]
    assert await count(client, method="POST") == {"count": 1}
    assert (await count(client, body={"a.a": 1}))["near_misses"][0]["differences"] == [TOO_DEEP]


async def test_secrets_in_a_deep_body_are_masked(client: httpx.AsyncClient) -> None:
    body = '{"api_key": "s3cr3t", "token": 42, "x": ' + DEEP_ARRAY + "}"
    await post(client, body)
    [entry] = await entries(client)
    assert entry["body"] == '{"api_key": "****", "token": "****", "x": ' + DEEP_ARRAY + "}"
    answer = await count(client, body={"api_key": "****"})
    assert answer["count"] == 0 and answer["near_misses"][0]["differences"] == [TOO_DEEP]
    assert "s3cr3t" not in str(answer)


async def test_nesting_up_to_the_limit_is_matched(client: httpx.AsyncClient) -> None:
    await post(client, nested(197, '{"api_key": "s3cr3t", "b": [1, 2.5, true, null]}'))  # 200 levels
    await post(client, nested(200, "1"))  # 201 levels
    path = "a" + ".0" * 197
    assert await count(client, body={f"{path}.api_key": "****", f"{path}.b": [1.0, 2.5, True, None]}) == {"count": 1}
    assert await count(client, body={f"{path}.b.-2": True}) == {"count": 1}
    # The whole 200-deep value compared with an expected one, and shown when it differs.
    answer = await count(client, body={"a": [[1]]})
    assert answer["count"] == 0
    shallow, deep = answer["near_misses"]
    assert shallow["request"]["id"] == 1 and shallow["differences"][0].startswith("body a: expected [[1]], got [[[[")
    assert deep["request"]["id"] == 2 and deep["differences"] == [TOO_DEEP]


async def test_brackets_inside_strings_do_not_count(client: httpx.AsyncClient) -> None:
    await post(client, '{"title": "' + "[{" * 3000 + '\\"]", "n": 1}')
    assert await count(client, body={"n": 1}) == {"count": 1}


async def test_a_deep_expected_value(client: httpx.AsyncClient) -> None:
    await post(client, '{"a": 1}')
    expected = "[" * 300 + "]" * 300
    r = await client.post("/_emulator/requests/count", content=b'{"body": {"a": ' + expected.encode() + b"}}")
    assert r.status_code == 200, r.text
    assert r.json()["near_misses"][0]["differences"] == [
        "body a: expected a value nested more than 200 levels deep, got 1"
    ]


@pytest.mark.parametrize("path", ["/_emulator/clock/advance", "/_emulator/requests/count",
                                  "/_emulator/scenarios/active"])
async def test_admin_bodies_nested_too_deep_are_a_400(client: httpx.AsyncClient, path: str) -> None:
    r = await client.post(path, content=b"[" * 5000 + b"]" * 5000)
    assert r.status_code == 400
