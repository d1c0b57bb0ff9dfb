"""Write the reference pages of the built-in step types: docs/steps/<type>.md and an index.

Usage: python scripts/gen_step_docs.py [--check] [OUTPUT_DIR]

With --check nothing is written; the exit status is 1 when a page is missing or
out of date (for CI), listing the pages to regenerate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cueflow.definitions import Catalog, render_index, render_reference

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "steps"
HAND_WRITTEN = frozenset({"writing-step-types.md"})
"""Pages in the output folder that are maintained by hand and left alone."""


def pages() -> dict[str, str]:
    """File name to content for every page of the step reference."""
    definitions = list(Catalog().builtin().values())
    out = {f"{d.name}.md": render_reference(d) for d in definitions}
    out["README.md"] = render_index(definitions)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    args = parser.parse_args(argv)
    wanted = pages()
    stale = [
        name
        for name, text in wanted.items()
        if not (args.output / name).is_file() or (args.output / name).read_text() != text
    ]
    extra = (
        sorted(
            p.name
            for p in args.output.glob("*.md")
            if p.name not in wanted and p.name not in HAND_WRITTEN
        )
        if args.output.is_dir()
        else []
    )
    if args.check:
        for name in stale + extra:
            print(f"out of date: {args.output / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    args.output.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.output / name).write_text(wanted[name], encoding="utf-8")
    for name in extra:
        (args.output / name).unlink()
    print(f"{len(stale)} page(s) written, {len(extra)} removed, in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
