"""Benchmark `paper-digest add` of a whole archive at once.

    python bench/add_files.py --files 580 [--write BENCHMARKS.md]

Writes N synthetic Daily Papers API days (17 papers a day, like the real archive since
2024: about 9,600 papers in 560 days; see synth.synthetic_api), adds them to a new
project in one command, and reports the time and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402
import synth  # noqa: E402


def measure(files: int) -> dict:
    """Add `files` days to a new project in one command: time, peak memory, files stored."""
    exe = shutil.which("paper-digest")
    with tempfile.TemporaryDirectory(prefix="pd-add-") as tmp:
        root = Path(tmp) / "project"
        run.subprocess.run([exe, "init", str(root)], check=True, stdout=run.subprocess.DEVNULL)
        paths = synth.synthetic_api(Path(tmp) / "inbox", files * 17)
        seconds, peak, _, _ = run.timed([exe, "add", *map(str, paths)], root)
        stored = len(list((root / "digests").glob("*.json")))
    return {"files": files, "seconds": seconds, "peak_mb": peak, "stored": stored}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=580)
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    args = parser.parse_args()
    result = measure(args.files)
    line = (f"| {args.files} files, {args.files * 17} papers | {result['seconds']:.1f} s "
            f"| {result['peak_mb']:.0f} MB | {result['stored']} stored |")
    print(line)
    if args.write:
        run.append_section(args.write, f"`add` of a whole archive ({dt.date.today()})",
                           "| input | time | peak RSS | result |\n|---|---|---|---|\n" + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
