"""What Clipzy keeps on a job beyond its request and the engine's facts. The request (job.request) holds the
job's effective parameters and both videos as they were uploaded: {video_id, template_video_id, config,
webhook_url, video: VideoInfo, template: VideoInfo | None} (scenarios match on it, e.g. video.filename)."""

from __future__ import annotations

from typing import Any

from ..lifecycle import Fact, JobFacts


class ClipzyFacts(JobFacts):
    __slots__ = ()
    # One [stage, starting progress] per step of the timeline the job was created with: the engine keeps only
    # states and times in job.history, and a job that ended keeps only its last step, so stage_history, logs
    # and error.stage read the stages from here (history[i] entered step i; a jump's step is the last one).
    plan = Fact[list[list[Any]]]()
