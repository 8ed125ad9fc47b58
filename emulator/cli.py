"""`video-ai-emulator serve ...` (also `python -m emulator`)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

# No pydantic plugins in the emulator's process (a user's PYDANTIC_DISABLE_PLUGINS wins): pydantic looks for them
# in every installed distribution's entry points when it builds the first model, ~8 ms of each start in a venv
# with the dev tools. Set before main() imports the services, which builds their models.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# The settings (pydantic), the engine and the services are imported by main(), once the garbage collector is
# paused: a module-level import here would run before it (even `services.catalog`: its package's __init__ imports
# the engine and pydantic), and the collections it triggers cost ~60 ms of each start.
if TYPE_CHECKING:
    from .settings import Settings

PROG = "video-ai-emulator"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line and exit code 2, as for a bad setting.
        self.exit(2, f"{PROG}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    from . import cli_remote
    from .services.catalog import SERVICE_PACKAGES
    from .settings import Settings

    p = Parser(prog=PROG, description="Local emulator of asynchronous video-AI APIs: the Valossa Core and "
                                      "Training APIs, the Clipzy ML Engine, and the AI Gateway with its "
                                      "Auth0-compatible token issuer.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    serve = sub.add_parser(
        "serve", help="start the emulator",
        description="Start the emulator. Each flag is also an EMULATOR_* environment variable "
        "(e.g. EMULATOR_TIME_SCALE) and a key of the --config YAML file; flags win over env, env over file.",
        epilog=service_settings(), formatter_class=argparse.RawDescriptionHelpFormatter,
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
    serve.add_argument("--scenarios", action="append", metavar="DIR", help="folder or file of scenario YAML "
                       "(repeatable; env EMULATOR_SCENARIOS, comma-separated); matched before the shipped ones")
    serve.add_argument("--watch", action="store_true", default=None, help="reload scenario files when they change")
    serve.add_argument("--journal-size", help=f"requests the journal keeps, /_emulator/requests "
                       f"(default {d.journal_size}; 0 turns it off)")
    serve.add_argument("--journal-body-limit", help=f"bytes of each request body the journal shows "
                       f"(default {d.journal_body_limit})")
    serve.add_argument("--listen", action="append", metavar="SERVICE=PORT", help="also serve SERVICE alone on its "
                       "own PORT, where its root paths (/openapi.json, /docs) are its own (repeatable; env "
                       "EMULATOR_LISTEN=gateway=8090,clipzy=8000; services: " + ", ".join(SERVICE_PACKAGES) + ")")
    serve.add_argument("--log-level", help=f"debug, info, warning, error (default {d.log_level})")
    serve.add_argument("--config", type=Path, help="YAML file with any of these settings "
                       "(also EMULATOR_CONFIG)")
    scenario = sub.add_parser("scenario", help="check scenario files, print their JSON Schema")
    ssub = scenario.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    validate = ssub.add_parser("validate", help="check scenario files; every problem with file:line:column")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ssub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    cli_remote.add_parsers(sub)  # jobs, requests, advance: commands for a running emulator
    return p


def service_settings() -> str:
    """The services' own settings (no flags): for serve --help."""
    from .settings import SECTIONS

    lines = ["Service settings, as EMULATOR_<SERVICE>_<KEY> env vars or <service>: {<key>: ...} in the YAML file",
             "(e.g. EMULATOR_CLIPZY_TOKEN, clipzy.token; see README.md):"]
    lines += [f"  {name}: {', '.join(model.model_fields)}" for name, model in SECTIONS.items()]
    return "\n".join(lines)


def scenario(args: argparse.Namespace) -> int:
    import json

    from .engine.scenario_files import ScenarioError, load_files
    from .engine.scenario_model import file_schema
    from .services import lifecycle_specs

    if args.action == "schema":
        print(json.dumps(file_schema(lifecycle_specs()), indent=2))
        return 0
    try:
        loaded = load_files(args.files, lifecycle_specs())
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(loaded)} scenarios OK: " + ", ".join(s.name for s in loaded))
    return 0


def serve(args: argparse.Namespace) -> int:
    from . import heap
    from .settings import SettingsError, build_settings

    heap.tune()  # before any thread starts (each would make a heap of its own)

    flags: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("host", "port", "data_dir", "in_memory", "time_scale", "seed", "log_level", "scenarios", "watch",
                  "journal_size", "journal_body_limit", "listen")
    }
    try:
        settings = build_settings(flags, args.config)
    except SettingsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")

    import uvicorn

    from .app import create_app
    from .engine.scenarios import ScenarioError
    from .server import http_protocol, loop_name

    try:
        app = create_app(settings)
    except ScenarioError as exc:
        print(f"{PROG}: error: invalid scenario files:\n{exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:  # found when a service starts (e.g. a broken fixture mapping)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    # A server holds many long-lived objects (jobs, the journal): collect garbage less often, and never scan
    # what startup built (modules, scenarios). Each new job is a batch of long-lived objects, so new_job is
    # what triggers collections (served requests leave no cycles: tests/test_request_garbage.py). The collector
    # was paused since main() began, and is not run here either: a collection of what startup built took
    # ~30 ms to free ~750 objects (~0.1 MB), which are frozen with the rest instead.
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    gc.enable()
    try:
        sockets = bind_sockets(app, settings)
    except OSError as exc:
        print(f"{PROG}: error: cannot listen: {exc}", file=sys.stderr)
        return 2
    for line in startup_lines(app, settings.host, sockets):
        logging.getLogger("emulator").info("%s", line)
    config = uvicorn.Config(
        app, access_log=False, log_level=settings.log_level,
        loop=loop_name(), http=http_protocol(), timeout_graceful_shutdown=1,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=list(sockets.values()))
    return 0


def bind_sockets(app: Any, settings: Settings) -> dict[str | None, socket.socket]:
    """The main socket (key None) and one per --listen service; a service port is told to the app."""
    sockets: dict[str | None, socket.socket] = {}
    try:
        for name, port in [(None, settings.port), *settings.listen.items()]:
            sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sockets[name] = sock
            sock.bind((settings.host, port))
            # Listening now, all at once: uvicorn starts serving the sockets one after the other, and a client
            # that saw the main port answer must not be refused on a service port (its backlog holds it).
            sock.listen(2048)
            if name is not None:
                app.bind_port(name, sock.getsockname()[1])
    except OSError:
        for sock in sockets.values():
            sock.close()
        raise
    app.listening(settings.host, sockets[None].getsockname()[1],
                  {name: s.getsockname()[1] for name, s in sockets.items() if name is not None})
    return sockets


def startup_lines(app: Any, host: str, sockets: dict[str | None, socket.socket]) -> list[str]:
    """Every base URL: each service's APIs on the main port, and on its own port when it has one."""
    def base(name: str | None) -> str:
        return f"http://{host}:{sockets[name].getsockname()[1]}"

    lines = []
    for service in app.state.services:
        for mount in service.mounts:
            where = f"{base(None)}{mount.prefix}/"
            if service.name in sockets:
                where += f" and {base(service.name)}{mount.prefix}/"
            lines.append(f"{mount.title or service.description}: {where}")
    lines += getattr(app.state, "listen_lines", [])
    lines.append(f"admin API: {base(None)}/_emulator/ (time scale {app.state.settings.time_scale:g})")
    return lines


def main(argv: list[str] | None = None) -> int:
    # Startup builds ~40k objects that live as long as the process: the ~90 collections that importing them
    # would trigger free a few hundred objects (~40 ms). serve() collects once, then serves with it on.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(argv, enabled)
    finally:
        if enabled:
            gc.enable()


def _run(argv: list[str] | None, gc_enabled: bool) -> int:
    from . import cli_remote

    p = parser()
    args = p.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if gc_enabled:  # the other commands run with the collector on (requests --tail runs for long)
        gc.enable()
    if args.command == "scenario":
        return scenario(args)
    if args.command in cli_remote.COMMANDS:
        return cli_remote.run(args)
    p.print_help()
    return 2
