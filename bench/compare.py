"""The full build of the same papers by two or more installed versions of paper-digest,
alternated round by round, so that a change is measured against what it changed.

    python bench/compare.py --papers 10000 --rounds 3 BEFORE/bin AFTER/bin [...]

Each argument is a folder holding a `paper-digest` command (a virtual environment's
bin/). The project is made once (synthetic Daily Papers API days, added by the first
version); every round copies it afresh for each version and times a build from nothing
(seconds, peak RSS of one process, peak summed PSS of all). Prints the medians and each
version's ratio to the first, taken round by round. With --write, appends them to
BENCHMARKS.md.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", type=Path, metavar="BIN_DIR")
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    args = parser.parse_args()
    commands = [str(folder.resolve() / "paper-digest") for folder in args.versions]
    times: dict[int, list[tuple[float, float, float]]] = {i: [] for i in range(len(commands))}
    with tempfile.TemporaryDirectory(prefix="pd-compare-") as tmp:
        pristine = Path(tmp) / "pristine"
        first = str(args.versions[0].resolve())
        old_path = run.os.environ["PATH"]
        run.os.environ["PATH"] = first + run.os.pathsep + old_path  # the first one adds
        try:
            run.make_project(pristine, args.papers, "synthetic-api")
        finally:
            run.os.environ["PATH"] = old_path
        for n in range(args.rounds):
            for i, command in enumerate(commands):
                root = Path(tmp) / f"v{i}-r{n}"
                shutil.copytree(pristine, root)
                seconds, peak, summed, _ = run.timed([command, "build"], root)
                times[i].append((seconds, peak, summed))
                print(f"round {n + 1}, {args.versions[i]}: {seconds:.1f} s, "
                      f"{peak:.0f} MB, all processes {summed:.0f} MB", flush=True)
                shutil.rmtree(root)
    rows = ["| version | full build (median) | ratio to the first (median of rounds) "
            "| peak RSS | all processes (summed PSS) |", "|---|---|---|---|---|"]
    for i, folder in enumerate(args.versions):
        ratios = [t[0] / b[0] for t, b in zip(times[i], times[0], strict=True)]
        rows.append(f"| {folder} | {statistics.median(t[0] for t in times[i]):.1f} s "
                    f"({min(t[0] for t in times[i]):.1f}–{max(t[0] for t in times[i]):.1f}) "
                    f"| {statistics.median(ratios):.3f} "
                    f"| {max(t[1] for t in times[i]):.0f} MB "
                    f"| {max(t[2] for t in times[i]):.0f} MB |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        run.append_section(args.write, f"Versions compared, {args.papers} papers "
                           f"({dt.date.today()})", f"{args.rounds} rounds, the versions "
                           f"alternating.\n\n{table}", measured=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
