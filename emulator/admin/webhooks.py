"""/_emulator/webhooks: the callback outbox (every delivery and its attempts), and redelivery on demand."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine import Engine, Webhook
from ..services import Service
from .errors import AdminError

STATES = ("pending", "held", "delivered", "failed", "dropped")


def view(engine: Engine, hook: Webhook) -> dict[str, Any]:
    iso = engine.clock.iso
    return {
        "id": hook.id,
        "job_id": hook.job_id,
        "url": hook.url,
        "status": hook.state,
        "body": hook.body,
        "attempts": [
            {"at": iso(a["at"]), "status_code": a.get("status_code"), "error": a.get("error"),
             "duration_ms": float(a.get("duration_ms") or 0)}
            for a in hook.attempts
        ],
        "duplicate_of": hook.duplicate_of,
    }


async def of_job(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    return [view(engine, h) for h in await engine.store.list_webhooks(job_id)]


async def settle(engine: Engine) -> None:
    """Fire what is due now (a callback just enqueued, a redelivery) before answering, as clock/advance does,
    so its attempt is visible in the answer."""
    await engine.scheduler.run_until(engine.clock.now())


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    async def list_webhooks(request: Request) -> Response:
        job_id, status = request.query_params.get("job_id"), request.query_params.get("status")
        if status is not None and status not in STATES:
            raise AdminError(400, f"status: expected one of {', '.join(STATES)}, got {status!r}")
        hooks = [view(engine, h) for h in await engine.store.list_webhooks(job_id, state=status)]
        return JSONResponse({"webhooks": hooks})

    async def redeliver(request: Request) -> Response:
        hook_id = request.path_params["id"]
        hook = await engine.store.get_webhook(hook_id)
        if hook is None:
            raise AdminError(404, f"no webhook {hook_id!r}")
        await engine.webhooks.redeliver(hook)
        await settle(engine)
        return JSONResponse(view(engine, hook))

    return [
        Route("/webhooks", list_webhooks, methods=["GET"]),
        Route("/webhooks/{id}/redeliver", redeliver, methods=["POST"]),
    ]
