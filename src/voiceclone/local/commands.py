"""`voiceclone run` (the whole platform in one process) and `voiceclone token` (a JWT it accepts)."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
import threading
from pathlib import Path

DEFAULT_PORT = 8000
DEMO_USER = "demo"
DEMO_TOKEN_TTL_S = 24 * 3600
DEMO_TOKEN_FILE = "demo-token"

logger = logging.getLogger(__name__)


def add_command(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="start the platform locally (database, S3/SQS/Step Functions, API)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)),
                     help="gateway port (env PORT; default 8000); moto listens on port+1, SecantusDB on port+2")
    run.add_argument("--data-dir", type=Path, default=None, help="data folder (default: settings.local_data_dir)")
    run.add_argument("--no-demo", action="store_true", help="do not run the demo (voiceclone.local.demo)")
    run.set_defaults(handler=run_platform)

    token = subparsers.add_parser("token", help="print a JWT the local gateway accepts")
    token.add_argument("--user", required=True, help="the token's subject (user id)")
    token.add_argument("--group", action="append", default=[], help="a group, e.g. admin (repeatable)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument("--data-dir", type=Path, default=None, help="data folder (default: settings.local_data_dir)")
    token.set_defaults(handler=print_token)


def _data_dir(explicit: Path | None) -> Path:
    from voiceclone.config import get_settings

    return explicit if explicit is not None else Path(get_settings().local_data_dir)


def print_token(args: argparse.Namespace) -> int:
    from voiceclone.auth import LocalSigningKey
    from voiceclone.config import get_settings

    if args.ttl <= 0:
        raise SystemExit("--ttl must be a positive number of seconds")
    settings = get_settings()
    key = LocalSigningKey.load_or_create(_data_dir(args.data_dir), settings.jwt_issuer, settings.jwt_audience)
    print(key.issue_token(args.user, args.group, args.ttl))
    return 0


def run_platform(args: argparse.Namespace) -> int:
    """Refuse when another run holds the data folder or port; else serve until Ctrl-C / SIGTERM."""
    from voiceclone.local.run_lock import AlreadyRunning, PortInUse, RunLock

    data_dir = _data_dir(args.data_dir).resolve()
    lock = RunLock(data_dir, args.host)
    try:
        lock.acquire(args.port)
    except (AlreadyRunning, PortInUse) as refusal:
        print(f"voiceclone: {refusal}", file=sys.stderr, flush=True)
        return 1
    try:
        return _serve(args, data_dir, lock)
    finally:
        lock.release()


def _serve(args: argparse.Namespace, data_dir: Path, lock) -> int:
    from voiceclone.local import console

    log_path = console.quiet_output(data_dir)  # before the stack's imports make their loggers
    console.say(f"voiceclone: starting (data in {data_dir}, logs in {log_path})")
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    from voiceclone.local.stack import LocalConfig, LocalStack

    # The demo starts after the banner (not from the stack), so its lines follow the banner's.
    stack = LocalStack(LocalConfig(data_dir=data_dir, host=args.host, port=args.port, run_demo=False))
    try:
        stack.start()
    except Exception as error:
        logger.exception("the platform could not start")
        console.say(f"voiceclone: could not start: {error} (details in {log_path})")
        return 1
    try:
        lock.record_port(int(stack.url.rsplit(":", 1)[1]))
        _print_banner(stack, _write_demo_token(stack), log_path, args)
        if not args.no_demo:
            threading.Thread(target=_run_demo, args=(stack, stopping), name="demo", daemon=True).start()
        stopping.wait()
        console.say("stopping...")
    finally:
        stack.stop()
    console.say("stopped")
    return 0


def _run_demo(stack, stopping: threading.Event) -> None:
    from voiceclone.local.demo import run_demo

    try:
        run_demo(stack, stopping)
    except Exception:
        logger.exception("the demo failed; the platform keeps serving")


def _write_demo_token(stack) -> Path:
    """The demo user's token in a file only its owner reads: the console shows where, not the token."""
    path = stack.data_dir / DEMO_TOKEN_FILE
    token = stack.issue_token(DEMO_USER, ttl=DEMO_TOKEN_TTL_S)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(token + "\n")
    return path


def _token_command(args: argparse.Namespace) -> str:
    """How the person at the terminal gets a token for another user of this data folder."""
    program = sys.argv[0] if Path(sys.argv[0]).name == "voiceclone" else "voiceclone"
    command = [program, "token", "--user", "alice"]
    if args.data_dir is not None:
        command += ["--data-dir", str(args.data_dir)]
    return shlex.join(command)


def _print_banner(stack, token_file: Path, log_path: Path, args: argparse.Namespace) -> None:
    from voiceclone.local.console import say

    assert stack.aws is not None and stack.database is not None
    lines = [
        f"voiceclone ready on {stack.url}",
        f"  web console:  {stack.url}/   (sign in as any local user; docs/web-console.md)",
        f"  Swagger UI:   {stack.url}/api/docs",
        f"  demo token:   export TOKEN=$(cat {shlex.quote(str(token_file))})   (user {DEMO_USER}, valid 24 h)",
        f"  other users:  export TOKEN=$({_token_command(args)})",
        f"  logs:         {log_path} (JSON lines)",
        f"  S3/SQS/SFN:   {stack.aws.endpoint_url} (moto)   MongoDB: {stack.database.uri} (SecantusDB)",
        "  Ctrl-C stops.",
    ]
    say("\n".join(lines))
