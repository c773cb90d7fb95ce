"""`voiceclone run` (the whole platform in one process) and `voiceclone token` (a JWT it accepts)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path

DEFAULT_PORT = 8000
DEMO_USER = "demo"
DEMO_TOKEN_TTL_S = 24 * 3600


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
    from voiceclone.local.stack import LocalConfig, LocalStack

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3", "secantus"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    stack = LocalStack(LocalConfig(data_dir=_data_dir(args.data_dir), host=args.host, port=args.port,
                                   run_demo=not args.no_demo))
    stack.start()
    try:
        _print_banner(stack)
        stopping.wait()
        print("stopping...", flush=True)
    finally:
        stack.stop()
    print("stopped", flush=True)
    return 0


def _print_banner(stack) -> None:
    assert stack.aws is not None and stack.database is not None
    token = stack.issue_token(DEMO_USER, ttl=DEMO_TOKEN_TTL_S)
    lines = [
        f"voiceclone ready on {stack.url}",
        f"  Swagger UI:   {stack.url}/api/docs",
        f"  JWKS:         {stack.url}/.well-known/jwks.json",
        f"  S3/SQS/SFN:   {stack.aws.endpoint_url} (moto; presigned upload/download URLs point here)",
        f"  MongoDB:      {stack.database.uri} (SecantusDB, data in {stack.data_dir / 'db'})",
        f"  demo user token ({DEMO_USER}, valid 24 h):",
        f"    export TOKEN={token}",
        "  another user: .venv/bin/voiceclone token --user alice",
        "  Ctrl-C stops.",
    ]
    print("\n".join(lines), flush=True)
