"""Benchmark the emulator against a bare Starlette app: the configuration users run and the fastest one.

Figures (see bench/README.md): startup; per service in SERVICES (Valossa, Clipzy, the AI Gateway), throughput and
p99 latency of its poll and create calls as ratios to bare Starlette on uvicorn (polls also with both servers
sharing one core at the same time, which is what judges their req/s), the access log's cost, memory per
ended job, webhook deliveries per second; the scheduler's CPU with 10k jobs in flight, and the SQLite store with
100k jobs (Valossa's).

Run: .venv/bin/python bench/run.py [--quick]. Prints a table and writes bench/results.json; always exits 0
(these are figures, not a test). Servers, the load generator and the webhook receiver each run in their own
process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import (
    BENCH,
    DEFAULT,
    FASTEST,
    QUIET,
    ROOT,
    Config,
    Server,
    bare_cmd,
    emulator,
    emulator_cmd,
    pinned,
    receiver,
    request,
    server,
)

KEY = "bench-key"


@dataclass(frozen=True)
class Prepared:
    """What a service's one-time setup gives the calls that follow on one server."""

    headers: tuple[str, ...] = ()  # e.g. "Authorization: Bearer <token>", sent with every create and poll
    refs: list[str] | None = None  # one per create, each used once: {ref} in the create body (an uploaded video)


@dataclass(frozen=True)
class Polled:
    """One service's job API in the benchmark: how a job is created and how it is polled, and what has to exist
    first (setup). Adding a service is one entry in SERVICES."""

    service: str
    create_label: str  # figure names, e.g. "new_job"
    poll_label: str  # e.g. "job_status"
    create_path: str  # POSTed with create_body
    create_body: str  # JSON; {n} becomes a per-request counter, {callback} a callback URL, {ref} one of setup's refs
    poll_path: str  # GET; {id} becomes a job id
    id_path: tuple[str, ...] = ("job_id",)  # where the create answer carries the id: keys, outermost first
    headers: tuple[str, ...] = ()  # fixed extra headers; setup may add some
    callback_body: str | None = None  # create_body asking for a callback to {callback}; None: no webhooks
    gates: bool = True  # judged against the targets (a service still being built can be measured only)
    # setup(server, args, n): run once on a server before n creates (a token to fetch, n videos to upload). With
    # refs, a create window is n creates (args.budget) rather than a timed window: each ref can be used once.
    setup: Callable[[Server, argparse.Namespace, int], Prepared] | None = None
    end_after: float = 1e6  # simulated seconds one clock advance needs to end every job created at frozen time
    max_jobs: int | None = None  # at most this many jobs for the webhook figure (None: the flags')
    hooks_per_job: int = 1  # callbacks one job sends on its way (the end state's and any progress events)
    going: tuple[str, ...] = ("queued", "processing")  # its states before an end state


def gateway_token(srv: Server, args: argparse.Namespace, n: int) -> Prepared:
    """The Gateway needs a Bearer token: one client-credentials grant (the default client and audience)."""
    status, body = request(srv.port, "POST", "/oauth/token", {
        "grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": "https://ai-gateway.emulator/"})
    if status != 200:
        raise RuntimeError(f"gateway: /oauth/token answered {status}: {body}")
    return Prepared(headers=(f"Authorization: Bearer {body['access_token']}",))


BOUNDARY = "benchboundary7d0e"
UPLOAD_BODY = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench-{{n}}.mp4\"\r\n"
               f"Content-Type: video/mp4\r\n\r\nnot really a video, number {{n}}{'.' * 64}\r\n--{BOUNDARY}--\r\n")


def clipzy_videos(srv: Server, args: argparse.Namespace, n: int) -> Prepared:
    """Clipzy runs one job at a time per video (409 JOB_ALREADY_PROCESSING): n small uploads, one per create.
    Not real media, so their metadata is derived (15 s to 5 min of 'video')."""
    r = load(srv, args, method="POST", path="/api/v1/videos/upload", body=UPLOAD_BODY, requests=n, collect=True,
             content_type=f"multipart/form-data; boundary={BOUNDARY}")
    refs = []
    for raw in r.pop("bodies"):
        try:
            refs.append(str(json.loads(raw)["data"]["video_id"]))
        except (ValueError, KeyError, TypeError):
            pass
    if len(refs) < n:
        raise RuntimeError(f"clipzy: {n} uploads gave {len(refs)} videos: {r['errors']}")
    return Prepared(refs=refs)


VALOSSA_MEDIA = '"media":{"video":{"url":"https://example.com/video-{n}.mp4"}}'
GATEWAY_INPUT = '"input":{"type":"video","url":"https://example.com/video-{n}.mp4"}'
SERVICES: list[Polled] = [
    Polled("valossa", "new_job", "job_status", "/core/1.0/new_job", '{"api_key":"bench-key",' + VALOSSA_MEDIA + "}",
           f"/core/1.0/job_status?api_key={KEY}&job_id={{id}}",
           callback_body='{"api_key":"bench-key",' + VALOSSA_MEDIA + ',"callback":{"url":"{callback}"}}',
           going=("queued", "on_hold", "preparing_analysis", "processing")),
    Polled("clipzy", "POST /jobs", "GET /jobs/{id}", "/api/v1/jobs", '{"video_id":"{ref}"}', "/api/v1/jobs/{id}",
           id_path=("data", "job_id"), callback_body='{"video_id":"{ref}","webhook_url":"{callback}"}',
           setup=clipzy_videos, max_jobs=10_000),  # a video per job, uploaded first
    # Jobs wait for one of 2 workers (gateway.workers): one advance of 1e8 s ends 100,000 of them in ~40 s, but
    # their webhooks (5 a job, a few hundred a second) would take minutes, hence max_jobs.
    Polled("gateway", "POST /v1/transcriptions", "GET /v1/transcriptions/{id}", "/v1/transcriptions",
           '{"data":{"type":"transcription-job","attributes":{' + GATEWAY_INPUT + "}}}", "/v1/transcriptions/{id}",
           id_path=("data", "id"), setup=gateway_token, end_after=1e8, max_jobs=10_000, hooks_per_job=5,
           going=("pending", "processing"),
           callback_body='{"data":{"type":"transcription-job","attributes":{' + GATEWAY_INPUT
           + ',"webhook":{"url":"{callback}"}}}}'),
]
VALOSSA = SERVICES[0]

# Targets, as ratios to bare Starlette measured in the same sitting.
POLL_RATIO, POLL_P99, CREATE_RATIO, STARTUP_RATIO = 0.8, 2.5, 0.4, 2.0
MEMORY_PER_JOB = 1500  # bytes of RSS per ended job, in memory
WEBHOOKS_PER_S = 1000
SCHEDULER_CPU = 0.05  # share of a core, 10k jobs in flight, waiting on their timers

POLL_ADVANCE = 30.0  # simulated seconds: Valossa's jobs are downloading, two Gateway jobs are processing
SELF_TEST = False  # --self-test: the bare app stands in for the emulator, to check this harness


def emu(config: Config, *extra: str, name: str | None = None, cpus: set[int] | None = None) -> Any:
    return emulator(config, *extra, name=name, cmd=bare_cmd if SELF_TEST else None, cpus=cpus)


def busy_cpu_seconds() -> float:
    """Non-idle CPU time of the whole machine, from /proc/stat."""
    import os

    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load(srv: Server, args: argparse.Namespace, *, method: str = "GET", path: str = "/", body: str = "",
         ids: list[str] | None = None, requests: int = 0, collect: bool = False,
         headers: tuple[str, ...] = (), content_type: str = "application/json", cpus: set[int] | None = None,
         beside: bool = False) -> dict:
    """Run bench/loadgen.py in its own process (on `cpus` only, if given) and return its JSON result, plus the
    server's CPU use. beside: another window runs at the same time (its CPU is no surprise)."""
    cmd = [sys.executable, str(BENCH / "loadgen.py"), "--port", str(srv.port), "--conns", str(args.conns),
           "--method", method, "--path", path, "--body", body,
           "--warmup", str(args.warmup), "--duration", str(args.duration), "--content-type", content_type]
    for header in headers:
        cmd += ["--header", header]
    if requests:
        cmd += ["--requests", str(requests)]
    if collect:
        cmd.append("--collect")
    with tempfile.NamedTemporaryFile("w", suffix=".ids") as f:
        if ids:
            f.write("\n".join(ids))
            f.flush()
            cmd += ["--ids", f.name]
        cpu, gen, busy, t0 = srv.cpu_seconds(), children_cpu_seconds(), busy_cpu_seconds(), time.perf_counter()
        # A hung server must not hang the benchmark: allow a window plus slack, or >= 100 req/s.
        timeout = max(120, requests / 100) if requests else args.warmup + args.duration + 30
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=timeout,
                              preexec_fn=pinned(cpus))
        wall = time.perf_counter() - t0
        # Near 100% means the server is CPU-bound; well below means it waits (e.g. on disk or locks).
        server_cpu = (srv.cpu_seconds() - cpu) / wall
        # CPU used by anything but this server and the load generator skews the figures on 2 cores.
        other_cpu = (busy_cpu_seconds() - busy) / wall - server_cpu - (children_cpu_seconds() - gen) / wall
    result = json.loads(done.stdout)
    result.update(server_cpu=round(server_cpu, 2), other_cpu=round(max(other_cpu, 0.0), 2),
                  # Requests per second of the server's own CPU: what a request costs, whatever else runs on
                  # the machine (a server starved of CPU by other processes shows a low req/s, not a high cost).
                  cpu_rps=round(result["requests"] / result["seconds"] / server_cpu) if server_cpu > 0 else 0)
    if other_cpu > 0.15 and not beside:
        print(f"  ! other processes used {other_cpu:.0%} of a core during this window; figures are skewed")
    if result["errors"] or result["disconnects"]:
        print(f"  ! {method} {path}: errors {result['errors']}, disconnects {result['disconnects']}")
    return result


def prepare(srv: Server, args: argparse.Namespace, svc: Polled, n: int) -> Prepared:
    """svc's setup on srv for n creates; its headers are kept on the server for the polls that follow."""
    prepared = svc.setup(srv, args, n) if svc.setup else Prepared()
    srv.headers[svc.service] = svc.headers + prepared.headers
    return prepared


def job_id(raw: str, path: tuple[str, ...]) -> str | None:
    try:
        value: Any = json.loads(raw)
        for key in path:
            value = value[key]
        return str(value)
    except (ValueError, KeyError, TypeError):
        return None


def create_jobs(srv: Server, args: argparse.Namespace, n: int, svc: Polled = VALOSSA,
                callback: str | None = None) -> tuple[list[str], dict]:
    """n jobs through svc's create call (after its setup), answers kept; returns their ids and the load figures."""
    prepared = prepare(srv, args, svc, n)
    body = svc.create_body if callback is None else (svc.callback_body or "").replace("{callback}", callback)
    r = load(srv, args, method="POST", path=svc.create_path, body=body.replace("{ref}", "{id}"), requests=n,
             collect=True, headers=srv.headers[svc.service], ids=prepared.refs)
    ids = [i for i in (job_id(raw, svc.id_path) for raw in r.pop("bodies")) if i is not None]
    if len(ids) < n:
        print(f"  ! asked for {n} {svc.service} jobs, got {len(ids)}")
    return ids, r


def poll(srv: Server, args: argparse.Namespace, ids: list[str], svc: Polled = VALOSSA, **how: Any) -> dict:
    return load(srv, args, path=svc.poll_path, ids=ids, headers=srv.headers.get(svc.service, svc.headers), **how)


def create(srv: Server, args: argparse.Namespace, svc: Polled = VALOSSA) -> dict:
    """A create window on a fresh server: timed, or args.budget creates when each needs a ref of its own."""
    prepared = prepare(srv, args, svc, args.budget)
    headers = srv.headers[svc.service]
    if prepared.refs is None:
        return load(srv, args, method="POST", path=svc.create_path, body=svc.create_body, headers=headers)
    return load(srv, args, method="POST", path=svc.create_path, body=svc.create_body.replace("{ref}", "{id}"),
                headers=headers, ids=prepared.refs, requests=len(prepared.refs))


def idle_cpu(srv: Server, seconds: float) -> float:
    """Share of a core the server burns with no requests (its job timers firing)."""
    cpu, t0 = srv.cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    return round((srv.cpu_seconds() - cpu) / (time.perf_counter() - t0), 3)


def settle(srv: Server, quiet: float = 0.05, limit: float = 180.0) -> float:
    """Wait until the server idles (its timers done); returns how long that took, in seconds."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit and idle_cpu(srv, 1.0) > quiet:
        pass
    return round(time.perf_counter() - t0, 1)


def median_run(runs: list[dict]) -> dict:
    """The run with the median req/s, plus every round's figure and the median of the rounds' p99s; for windows
    paired with a bare one (paired()), the medians of the pairs' ratios."""
    best = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    out = {**best, "rounds_rps": [r["rps"] for r in runs],
           "p99_ms": statistics.median(r["latency_ms"]["p99"] for r in runs),
           "cpu_rps": statistics.median(r["cpu_rps"] for r in runs)}
    if all("bare" in r for r in runs):
        out["paired_ratios"] = [round(r["rps"] / r["bare"]["rps"], 3) for r in runs]
        out["ratio"] = statistics.median(r["rps"] / r["bare"]["rps"] for r in runs)
        out["p99_ratio"] = statistics.median(r["latency_ms"]["p99"] / r["bare"]["p99_ms"] for r in runs)
        if all(r["bare"]["cpu_rps"] for r in runs):
            out["cpu_ratio"] = statistics.median(r["cpu_rps"] / r["bare"]["cpu_rps"] for r in runs)
    return out


def advance(srv: Server, seconds: float, timeout: float = 600.0) -> dict:
    status, body = request(srv.port, "POST", "/_emulator/clock/advance", {"seconds": seconds}, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"clock/advance answered {status}: {body}")
    return body


# --- the figures, one function each; each adds its keys to `res`

def compile_emulator() -> None:
    """Bytecode for the emulator's modules, as an installed wheel has it (pip compiles at install) and as Python
    writes it at a checkout's first run. With PYTHONDONTWRITEBYTECODE set (as in some shells and containers) a
    checkout's ~130 modules would be compiled from source at every start (~0.2 s), while the bare app's
    dependencies come compiled from site-packages: the startup figure would compare unlike things."""
    import compileall

    compileall.compile_dir(ROOT / "emulator", quiet=1)


def startups(res: dict, args: argparse.Namespace) -> None:
    """Start to first health 200: bare Starlette and each configuration, interleaved, median of args.starts."""
    print(f"startup: {args.starts} starts each of bare Starlette and the emulator's configurations")
    compile_emulator()
    times: dict[str, list[float]] = {"bare": [], DEFAULT.name: [], FASTEST.name: []}
    for _ in range(args.starts):
        with server(bare_cmd, "bare-startup") as srv:
            times["bare"].append(srv.startup)
        for config in (DEFAULT, FASTEST):  # a fresh data dir each time: the SQLite file is created too
            with emu(config, name=f"{config.name}-startup") as srv:
                times[config.name].append(srv.startup)
    res["startup_s"] = {k: {"median": statistics.median(v), "all": [round(t, 3) for t in v]} for k, v in times.items()}


def polled_jobs(servers: dict[str, Server], args: argparse.Namespace) -> dict[tuple[str, str], list[str]]:
    """args.sample jobs of each service on each server (frozen time), by (server name, service). They are in
    flight, as while a client waits, but no timer fires during the windows (time scale 0, one advance puts them
    mid-way): at scale 60 the Gateway's jobs, waiting for one of 2 workers, kept every server's timers busy for
    minutes, taking CPU from the measured one."""
    ids = {(name, s.service): create_jobs(srv, args, args.sample, s)[0]
           for name, srv in servers.items() for s in SERVICES}
    if not SELF_TEST:
        for srv in servers.values():
            advance(srv, POLL_ADVANCE)
    return ids


def throughput(res: dict, args: argparse.Namespace) -> None:
    """Each service's poll and create calls in the default, default-quiet and fastest configurations, in rounds
    alternating with bare Starlette so that drift on this machine hits all alike."""
    configs = (DEFAULT, QUIET, FASTEST)
    print(f"bare Starlette and the emulator ({', '.join(c.name for c in configs)}) side by side, "
          f"{args.rounds} round(s) each")
    runs: dict[str, list[dict]] = {"bare_get": [], "bare_post": []}
    with server(bare_cmd, "bare") as bare:
        frozen = ("--time-scale", "0")
        with emu(DEFAULT, *frozen) as e_default, emu(QUIET, *frozen) as e_quiet, emu(FASTEST, *frozen) as e_fast:
            servers = {DEFAULT.name: e_default, QUIET.name: e_quiet, FASTEST.name: e_fast}
            ids = polled_jobs(servers, args)
            for _ in range(args.rounds):
                for svc in SERVICES:
                    for name, srv in servers.items():
                        if name != QUIET.name:  # judged against bare: a bare window just before it
                            runs["bare_get"].append(load(bare, args, path="/status"))
                        runs.setdefault(f"{name}:{svc.service}:poll", []).append(paired(
                            poll(srv, args, ids[(name, svc.service)], svc),
                            runs["bare_get"][-1] if name != QUIET.name else None))
        for _ in range(args.rounds):
            # A fresh emulator per window: each starts from an empty store, and the jobs a window creates
            # (whose timers keep firing) cannot steal CPU from the next window.
            for svc in SERVICES:
                for config in (DEFAULT, FASTEST):
                    runs["bare_post"].append(load(bare, args, method="POST", path="/new_job",
                                                  body=VALOSSA.create_body))
                    with emu(config) as srv:
                        runs.setdefault(f"{config.name}:{svc.service}:create", []).append(
                            paired(create(srv, args, svc), runs["bare_post"][-1]))
    res.update({k: median_run(v) for k, v in runs.items()})


def paired(run: dict, bare: dict | None) -> dict:
    """An emulator window with the bare window run just before it. Judged by the median of such pairs' ratios:
    this machine's rate drifts by 10-20 % from one window to the next, and a round's nine windows took a
    minute, so one bare window per round said more about the drift than about the emulator."""
    if bare is not None:
        run["bare"] = {"rps": bare["rps"], "p99_ms": bare["latency_ms"]["p99"], "cpu_rps": bare["cpu_rps"]}
    return run


def shared(res: dict, args: argparse.Namespace) -> None:
    """Each service's poll in the default and fastest configurations against bare Starlette's GET, both servers
    at the same time on the same core (their load generators on the other cores). Windows taken one after the
    other, even paired, carry this machine's drift (10-30 % between windows a minute apart, more at times);
    two servers sharing a core see the same machine at the same moment. Each gets half the core when both are
    busy: the ratio of their req/s is the inverse ratio of what a request costs each, what "req/s against bare"
    means on a core of its own. Judged by the lower of that and the ratio of their requests per CPU-second (a
    server with busy threads could take more than half; one waiting on I/O, less). A bare-vs-bare pair each
    round shows the method's own bias. Latency is not judged here (each waits for the other's time slices)."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        print("shared-core windows: skipped (they need 2 CPUs, this process may use 1)")
        return
    core, others = {cores[0]}, set(cores[1:])
    print(f"bare Starlette and the emulator ({DEFAULT.name}, {FASTEST.name}) at once on CPU {cores[0]}, load "
          f"generators on the others, {args.rounds} round(s)")
    runs: dict[str, list[dict]] = {}

    def together(emulated: Callable[[], dict], bare: Callable[[], dict]) -> dict:
        with ThreadPoolExecutor(2) as pool:
            a, b = pool.submit(emulated), pool.submit(bare)
            run, base = a.result(), b.result()
        rps, cpu = run["rps"] / base["rps"], run["cpu_rps"] / base["cpu_rps"] if base["cpu_rps"] else 0.0
        return {"rps": run["rps"], "bare_rps": base["rps"], "rps_ratio": round(rps, 3), "cpu_ratio": round(cpu, 3),
                "ratio": round(min(rps, cpu) if cpu else rps, 3)}

    with server(bare_cmd, "bare-shared", cpus=core) as bare, server(bare_cmd, "bare-shared-2", cpus=core) as bare2:
        def bare_get(srv: Server) -> Callable[[], dict]:
            return lambda: load(srv, args, path="/status", cpus=others, beside=True)

        frozen = ("--time-scale", "0")
        with emu(DEFAULT, *frozen, name="default-shared", cpus=core) as e_default, \
                emu(FASTEST, *frozen, name="fastest-shared", cpus=core) as e_fast:
            servers = {DEFAULT.name: e_default, FASTEST.name: e_fast}
            ids = polled_jobs(servers, args)
            for _ in range(args.rounds):
                runs.setdefault("bare:bare:poll", []).append(together(bare_get(bare2), bare_get(bare)))
                for svc in SERVICES:
                    for name, srv in servers.items():
                        def polled(srv: Server = srv, name: str = name, svc: Polled = svc) -> dict:
                            return poll(srv, args, ids[(name, svc.service)], svc, cpus=others, beside=True)

                        runs.setdefault(f"{name}:{svc.service}:poll", []).append(together(polled, bare_get(bare)))
    for key, rounds in runs.items():
        res[f"shared:{key}"] = {"ratio": statistics.median(r["ratio"] for r in rounds),
                                "rps_ratios": [r["rps_ratio"] for r in rounds],
                                "cpu_ratios": [r["cpu_ratio"] for r in rounds], "rounds": rounds}


def sqlite_store(res: dict, args: argparse.Namespace) -> None:
    """The SQLite store with args.jobs jobs against one with args.sample (access log off: the store's own cost)."""
    with tempfile.TemporaryDirectory(prefix="bench-empty-") as small_dir, \
            tempfile.TemporaryDirectory(prefix="bench-full-") as full_dir:
        def sqlite(data_dir: str) -> Callable[[int], list[str]]:
            return bare_cmd if SELF_TEST else lambda p: emulator_cmd(p, QUIET, data_dir)

        print(f"emulator --data-dir: job_status with {args.sample} jobs")
        with server(sqlite(small_dir), "sqlite-empty") as small:
            small_ids, _ = create_jobs(small, args, args.sample)
            print(f"emulator --data-dir: creating {args.jobs:,} jobs, then job_status on {args.sample} of them")
            with server(sqlite(full_dir), "sqlite-full") as srv:
                ids, res["sqlite_populate"] = create_jobs(srv, args, args.jobs)
                res["sqlite_populated_rss_mb"] = srv.rss_mb()
                res["sqlite_full_idle_cpu"] = idle_cpu(srv, 2.0)
                sample = random.sample(ids, min(args.sample, len(ids)))
                # The jobs just created are still going through their lifecycles (timers and store writes at
                # time scale 60): a figure for that, then the store's own cost once every job has settled,
                # in rounds alternating with the small store so that drift on this machine hits both alike.
                res["sqlite_busy"] = poll(srv, args, sample)
                res["sqlite_settle_s"] = settle(srv)
                # Back-to-back pairs, judged by the median of their ratios: this machine's rate drifts by
                # 10-15 % between windows, as much as the margin being measured.
                small_runs, full_runs = [], []
                for _ in range(args.pairs):
                    small_runs.append(poll(small, args, small_ids))
                    full_runs.append(poll(srv, args, sample))
                res["sqlite_small"] = median_run(small_runs)
                res["sqlite_full"] = median_run(full_runs)
                ratios = [f["rps"] / s["rps"] for s, f in zip(small_runs, full_runs, strict=True)]
                res["sqlite_full"]["paired_ratios"] = [round(r, 3) for r in ratios]
                res["sqlite_full"]["ratio"] = statistics.median(ratios)
                res["sqlite_full_rss_mb"] = srv.rss_mb()


def memory(res: dict, args: argparse.Namespace) -> None:
    """RSS per ended job, in memory, per service: RSS after a warm-up, then args.memory_jobs new jobs (with what
    their setup made: a Clipzy job's uploaded video), all ended by one clock advance, RSS again; the difference
    over the count."""
    for svc in SERVICES:
        n = args.memory_jobs  # the target's count for every service (max_jobs is the webhook figure's)
        print(f"memory: {n:,} {svc.service} jobs created and ended, in memory (--time-scale 0 --journal-size 0)")
        with emu(FASTEST, "--time-scale", "0", name=f"memory-{svc.service}") as srv:
            create_jobs(srv, args, 1_000, svc)  # warm-up: code paths, allocator arenas, the first objects
            advance(srv, svc.end_after)
            before = srv.rss_mb()["VmRSS"]
            _, populate = create_jobs(srv, args, n, svc)
            in_flight = srv.rss_mb()["VmRSS"]
            t0 = time.perf_counter()
            advanced = advance(srv, svc.end_after)
            ended_after = time.perf_counter() - t0
            after = srv.rss_mb()
            states = Counter[str]()  # jobs not ended (views of ended ones carry results: slow by the thousand)
            for state in svc.going:
                status, going = request(srv.port, "GET", f"/_emulator/jobs?service={svc.service}&status={state}"
                                        f"&limit={n + 2000}", timeout=120)
                states[state] += len((going or {}).get("jobs", [])) if status == 200 else 0
        res[f"memory:{svc.service}"] = {
            "jobs": n, "rss_before_mb": round(before, 1), "rss_in_flight_mb": round(in_flight, 1),
            "rss_after_mb": round(after["VmRSS"], 1), "peak_mb": round(after["VmHWM"], 1),
            "bytes_per_job": round((after["VmRSS"] - before) * 1024 * 1024 / n),
            "bytes_per_job_in_flight": round((in_flight - before) * 1024 * 1024 / n),
            "create_rps": populate["rps"], "advance_s": round(ended_after, 2),
            "timers_fired": advanced.get("fired"), "not_ended": {k: v for k, v in states.items() if v},
        }


def webhooks(res: dict, args: argparse.Namespace) -> None:
    """Callbacks delivered per second to a receiver in its own process: args.webhook_jobs jobs with a callback
    created at frozen time, then one clock advance ends them all; counted at the receiver. Per service and
    configuration (a Gateway job also sends a progress event at each of its 4 processing steps)."""
    for svc, config in ((svc, config) for svc in SERVICES if svc.callback_body for config in (DEFAULT, FASTEST)):
        n = min(args.webhook_jobs, svc.max_jobs or args.webhook_jobs)
        expected = n * svc.hooks_per_job
        print(f"webhooks: {n:,} {svc.service} jobs with a callback ({expected:,} deliveries) from the {config.name} "
              "configuration to a local receiver")
        with receiver() as rcv, emu(config, "--time-scale", "0", name=f"{config.name}-webhooks") as srv:
            create_jobs(srv, args, n, svc, callback=rcv.url)
            cpu, t0 = srv.cpu_seconds(), time.perf_counter()
            # The advance answers after firing every timer (waiting up to 2 s for deliveries); the rest are
            # still going out: wait until the receiver's count stops moving.
            thread = threading.Thread(target=advance, args=(srv, svc.end_after), daemon=True)
            thread.start()
            last, still = -1, time.perf_counter()
            while time.perf_counter() - t0 < max(120.0, expected / 20):  # a Gateway burst ends slowly
                time.sleep(0.25)
                total = rcv.stats()["total"]
                if total >= expected and not thread.is_alive():
                    break
                if total != last:
                    last, still = total, time.perf_counter()
                elif time.perf_counter() - still > 5 and not thread.is_alive():
                    break
            thread.join(timeout=60)
            answered = not thread.is_alive()
            if not answered:
                print("  ! the advance has not answered: the server is still ending jobs")
            stats = rcv.stats()
            server_cpu = (srv.cpu_seconds() - cpu) / (time.perf_counter() - t0)
            # What the outbox says of the rest: still pending (and why), failed.
            try:
                status, body = request(srv.port, "GET", "/_emulator/webhooks", timeout=30)
            except OSError:  # a server still busy with the burst may not answer in time
                status, body = 0, None
            hooks = body["webhooks"] if status == 200 else []
            if status != 200:
                print("  ! the outbox did not answer within 30 s: the server is still busy with the burst")
            outbox = Counter(h["status"] for h in hooks)
            errors = Counter((h["attempts"][-1]["error"] or "").split(":")[0] for h in hooks
                             if h["status"] != "delivered" and h["attempts"])
            seconds = sorted(stats["per_second"].values())
            full = seconds[1:-1] or seconds  # whole seconds only: the first and last are partial
            res[f"{config.name}:{svc.service}:webhooks"] = {
                "service": svc.service, "config": config.name, "jobs": n, "expected": expected,
                "delivered": stats["total"], "distinct": stats["distinct"], "ended": stats["ended"],
                "duplicates": stats["duplicates"], "rate": stats["rate"], "best_second": stats["best_second"],
                "median_second": statistics.median(full) if full else 0,
                "server_cpu": round(server_cpu, 2), "outbox": dict(outbox),
                "undelivered_errors": dict(errors),
                "undelivered_unattempted": sum(1 for h in hooks if h["status"] != "delivered" and not h["attempts"]),
                "outbox_answered": status == 200, "advance_answered": answered,
            }


SCHEDULER_SCALE = 0.5  # a Valossa job's first step (10 simulated s) then lasts 20 real seconds


def scheduler(res: dict, args: argparse.Namespace) -> None:
    """The server's CPU with args.inflight jobs in flight (default configuration): while they wait (no timer due
    yet: the target), and while their first steps end (each job moves on, and its new state is written)."""
    n = args.inflight
    print(f"scheduler: {n:,} jobs in flight at --time-scale {SCHEDULER_SCALE:g} (default configuration), server CPU "
          f"while they wait (up to {args.idle_window:g} s) and while their first steps end")
    with emu(DEFAULT, "--time-scale", f"{SCHEDULER_SCALE:g}", name="scheduler") as srv:
        t0 = time.perf_counter()
        _, populate = create_jobs(srv, args, n)
        span = time.perf_counter() - t0
        first_due = t0 + 10 / SCHEDULER_SCALE  # no timer falls due before the first job's first step ends
        time.sleep(0.3)  # the access log's last batch, the last commits
        status, clock = request(srv.port, "GET", "/_emulator/clock")
        window = min(args.idle_window, first_due - time.perf_counter() - 0.5)
        waiting = idle_cpu(srv, window) if window >= 0.5 else None
        if waiting is None:
            print(f"  ! creating {n:,} jobs took {span:.1f} s: no time left to measure them waiting")
        time.sleep(max(0.0, first_due - time.perf_counter()))
        cpu, t1 = srv.cpu_seconds(), time.perf_counter()
        status, before = request(srv.port, "GET", "/_emulator/clock")
        time.sleep(span / SCHEDULER_SCALE + 1.0)  # the first steps end as far apart as the jobs were created
        firing_cpu = srv.cpu_seconds() - cpu
        status, after = request(srv.port, "GET", "/_emulator/clock")
        res["scheduler"] = {
            "jobs": n, "time_scale": SCHEDULER_SCALE, "server_cpu": waiting, "window_s": round(window, 1),
            "pending_timers": (clock or {}).get("pending_timers"), "create_rps": populate["rps"],
            "firing_s": round(time.perf_counter() - t1, 1), "firing_cpu_s": round(firing_cpu, 2),
            "firing_share": round(firing_cpu / (time.perf_counter() - t1), 3),
            "rss_mb": round(srv.rss_mb()["VmRSS"], 1),
        }


STEPS: dict[str, Callable[[dict, argparse.Namespace], None]] = {
    "startup": startups, "throughput": throughput, "shared": shared, "memory": memory, "webhooks": webhooks,
    "scheduler": scheduler, "sqlite": sqlite_store}  # in the order a sitting takes them (--only names them)


def measure(args: argparse.Namespace) -> dict:
    names = ("conns", "warmup", "duration", "rounds", "pairs", "jobs", "sample", "starts", "memory_jobs",
             "webhook_jobs", "budget", "inflight", "idle_window")
    res: dict = {"settings": {k: getattr(args, k) for k in names}, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                 "services": [s.service for s in SERVICES]}
    steps = STEPS
    if SELF_TEST:  # the bare app has no clock to advance: only the figures that need none
        steps = {k: v for k, v in steps.items() if k in ("startup", "throughput", "shared", "sqlite")}
    for name, step in steps.items():
        if args.only and name not in args.only:
            continue
        step(res, args)
    return res


# --- the table

# figure, value, p99, server CPU, requests per server CPU-second, target, pass (None: context)
Row = tuple[str, str, str, str, str, str, bool | None]


def verdicts(res: dict, args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []

    def add(figure: str, value: str, p99: str = "", cpu: str = "", per_cpu: str = "", target: str = "",
            ok: bool | None = None) -> None:
        rows.append((figure, value, p99, cpu, per_cpu, target, ok))

    def pct(x: float) -> str:
        return f"{x:.0%}"

    if "startup_s" in res:
        s = res["startup_s"]
        bare = s["bare"]["median"]
        add("startup to first health 200, bare Starlette (median)", f"{bare:.3f} s")
        for config in (DEFAULT, FASTEST):
            t = s[config.name]["median"]
            target, ok = f"<= {STARTUP_RATIO:g}x bare", t <= STARTUP_RATIO * bare
            if config is FASTEST:
                target, ok = target + ", <= 0.5 s", ok and t <= 0.5
            add(f"startup, {config.name} ({config.about})", f"{t:.3f} s = {t / bare:.1f}x", target=target, ok=ok)

    if "bare_get" in res:
        bare = {"poll": res["bare_get"], "create": res["bare_post"]}
        for kind, label in (("poll", "GET"), ("create", "POST")):
            r = bare[kind]
            add(f"bare Starlette {label}", f"{r['rps']:,.0f} req/s", f"{r['p99_ms']:.1f} ms", pct(r["server_cpu"]),
                f"{r['cpu_rps']:,.0f}")
        for config in (DEFAULT, FASTEST):
            for svc in SERVICES:
                for kind in ("poll", "create"):
                    r, b = res[f"{config.name}:{svc.service}:{kind}"], bare[kind]
                    ratio = r.get("ratio", r["rps"] / b["rps"])  # results.json of before the pairing: whole medians
                    p99 = r.get("p99_ratio", r["p99_ms"] / b["p99_ms"])
                    cpu_ratio = r.get("cpu_ratio", r["cpu_rps"] / b["cpu_rps"] if b["cpu_rps"] else None)
                    per_cpu = f"{r['cpu_rps']:,.0f} = {cpu_ratio:.0%}" if cpu_ratio is not None else ""
                    if kind == "poll" and f"shared:{config.name}:{svc.service}:poll" in res:
                        # req/s is judged sharing a core (below): these windows, one after the other, carry drift
                        target, ok = f"p99 <= {POLL_P99:g}x (req/s: sharing a core, below)", p99 <= POLL_P99
                    elif kind == "poll":
                        target = f">= {POLL_RATIO:.0%} of bare GET, p99 <= {POLL_P99:g}x"
                        ok = ratio >= POLL_RATIO and p99 <= POLL_P99
                    else:
                        target, ok = f">= {CREATE_RATIO:.0%} of bare POST", ratio >= CREATE_RATIO
                    add(f"{svc.service} {svc.poll_label if kind == 'poll' else svc.create_label}, {config.name}",
                        f"{r['rps']:,.0f} req/s = {ratio:.0%}", f"{r['p99_ms']:.1f} ms = {p99:.1f}x",
                        pct(r["server_cpu"]), per_cpu, target, ok if svc.gates else None)
        for svc in SERVICES:
            on, off = res[f"{DEFAULT.name}:{svc.service}:poll"], res[f"{QUIET.name}:{svc.service}:poll"]
            add(f"access log's cost on {svc.service} {svc.poll_label} (default, info vs warning)",
                f"{1 - on['rps'] / off['rps']:.0%} of req/s ({on['rps']:,.0f} vs {off['rps']:,.0f})",
                f"{on['p99_ms']:.1f} vs {off['p99_ms']:.1f} ms", "",
                f"{1 - on['cpu_rps'] / off['cpu_rps']:.0%}" if off["cpu_rps"] else "")

    if "shared:bare:bare:poll" in res:
        b = res["shared:bare:bare:poll"]
        add("bare vs bare sharing a core (the method's own bias)", f"{b['ratio']:.0%} ({fmt(b['rps_ratios'])})")
        for config in (DEFAULT, FASTEST):
            for svc in SERVICES:
                r = res[f"shared:{config.name}:{svc.service}:poll"]
                add(f"{svc.service} {svc.poll_label}, {config.name}, sharing a core with bare GET",
                    f"{r['ratio']:.0%} (req/s {fmt(r['rps_ratios'])}; per CPU-s {fmt(r['cpu_ratios'])})",
                    target=f">= {POLL_RATIO:.0%} of bare GET", ok=r["ratio"] >= POLL_RATIO if svc.gates else None)

    for svc in SERVICES:
        m = res.get(f"memory:{svc.service}")
        if m:
            going = m.get("not_ended", {})
            note = " (not ended: " + ", ".join(f"{k} {v}" for k, v in going.items()) + ")" if going else ""
            add(f"{svc.service} memory per ended job, in memory ({m['jobs']:,} jobs)",
                f"{m['bytes_per_job']:,} B ({m['rss_before_mb']:.0f} -> {m['rss_after_mb']:.0f} MB){note}",
                target=f"<= {MEMORY_PER_JOB:,} B", ok=m["bytes_per_job"] <= MEMORY_PER_JOB if svc.gates else None)
            add(f"{svc.service} memory per job in flight, in memory", f"{m['bytes_per_job_in_flight']:,} B")

    for key, w in res.items():
        if key.endswith(":webhooks"):
            svc_name, config_name = w["service"], w["config"]
            lost = w["jobs"] - w["ended"]
            note = f", {lost} missing" if lost else ""
            if lost and w.get("undelivered_errors"):
                note += " (" + ", ".join(f"{k or 'no error'} {v}" for k, v in w["undelivered_errors"].items()) + ")"
            if lost and w.get("undelivered_unattempted"):
                note += f" ({w['undelivered_unattempted']} never attempted)"
            if lost and not w.get("advance_answered", True):
                note += " (the advance had not answered: jobs still ending)"
            if lost and not w.get("outbox_answered", True):
                note += " (the outbox did not answer: server still busy)"
            note += f", {w['duplicates']} duplicates" if w["duplicates"] else ""
            if w["delivered"] - w["duplicates"] < w["expected"] and not lost:
                note += f", {w['delivered']:,} of {w['expected']:,} deliveries"
            add(f"{svc_name} webhook deliveries, {config_name} ({w['jobs']:,} jobs ended by one advance)",
                f"{w['rate'] or 0:,.0f}/s (best second {w['best_second']:,}){note}", cpu=pct(w["server_cpu"]),
                target=f">= {WEBHOOKS_PER_S:,}/s, none lost",
                ok=(w["rate"] or 0) >= WEBHOOKS_PER_S and not lost and not w["duplicates"])

    if "scheduler" in res:
        s = res["scheduler"]
        waiting = s["server_cpu"]
        add(f"scheduler, {s['jobs']:,} jobs in flight, waiting (default, {s['window_s']:g} s)",
            f"{s['pending_timers']} timers", cpu="n/a" if waiting is None else f"{waiting:.1%}",
            target=f"< {SCHEDULER_CPU:.0%} of a core", ok=None if waiting is None else waiting < SCHEDULER_CPU)
        add(f"scheduler, the same {s['jobs']:,} jobs' first steps ending",
            f"{s['firing_cpu_s'] / s['jobs'] * 1e6:.0f} us CPU per move", cpu=f"{s['firing_share']:.0%}")

    if "sqlite_full" in res:
        jobs, sample = args.jobs, args.sample

        def row(key: str, label: str, ratio_to: str | None = None, target: str = "",
                limit: float | None = None) -> None:
            r = res[key]
            value = f"{r['rps']:,.0f} req/s"
            ok = None
            if ratio_to is not None:
                ratio = r.get("ratio") or r["rps"] / res[ratio_to]["rps"]  # paired rounds carry their own
                value += f" = {ratio:.0%}"
                ok = None if limit is None else ratio >= limit
            add(label, value, f"{r['latency_ms']['p99']:.1f} ms", pct(r["server_cpu"]), f"{r['cpu_rps']:,.0f}",
                target, ok)

        row("sqlite_populate", f"new_job (SQLite, no access log, creating {jobs:,})")
        row("sqlite_small", f"job_status (SQLite, no access log, {sample} jobs)")
        row("sqlite_busy", f"job_status (SQLite, {jobs:,} jobs, lifecycles running)", "sqlite_small")
        row("sqlite_full", f"job_status (SQLite, {jobs:,} jobs, settled; median of paired ratios)",
            "sqlite_small", ">= 90% of few-jobs case", 0.90)
        add(f"idle server, just after creating {jobs:,}", "", cpu=pct(res["sqlite_full_idle_cpu"]))
        add(f"lifecycles of {jobs:,} new jobs settled after", f"{res['sqlite_settle_s']} s")
        rss = res["sqlite_full_rss_mb"]
        add(f"server RSS with {jobs:,} jobs (SQLite)", f"{rss['VmRSS']:.0f} MB (peak {rss['VmHWM']:.0f})",
            target="<= 300 MB", ok=rss["VmRSS"] <= 300)
    return rows


def fmt(ratios: list[float]) -> str:
    return " ".join(f"{r:.0%}" for r in ratios)


def table(rows: list[Row]) -> str:
    head = ("figure", "value", "p99", "srv CPU", "req/CPU-s", "target", "")
    cells = [head] + [(*r[:6], "" if r[6] is None else ("PASS" if r[6] else "FAIL")) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="short smoke run (under 2 minutes): 2 s windows, "
                   "10,000 jobs")
    p.add_argument("--conns", type=int, default=50, help="concurrent keep-alive connections (default 50)")
    p.add_argument("--warmup", type=float, help="unmeasured seconds per window (default 1, quick 0.5)")
    p.add_argument("--duration", type=float, help="measured seconds per window (default 5, quick 2)")
    p.add_argument("--rounds", type=int, help="windows per figure, median kept (default 3, quick 1)")
    p.add_argument("--pairs", type=int, help="back-to-back small/large store windows (default 7, quick 1)")
    p.add_argument("--jobs", type=int, help="jobs stored for the large-store case (default 100000, quick 10000)")
    p.add_argument("--sample", type=int, default=300, help="job ids polled (default 300)")
    p.add_argument("--starts", type=int, help="starts timed per configuration (default 5, quick 3)")
    p.add_argument("--memory-jobs", type=int, help="jobs ended for the memory figure (default 100000, "
                   "quick 10000)")
    p.add_argument("--budget", type=int, help="creates per window for a service whose creates each need a "
                   "ref of their own (Clipzy: an uploaded video) (default 3000, quick 1000)")
    p.add_argument("--webhook-jobs", type=int, help="callbacks for the delivery rate (default 10000, quick 2000)")
    p.add_argument("--inflight", type=int, default=10_000, help="jobs in flight for the scheduler's CPU "
                   "(default 10000)")
    p.add_argument("--idle-window", type=float, help="at most this many seconds the scheduler's CPU is measured "
                   "while jobs wait (default 10, quick 3)")
    p.add_argument("--only", nargs="+", metavar="STEP", choices=tuple(STEPS), help="run only these steps")
    p.add_argument("--output", type=Path, default=BENCH / "results.json", help="JSON results file")
    p.add_argument("--self-test", action="store_true", help="run the bare app in place of the emulator "
                   "(checks the harness itself)")
    args = p.parse_args(argv)
    global SELF_TEST
    SELF_TEST = args.self_test
    if SELF_TEST:  # the bare app answers Valossa's two paths only (and needs no setup)
        SERVICES[:] = [VALOSSA]
    q = args.quick

    def default(name: str, full: float, quick: float) -> None:
        if getattr(args, name) is None:
            setattr(args, name, type(full)(quick if q else full))

    default("warmup", 1.0, 0.5)
    default("duration", 5.0, 2.0)
    default("rounds", 3, 1)
    default("pairs", 7, 1)
    default("jobs", 100_000, 10_000)
    default("starts", 5, 3)
    default("memory_jobs", 100_000, 10_000)
    default("webhook_jobs", 10_000, 2_000)
    default("budget", 3_000, 1_000)
    default("idle_window", 10.0, 3.0)

    t0 = time.perf_counter()
    try:
        res = measure(args)
    except KeyboardInterrupt:
        print("interrupted; servers stopped")
        return 0
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        print(f"benchmark aborted: {exc!r}", getattr(exc, "stderr", "") or "")
        return 0
    res["elapsed_s"] = round(time.perf_counter() - t0, 1)
    rows = verdicts(res, args)
    res["verdicts"] = [dict(zip(("figure", "value", "p99", "server_cpu", "cpu_rps", "target", "pass"), r,
                                strict=True)) for r in rows]
    args.output.write_text(json.dumps(res, indent=2) + "\n")
    print()
    print(table(rows))
    pairs = res.get("sqlite_full", {}).get("paired_ratios")
    if pairs:
        print(f"\nlarge/small store, each back-to-back pair: {', '.join(f'{r:.0%}' for r in pairs)}")
    skewed = [k for k, v in res.items() if isinstance(v, dict) and v.get("other_cpu", 0) > 0.15]
    if skewed:
        print(f"\nwarning: other processes were busy during {', '.join(skewed)}; rerun on a quiet machine")
    failed = [r[0] for r in rows if r[6] is False]
    print(f"\n{len(failed)} of {sum(r[6] is not None for r in rows)} targets missed"
          + (": " + "; ".join(failed) if failed else ""))
    print(f"results written to {args.output} ({res['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
