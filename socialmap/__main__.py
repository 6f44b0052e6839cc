"""Command line of the social map: `python -m socialmap <command> ...`.

Each command lives in its own module, which adds its sub-parser through
`register_cli(subparsers)`; the parser's `func(args) -> int` runs it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "socialmap.importer",  # import, build-db
    "socialmap.exporter",  # export
    "socialmap.search",  # search
    "socialmap.nlp_pipeline",  # nlp-build
    "socialmap.staff",  # staff add/list/disable
    "socialmap.privacy",  # purge (retention)
    "socialmap.signals",  # signals aggregate/export/report/purge
    "socialmap.tenants",  # tenants list/check
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m socialmap", description="De sociale kaart: beheer en zoeken")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
