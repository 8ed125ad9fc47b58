"""What the gateway keeps about a job beyond its request and the engine's facts."""

from __future__ import annotations

from ..lifecycle import Fact, JobFacts


class GatewayFacts(JobFacts):
    __slots__ = ()
    # The token's client (azp) that created the job is its owner ("anonymous" with auth off).
    provider = Fact[str]()  # the provider chosen at creation (asked for, or picked from the features)
    worker = Fact[int]()  # the worker slot (1-based) while and after the job is processed: meta.system.worker_id
    progress = Fact[int]()  # the last progress reported (a failed job keeps it)
