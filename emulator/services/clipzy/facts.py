"""What Clipzy keeps on a job beyond its request and the engine's facts. The request (job.request) holds the
job's effective parameters and both videos as they were uploaded: {video_id, template_video_id, config,
webhook_url, video: VideoInfo, template: VideoInfo | None} (scenarios match on it, e.g. video.filename)."""

from __future__ import annotations

from typing import Any

from ..lifecycle import Fact, JobFacts


class ClipzyFacts(JobFacts):
    __slots__ = ()
    # One [stage, progress] per entry of job.history (the engine keeps states and times only, and a job that
    # ended keeps only its last step): stage_history, logs and error.stage are read from it.
    trail = Fact[list[list[Any]]]()
