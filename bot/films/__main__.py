"""`python -m bot.films check [PACK] [--sources DIR]`: validate film packs and trace them to sources.

Exit status: 0 when all is well, 1 when a pack has problems, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.films.check import check, default_packs_dir, format_report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.films", description="Film pack tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    checker = commands.add_parser("check", help="validate packs and trace every fact to its sources")
    checker.add_argument("pack", nargs="?", type=Path, help="a pack file or folder (default: data/films/)")
    checker.add_argument("--sources", type=Path, help="folder of source documents to find evidence in")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the check and print its report."""
    parser = _parser()
    args = parser.parse_args(argv)
    target: Path = args.pack if args.pack is not None else default_packs_dir()
    if not target.exists():
        parser.error(f"no such pack file or folder: {target}")
    if args.sources is not None and not args.sources.is_dir():
        parser.error(f"--sources is not a folder: {args.sources}")
    report = check(target, args.sources)
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
