"""CLI commands that talk to a running emulator through its admin API: `jobs`, `requests`, `advance`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .admin_client import DEFAULT_URL, AdminClient, AdminError, NotRunning, format_duration, seconds_of

COMMANDS = ("jobs", "requests", "advance")
PAGE = 100  # journal entries per poll with --tail


def _url_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=os.environ.get("EMULATOR_URL") or DEFAULT_URL,
                   help=f"the emulator's base URL (default: $EMULATOR_URL, else {DEFAULT_URL})")


def _duration(text: str) -> float:
    try:
        return seconds_of(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a duration like 90, 30s, 10m, 2h or 1h30m, got {text!r}") from None


def add_parsers(sub: Any) -> None:
    """Register the commands on cli.py's subparsers."""
    jobs = sub.add_parser(
        "jobs", help="list a running emulator's jobs",
        description="List the jobs of a running emulator, newest first: id, service, state, how long it has "
        "been in that state, the next state and when it comes (in virtual time), scenario.",
    )
    _url_argument(jobs)
    jobs.add_argument("--service", help="only this service's jobs (e.g. valossa)")
    jobs.add_argument("--status", help="only jobs in this state (e.g. processing)")
    jobs.add_argument("--key", help="only jobs created with this API key")
    jobs.add_argument("--limit", type=int, help="only the newest this many")
    jobs.add_argument("--json", action="store_true", help="print the admin API's JSON instead of a table")

    reqs = sub.add_parser(
        "requests", help="show (or follow) the requests a running emulator received",
        description="Print the request journal of a running emulator, oldest first, one line per request: "
        "time, service, method, path, status, milliseconds, job id. With --tail, keep printing new requests "
        "until Ctrl-C.",
    )
    _url_argument(reqs)
    reqs.add_argument("--tail", "-f", action="store_true", help="follow: print new requests as they arrive")
    reqs.add_argument("--service", help="only this service (e.g. valossa)")
    reqs.add_argument("--method", help="only this HTTP method")
    reqs.add_argument("--path", help="only paths matching this (exact or a glob like '/core/1.0/job_*')")
    reqs.add_argument("--status", type=int, help="only responses with this HTTP status")
    reqs.add_argument("--job", dest="job_id", metavar="JOB_ID", help="only requests about this job")
    reqs.add_argument("--since", help="only requests at or after this time (as the admin API takes it)")
    reqs.add_argument("--limit", type=int, help="at most this many requests (before following)")
    reqs.add_argument("--json", action="store_true", help="print each entry as one line of JSON")
    reqs.add_argument("--interval", type=float, default=0.5, help="seconds between polls with --tail "
                      "(default 0.5)")
    reqs.add_argument("--max-polls", type=int, default=None, help=argparse.SUPPRESS)  # for tests

    adv = sub.add_parser(
        "advance", help="move a running emulator's virtual clock forward",
        description="Move the virtual clock of a running emulator forward, firing every timer that falls due "
        "in order (job transitions, webhook deliveries), then print the new time.",
    )
    adv.add_argument("duration", type=_duration, metavar="DURATION",
                     help="how far: seconds (90) or a duration like 30s, 10m, 2h, 1h30m")
    _url_argument(adv)


def run(args: argparse.Namespace) -> int:
    """Run one of COMMANDS; one-line error and exit 1 when the emulator is not there or refuses."""
    prog = "video-ai-emulator"
    try:
        with AdminClient(args.url) as admin:
            return {"jobs": jobs, "requests": requests, "advance": advance}[args.command](admin, args)
    except NotRunning as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except AdminError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


# jobs

def jobs(admin: AdminClient, args: argparse.Namespace) -> int:
    found = admin.jobs(service=args.service, status=args.status, key=args.key, limit=args.limit)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("no jobs", file=sys.stderr)
        return 0
    now = _epoch(admin.clock()["epoch"])
    rows: list[tuple[str, ...]] = [("ID", "SERVICE", "STATE", "SINCE", "NEXT", "SCENARIO")]
    for job in found:
        since = _epoch(job.get("state_since"))
        nxt = job.get("next")
        rows.append((
            str(job.get("id")), str(job.get("service")), str(job.get("state")),
            f"{format_duration(max(now - since, 0))} ago" if since is not None and now is not None else "-",
            f"{nxt['state']} in {format_duration(max(float(nxt.get('in_seconds') or 0), 0))}" if nxt else "-",
            str(job.get("scenario") or "-"),
        ))
    _table(rows)
    return 0


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


# requests

def requests(admin: AdminClient, args: argparse.Namespace) -> int:
    filters = {"service": args.service, "method": args.method, "path": args.path, "status": args.status,
               "job_id": args.job_id, "since": args.since}
    entries = admin.requests(**filters, limit=args.limit)
    for entry in entries:
        _print_entry(entry, args.json)
    if not args.tail:
        if not entries:
            print("no requests recorded", file=sys.stderr)
        return 0
    last = entries[-1]["id"] if entries else None
    if last is None:
        # Start after whatever the journal holds now, even entries the filters hide.
        newest = admin.requests(limit=1)
        last = newest[-1]["id"] if newest else 0
    polls = 0
    while args.max_polls is None or polls < args.max_polls:
        time.sleep(args.interval)  # real time: following a live server
        polls += 1
        while True:
            page = admin.requests(**filters, after=last, limit=PAGE)
            for entry in page:
                _print_entry(entry, args.json)
                last = entry["id"]
            if len(page) < PAGE:
                break
    return 0


def _print_entry(entry: Mapping[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(entry), flush=True)
        return
    path = entry.get("path", "")
    query = entry.get("query") or {}
    if query:
        from urllib.parse import urlencode

        path += "?" + urlencode(query, doseq=True, safe="*/")
    ms = entry.get("duration_ms")
    parts = [
        _clock_time(entry.get("time")), str(entry.get("service") or "-"), str(entry.get("method", "")).ljust(6),
        path, str(entry.get("status", "")), f"{ms:.1f}ms" if isinstance(ms, int | float) else "-",
    ]
    if entry.get("job_id"):
        parts.append(f"job {entry['job_id']}")
    if entry.get("scenario"):
        parts.append(f"[{entry['scenario']}]")
    print("  ".join(parts), flush=True)


def _clock_time(value: Any) -> str:
    """An ISO timestamp as local HH:MM:SS.mmm."""
    if not isinstance(value, str):
        return "-"
    try:
        return datetime.fromisoformat(value).astimezone().strftime("%H:%M:%S.%f")[:-3]
    except ValueError:
        return value


# advance

def advance(admin: AdminClient, args: argparse.Namespace) -> int:
    result = admin.advance(args.duration)
    fired = result.get("fired", 0)
    print(f"virtual time {result['now']} (+{format_duration(args.duration)}); "
          f"{fired} timer{'s' if fired != 1 else ''} fired, {result.get('pending_timers', 0)} pending")
    return 0
