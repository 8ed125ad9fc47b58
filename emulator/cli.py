"""`video-ai-emulator serve ...` (also `python -m emulator`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from .settings import Settings, SettingsError, build_settings

PROG = "video-ai-emulator"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line and exit code 2, as for a bad setting.
        self.exit(2, f"{PROG}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Local emulator of the Valossa, Clipzy ML Engine and AI Gateway APIs.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    serve = sub.add_parser(
        "serve", help="start the emulator",
        description="Start the emulator. Each flag is also an EMULATOR_* environment variable "
        "(e.g. EMULATOR_TIME_SCALE) and a key of the --config YAML file; flags win over env, env over file.",
    )
    d = Settings()
    serve.add_argument("--host", help=f"address to listen on (default {d.host})")
    serve.add_argument("--port", help=f"port to listen on (default {d.port})")
    serve.add_argument("--data-dir", help=f"SQLite file and uploads live here (default {d.data_dir})")
    serve.add_argument("--in-memory", action="store_true", default=None, help="keep everything in process, "
                       "write no files")
    serve.add_argument("--time-scale", help=f"simulated seconds per real second (default {d.time_scale:g}; "
                       "0 freezes time, only /_emulator/clock/advance moves it)")
    serve.add_argument("--seed", help="same seed and same requests give byte-identical ids and results")
    serve.add_argument("--log-level", help=f"debug, info, warning, error (default {d.log_level})")
    serve.add_argument("--config", type=Path, help="YAML file with any of these settings "
                       "(also EMULATOR_CONFIG)")
    return p


def serve(args: argparse.Namespace) -> int:
    flags: dict[str, Any] = {
        k: getattr(args, k) for k in ("host", "port", "data_dir", "in_memory", "time_scale", "seed", "log_level")
    }
    try:
        settings = build_settings(flags, args.config)
    except SettingsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")

    import uvicorn

    from .app import create_app

    app = create_app(settings)
    base = f"http://{settings.host}:{settings.port}"
    for service in app.state.services:
        for prefix in service.mounts:
            logging.getLogger("emulator").info("%s: %s%s/", service.description or service.name, base, prefix)
    logging.getLogger("emulator").info("admin API: %s/_emulator/ (time scale %g)", base, settings.time_scale)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, access_log=False, log_level=settings.log_level,
        loop=_best("uvloop", "asyncio"), http=_best("httptools", "h11"), timeout_graceful_shutdown=1,
        lifespan="on",
    )
    uvicorn.Server(config).run()
    return 0


def _best(module: str, fallback: str) -> str:
    try:
        __import__(module)
        return module
    except ImportError:
        return fallback


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    p.print_help()
    return 2
