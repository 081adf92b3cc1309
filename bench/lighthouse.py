"""Lighthouse scores of the built sample: home, a date page, a topic page, a paper page
and search, served compressed on 127.0.0.1 (as static hosts serve them).

    python bench/lighthouse.py SITE_DIR [--write BENCHMARKS.md]

Needs the npm tools of tests/js (npm ci --prefix tests/js) and Debian's chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402
from serving import Server  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = REPO / "tests/js/node_modules/.bin/lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --no-first-run --disable-sync --disable-quic")


def pages(site: Path) -> dict[str, str]:
    """One page of each kind, as URL paths."""
    day = sorted(p.name for p in (site / "dates").iterdir() if p.is_dir())[-1]
    paper = sorted(p.name for p in (site / "papers").iterdir())[0]
    return {"home": "", "date": f"dates/{day}/", "topic": "topics/retrieval-rag/",
            "paper": f"papers/{paper}/", "search": "search/?q=retrieval"}


def scores(url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
             f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}"],
            check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        data = json.loads(report.read_text())
    return {c: data["categories"][c]["score"] for c in CATEGORIES}


def audit(site: Path) -> dict[str, dict[str, float]]:
    server = Server(site, compress=True)
    try:
        return {name: scores(f"{server.url}/{path}") for name, path in pages(site).items()}
    finally:
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    args = parser.parse_args()
    results = audit(args.site)
    rows = "\n".join(f"| {name} | " + " | ".join(f"{s[c]:.2f}" for c in CATEGORIES) + " |"
                     for name, s in results.items())
    table = ("| page | " + " | ".join(CATEGORIES) + " |\n|---|---|---|---|---|\n" + rows)
    print(table)
    if args.write:
        run.append_section(args.write, f"Lighthouse {dt.date.today()} (mobile preset, "
                           "served with gzip)", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
