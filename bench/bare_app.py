"""The baseline: a bare Starlette app doing the least a job API can do, served like the emulator.

Run: python bench/bare_app.py PORT
"""

from __future__ import annotations

import sys
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JOB_ID = "6c5805b7-1732-44a3-9c10-7ef2c0ccfbf7"


async def status(request: Request) -> JSONResponse:
    return JSONResponse({"job_id": JOB_ID, "status": "processing"})


async def new_job(request: Request) -> JSONResponse:
    await request.json()  # parse the body, as any real handler must
    return JSONResponse({"job_id": str(uuid.uuid4())})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[
    Route("/status", status, methods=["GET"]),
    Route("/new_job", new_job, methods=["POST"]),
    Route("/_emulator/health", health, methods=["GET"]),  # same readiness probe as the emulator
    # The emulator's paths too, so `run.py --self-test` can stand this app in for the emulator.
    Route("/core/1.0/job_status", status, methods=["GET"]),
    Route("/core/1.0/new_job", new_job, methods=["POST"]),
])


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8081
    # The exact settings the emulator CLI uses, so the comparison is fair.
    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools",
                access_log=False, log_level="warning")
