"""The hash of a whole built site, to show that a change of code left the output as it was.

    python bench/site_hash.py --sample            # the bundled sample (this repository)
    python bench/site_hash.py --papers 1000       # the benchmark's synthetic API days

Builds into a new temporary project with the `paper-digest` on PATH and prints one line:
the tree hash (SHA-256 over every file's path and bytes, in path order), the number of
files, and what was built. Run it with the code before and after a change: equal hashes
mean byte-identical sites.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def tree_hash(root: Path) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        count += 1
    return digest.hexdigest(), count


def build_sample(root: Path) -> None:
    root.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "digests", root / "digests")
    (root / "site_src").mkdir()
    shutil.copy(REPO / "site_src" / "about.md", root / "site_src" / "about.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--sample", action="store_true", help="the bundled sample")
    group.add_argument("--papers", type=int, help="synthetic Daily Papers API days")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pd-hash-") as tmp:
        root = Path(tmp) / "project"
        if args.sample:
            build_sample(root)
            what = "the sample"
        else:
            files = run.make_project(root, args.papers, "synthetic-api")
            run.add(root, files[-1:])
            what = f"{args.papers} synthetic-api papers and one more day"
        subprocess.run([shutil.which("paper-digest"), "build", "--project", str(root)],
                       check=True, stdout=subprocess.DEVNULL)
        value, count = tree_hash(root / "site")
    print(f"{value}  {count} files  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
