"""The search index: Pagefind run over the built site.

Pagefind splits its index into small fragments fetched on demand, so a query costs a few
hundred kilobytes whatever the size of the digest. Only paper pages carry
`data-pagefind-body`, so only they are indexed; navigation chrome never is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class SearchIndexError(RuntimeError):
    pass


def index(site_dir: Path) -> None:
    """Write the Pagefind bundle to site_dir/pagefind/."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir",
         "pagefind", "--silent"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SearchIndexError(
            f"pagefind failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")
