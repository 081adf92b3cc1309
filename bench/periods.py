"""What the week, month and year pages cost the full build: the same project built with
them and with those three kinds left out of the page registry, alternated.

    python bench/periods.py --papers 10000 --rounds 3 [--write BENCHMARKS.md]

The project is made once (synthetic Daily Papers API days, as bench/run.py makes them);
every round copies it afresh for each variant and times a full build from nothing, the
order of the two variants swapped from one round to the next. Everything else is the
same code: the calendar at /dates/, a paper's ranks and the weekly and monthly feeds
are made in both (they link the period pages, which the variant without them leaves
dangling). Prints the medians and the growth, taken round by round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402

PERIOD_KINDS = ("week", "month", "year")
WITHOUT = ("import sys; from generator import pages; "
           f"pages.KINDS = tuple(k for k in pages.KINDS if k.name not in {PERIOD_KINDS!r}); "
           "from generator.cli import main; sys.exit(main(['build']))")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    args = parser.parse_args()
    variants = {"without period pages": [sys.executable, "-c", WITHOUT],
                "with them": [shutil.which("paper-digest"), "build"]}
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="pd-periods-") as tmp:
        pristine = Path(tmp) / "pristine"
        run.make_project(pristine, args.papers, "synthetic-api")
        for n in range(args.rounds):
            order = list(variants) if n % 2 == 0 else list(reversed(variants))
            for name in order:
                root = Path(tmp) / f"r{n}"
                shutil.copytree(pristine, root)
                seconds, _, _, _ = run.timed(variants[name], root)
                pages = sum(1 for _ in (root / "site_src").rglob("*.md"))
                times[name].append(seconds)
                print(f"round {n + 1}, {name}: {seconds:.1f} s, {pages} pages", flush=True)
                shutil.rmtree(root)
    without, with_them = times["without period pages"], times["with them"]
    growth = [w / b - 1 for w, b in zip(with_them, without, strict=True)]
    table = "\n".join([
        "| full build | median | range |", "|---|---|---|",
        f"| without the week, month and year pages | {statistics.median(without):.1f} s "
        f"| {min(without):.1f}–{max(without):.1f} s |",
        f"| with them | {statistics.median(with_them):.1f} s "
        f"| {min(with_them):.1f}–{max(with_them):.1f} s |",
        f"| growth (median of the rounds) | {statistics.median(growth):+.1%} "
        f"| {min(growth):+.1%} to {max(growth):+.1%} |"])
    print(table)
    if args.write:
        run.append_section(args.write, f"The period pages' share of the full build, "
                           f"{args.papers} papers ({dt.date.today()})",
                           f"{args.rounds} rounds, the two variants alternating.\n\n{table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
