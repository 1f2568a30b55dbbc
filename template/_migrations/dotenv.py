"""Carry a project's `.env` across a template change that renamed or re-defaulted a setting.

`.env` belongs to the user: copier never re-renders it (`_skip_if_exists`), so a setting
that a new template version renames would silently stop applying, and a changed default
would silently change how the app behaves. Such a change ships as a copier migration
(`_migrations` in copier.yml) that runs this script in the project after the update:

    python dotenv.py --rename OLD=NEW ... --keep NAME=VALUE ...

`--rename` rewrites `OLD=...` lines to `NEW=...`, keeping the value and comments.
`--keep` writes the old default `NAME=VALUE` when the user has not set NAME, so the app
behaves as before until the user chooses otherwise. Without a `.env` there is nothing
to carry: the script says so and changes nothing. Standard library only: it runs with
the Python that runs copier, before the project's environment is updated.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ASSIGNMENT = re.compile(r"^(?P<export>\s*(?:export\s+)?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=")


def pairs(values: list[str]) -> list[tuple[str, str]]:
    parsed = [tuple(value.split("=", 1)) for value in values]
    if any(len(pair) != 2 or not pair[0] for pair in parsed):
        raise SystemExit(f"error: expected NAME=VALUE, got {values}")
    return [(name, value) for name, value in parsed]


def assigned_names(lines: list[str]) -> set[str]:
    return {match["name"] for line in lines if (match := ASSIGNMENT.match(line))}


def migrate(
    lines: list[str], renames: list[tuple[str, str]], keeps: list[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """The new lines of `.env`, and one note per change made."""
    notes: list[str] = []
    renamed = dict(renames)
    present = assigned_names(lines)
    result = []
    for line in lines:
        match = ASSIGNMENT.match(line)
        old = match["name"] if match else None
        if old in renamed:
            new = renamed[old]
            if new in present:  # the user set both: theirs wins, the old line is kept inert
                result.append(f"# {line.rstrip()}  # {old} is now {new}, which is set below\n")
                notes.append(f"{old} commented out: {new} is already set")
            else:
                result.append(f"{match['export']}{new}{line[match.end('name') :]}")
                notes.append(f"{old} renamed to {new}")
            continue
        result.append(line)
    present = assigned_names(result)
    for name, value in keeps:
        if name not in present:
            if result and not result[-1].endswith("\n"):
                result[-1] += "\n"
            result.append("# Added by aieng update: the default before this version.\n")
            result.append(f"{name}={value}\n")
            notes.append(f"{name}={value} kept (the old default)")
    return result, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW")
    parser.add_argument("--keep", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--file", type=Path, default=Path(".env"))
    args = parser.parse_args(argv)
    renames, keeps = pairs(args.rename), pairs(args.keep)
    if not args.file.is_file():
        changes = ", ".join([f"{old} -> {new}" for old, new in renames] + [n for n, _ in keeps])
        print(f"migration: no {args.file}, nothing to carry ({changes})")
        return 0
    lines = args.file.read_text(encoding="utf-8").splitlines(keepends=True)
    migrated, notes = migrate(lines, renames, keeps)
    if notes:
        scratch = args.file.with_name(args.file.name + ".migrating")
        scratch.write_text("".join(migrated), encoding="utf-8")
        os.replace(scratch, args.file)  # all or nothing: never a half-written .env
    for note in notes:
        print(f"migration: {args.file}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
