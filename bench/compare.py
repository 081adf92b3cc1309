"""The full build of the same papers by two or more installed versions of paper-digest,
alternated round by round, so that a change is measured against what it changed.

    python bench/compare.py --papers 10000 --rounds 3 BEFORE/bin AFTER/bin [...]
    python bench/compare.py --papers 10000 --rounds 5 --one-more-day BEFORE/bin AFTER/bin

Each argument is a folder holding a `paper-digest` command (a virtual environment's
bin/), optionally named: `1ab031c=../before/bin` (the tables show the name, and the
command written to BENCHMARKS.md shows no folder). The project is made once (synthetic Daily Papers API days, added by the first
version); every round copies it afresh for each version and times a build from nothing
(seconds, peak RSS of one process, peak summed PSS of all). With --one-more-day, each
version first builds its own copy of the project (not timed), and every round copies
that built project afresh, adds the last day and times the build that follows. The
order of the versions is reversed every other round. Prints the medians and each
version's ratio to the first, taken round by round. With --write, appends them to
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", metavar="[NAME=]BIN_DIR")
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    parser.add_argument("--one-more-day", action="store_true",
                        help="time the build after one more day, not the full build")
    args = parser.parse_args()
    named = [v.split("=", 1) if "=" in v else (v, v) for v in args.versions]
    args.versions = [name for name, _ in named]
    folders = [Path(folder) for _, folder in named]
    commands = [str(folder.resolve() / "paper-digest") for folder in folders]
    times: dict[int, list[tuple[float, float, float]]] = {i: [] for i in range(len(commands))}
    with tempfile.TemporaryDirectory(prefix="pd-compare-") as tmp:
        pristine = Path(tmp) / "pristine"
        first = str(folders[0].resolve())
        old_path = run.os.environ["PATH"]
        run.os.environ["PATH"] = first + run.os.pathsep + old_path  # the first one adds
        try:
            last_day = run.make_project(pristine, args.papers, "synthetic-api")[-1]
        finally:
            run.os.environ["PATH"] = old_path
        starts = {i: pristine for i in range(len(commands))}
        if args.one_more_day:  # each version's own built project, the start of each round
            for i, command in enumerate(commands):
                starts[i] = Path(tmp) / f"built-v{i}"
                shutil.copytree(pristine, starts[i])
                run.timed([command, "build"], starts[i])
        for n in range(args.rounds):
            order = list(enumerate(commands))
            for i, command in order if n % 2 == 0 else reversed(order):
                root = Path(tmp) / f"v{i}-r{n}"
                shutil.copytree(starts[i], root, symlinks=True)
                if args.one_more_day:
                    subprocess.run([command, "add", str(last_day)], cwd=root, check=True,
                                   stdout=subprocess.DEVNULL)
                seconds, peak, summed, _ = run.timed([command, "build"], root)
                times[i].append((seconds, peak, summed))
                print(f"round {n + 1}, {args.versions[i]}: {seconds:.1f} s, "
                      f"{peak:.0f} MB, all processes {summed:.0f} MB", flush=True)
                run._wait_for_old_site_removal(root)  # the replaced site goes in the background
                shutil.rmtree(root)
    measure = "one more day" if args.one_more_day else "full build"
    rows = [f"| version | {measure} (median) | ratio to the first (median of rounds) "
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
        command = " ".join(["python bench/compare.py", f"--papers {args.papers}",
                            f"--rounds {args.rounds}"]
                           + ["--one-more-day"] * args.one_more_day
                           + [f"{name}=VENV/bin" for name in args.versions])
        run.append_section(args.write, f"Versions compared, {measure}, {args.papers} papers "
                           f"({dt.date.today()})", f"{args.rounds} rounds, the versions "
                           f"alternating, each installed in a virtual environment of its own."
                           f"\n\n{table}", measured=False, command=command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
