"""The `voiceclone` command: sub-commands come from the modules in COMMAND_MODULES."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes `add_command(subparsers)`: it adds its sub-parser(s) and sets
# `handler=<function(args) -> int>`. A module that is not present yet is skipped.
COMMAND_MODULES = (
    "voiceclone.local.commands",  # run, token
    "voiceclone.engines.commands",  # models fetch (XTTS engineer)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiceclone", description="Voice cloning platform.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
