"""The SQLite store: jobs, uploads and pending callbacks survive a restart on the same data dir."""

from __future__ import annotations

from pathlib import Path

from helpers import Receiver, Wall, advance, new_job, running, status

from emulator.services.valossa.settings import ValossaSettings
from emulator.settings import Settings


def on_disk(tmp_path: Path, scale: float = 0) -> Settings:
    return Settings(data_dir=tmp_path / "data", time_scale=scale, seed=5,
                    valossa=ValossaSettings(upload_chunk_size_bytes=4))


async def test_job_resumes_mid_processing(tmp_path: Path) -> None:
    async with running(on_disk(tmp_path)) as c:
        job_id = await new_job(c, media={"video": {"url": "https://e.com/v.mp4"}, "title": "kept"})
        while (await status(c, job_id))["status"] != "processing":
            await advance(c, 5)
    assert (tmp_path / "data" / "emulator.sqlite3").exists()
    async with running(on_disk(tmp_path)) as c:
        assert (await status(c, job_id))["status"] == "processing"
        await advance(c, 100_000)
        assert (await status(c, job_id))["status"] == "finished"
        r = await c.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
        assert r.json()["job_info"]["request"]["media"]["title"] == "kept"
        # Ids continue after a restart instead of starting over.
        assert await new_job(c) != job_id


async def test_time_that_passed_while_down_counts(tmp_path: Path, wall: Wall) -> None:
    async with running(on_disk(tmp_path, scale=60), wall=wall) as c:
        job_id = await new_job(c)
    wall.now += 3600  # an hour of real time down = 60 simulated hours at scale 60
    async with running(on_disk(tmp_path, scale=60), wall=wall) as c:
        await advance(c, 0)  # fire what fell due while the server was down
        assert (await status(c, job_id))["status"] == "finished"


async def test_pending_callback_survives_restart(tmp_path: Path, receiver: Receiver) -> None:
    receiver.script = [500]
    async with running(on_disk(tmp_path)) as c:
        job_id = await new_job(c, callback={"url": receiver.url})
        while (await status(c, job_id))["status"] != "finished":
            await advance(c, 5)
        assert len(receiver.calls) == 1
    async with running(on_disk(tmp_path)) as c:
        await advance(c, 10)
        assert len(receiver.calls) == 2 and receiver.calls[1]["body"]["job_id"] == job_id


async def test_upload_survives_restart(tmp_path: Path) -> None:
    async with running(on_disk(tmp_path)) as c:
        r = await c.post("/core/1.0/initialize_file_upload", files={"api_key": (None, "k"),
                                                                     "file_size_bytes": (None, "6")})
        upload_id = r.json()["upload_id"]
        r = await c.post("/core/1.0/send_file_chunk", data={"api_key": "k", "upload_id": upload_id,
                                                            "chunk_index": "1"}, files={"file_data": ("c", b"ef")})
        assert r.status_code == 200
    async with running(on_disk(tmp_path)) as c:
        r = await c.post("/core/1.0/send_file_chunk", data={"api_key": "k", "upload_id": upload_id,
                                                            "chunk_index": "0"}, files={"file_data": ("c", b"abcd")})
        assert r.status_code == 200
        r = await c.post("/core/1.0/finalize_file_upload", files={"api_key": (None, "k"),
                                                                   "upload_id": (None, upload_id)})
        assert r.status_code == 200, r.text
    assert not (tmp_path / "data" / "uploads").exists()  # chunks are checked and counted, never kept


async def test_deleted_job_stays_deleted_after_restart(tmp_path: Path) -> None:
    async with running(on_disk(tmp_path)) as c:
        job_id = await new_job(c)
        await c.post("/core/1.0/delete_job", json={"api_key": "key-a", "job_id": job_id})
    async with running(on_disk(tmp_path)) as c:
        r = await c.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})
        assert r.status_code == 404
        assert await new_job(c) != job_id  # a deleted job's id is not handed out again


async def test_positions_written_by_moves_come_back(tmp_path: Path) -> None:
    """Timer moves write only a job's position; a restart reads it back over the body written at creation,
    and an ended job comes back ended, with its whole history."""
    async with running(on_disk(tmp_path)) as c:
        moving, ended = await new_job(c), await new_job(c, media={"video": {"url": "https://e.com/b.mp4"}})
        await advance(c, 12)  # both moved once: queued/downloading
        await c.post(f"/_emulator/jobs/{ended}/complete")
        before = (await c.get(f"/_emulator/jobs/{moving}")).json()
    async with running(on_disk(tmp_path)) as c:
        after = (await c.get(f"/_emulator/jobs/{moving}")).json()
        assert after["history"] == before["history"] and after["next"] == before["next"]
        assert after["status"]["media_transfer_status"] == "downloading"
        done = (await c.get(f"/_emulator/jobs/{ended}")).json()
        assert done["state"] == "finished" and [h["state"] for h in done["history"]] == ["queued", "queued",
                                                                                           "finished"]
        await advance(c, 100_000)
        assert (await status(c, moving))["status"] == "finished"
        ended_by_timer = (await c.get(f"/_emulator/jobs/{moving}")).json()
    async with running(on_disk(tmp_path)) as c:  # its end was written as a move: only its position
        assert (await c.get(f"/_emulator/jobs/{moving}")).json() == ended_by_timer
        assert await status(c, moving) == {"job_id": moving, "status": "finished", "media_transfer_status": "finished",
                                           "details": None, "poll_again_after_seconds": None}
