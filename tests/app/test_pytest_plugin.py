"""The pytest plugin (entry point video_ai_emulator): off unless a suite opts in, then emulator fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
# The inner runs go in a subprocess, as a user's suite does: in process, pytester restores sys.modules after
# each run, so modules first imported there (httpcore's backends) came back as new classes, and later tests'
# `except httpx.ConnectError` no longer caught what httpx raised.

QUIET = "asyncio_default_fixture_loop_scope = function\n"  # pytest-asyncio's warning in the inner runs

VALOSSA_TEST = r'''
import httpx

URLS = []


def test_a_valossa_job(emulator, emulator_admin):
    base = emulator.service_url("valossa")
    URLS.append(emulator.url)
    r = httpx.post(base + "/new_job",
                   json={"api_key": "k", "media": {"video": {"url": "https://example.com/a.mp4"}}})
    job_id = r.json()["job_id"]
    emulator_admin.run_until(job_id, "finished")
    status = httpx.get(base + "/job_status", params={"api_key": "k", "job_id": job_id}).json()
    assert status["status"] == "finished"
    emulator_admin.assert_requested("POST", "/core/1.0/new_job", body={"media.video.url": "https://example.com/a.mp4"})
    emulator_admin.use_scenario("valossa-instant")
    emulator_admin.put_scenario("temp", "service: valossa\ntimeline:\n  - state: finished\n")


def test_the_next_test_starts_clean(emulator, emulator_admin):
    URLS.append(emulator.url)
    assert emulator_admin.jobs() == []
    assert emulator_admin.requests() == []
    scenarios = emulator_admin.scenarios()
    assert scenarios["active"] in ({}, [], None)
    assert "temp" not in [s["name"] for s in scenarios["scenarios"]]
    assert emulator_admin.clock()["time_scale"] == 0


def test_one_server_per_session():
    assert len(URLS) == 2 and URLS[0] == URLS[1]
'''


def test_opted_in_by_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nvideo_ai_emulator = true\n" + QUIET)
    pytester.makepyfile(test_valossa=VALOSSA_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_opted_in_by_flag(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n" + QUIET)
    pytester.makepyfile(test_valossa=VALOSSA_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--video-ai-emulator")
    result.assert_outcomes(passed=3)


def test_not_opted_in_has_no_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n" + QUIET)
    pytester.makepyfile(test_plain="""
        def test_uses_it(emulator):
            pass

        def test_plain(request):
            assert not request.config.pluginmanager.has_plugin("video_ai_emulator_fixtures")
            assert request.config.pluginmanager.has_plugin("video_ai_emulator")
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'emulator' not found*"])


def test_ini_settings(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nvideo_ai_emulator = true\nvideo_ai_emulator_seed = 5\n" + QUIET +
        "video_ai_emulator_scenarios = scen\nvideo_ai_emulator_config = emu.yaml\n"
    )
    pytester.path.joinpath("emu.yaml").write_text("valossa:\n  api_keys: [ci-key]\n")
    pytester.mkdir("scen").joinpath("mine.yaml").write_text(
        "mine-quick:\n  service: valossa\n  match: {fields: {media.video.url: {contains: quick}}}\n"
        "  timeline:\n    - state: queued\n    - after: 1s\n      state: finished\n"
    )
    pytester.makepyfile(test_settings="""
        import httpx

        def new_job(emulator, key):
            return httpx.post(emulator.service_url("valossa") + "/new_job",
                              json={"api_key": key, "media": {"video": {"url": "https://example.com/quick.mp4"}}})

        def test_settings_apply(emulator, emulator_admin):
            assert emulator.settings.seed == 5 and emulator.settings.in_memory
            assert new_job(emulator, "other").status_code == 401
            job_id = new_job(emulator, "ci-key").json()["job_id"]
            job = emulator_admin.run_until(job_id, "finished")
            assert job["scenario"] == "mine-quick"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_this_suite_is_not_opted_in(request: pytest.FixtureRequest) -> None:
    assert request.config.pluginmanager.has_plugin("video_ai_emulator")
    assert not request.config.pluginmanager.has_plugin("video_ai_emulator_fixtures")
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue("emulator")
