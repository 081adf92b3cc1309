"""A paper as a citation: BibTeX, RIS, CSL-JSON and COinS.

One place makes each format, for every place that offers it: the paper page's Cite
section, the papers.bib beside each listing, the per-paper data API (whose copies the
reading list exports in the browser) and the COinS spans that let the Zotero Connector
save a whole listing. Math is given as its plain reading: kept as TeX it would run
whatever commands a digest put in it when the paper is cited.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlencode

from generator.model import Paper
from generator.normalize import math_as_text

_BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_{}"} | {
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"})
_SPECIAL = re.compile("[" + "".join(re.escape(chr(c)) for c in _BIBTEX_SPECIAL) + "]")


def _url(paper: Paper, site_url: str | None) -> str | None:
    """The paper's address: arXiv's where it has an id, else its page on the site."""
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    if site_url:
        return f"{site_url.rstrip('/')}/papers/{paper.slug}/"
    return None


# A paper is cited on every listing it is on (its day, week, month, year, topics): each
# format is made once per paper and kept (a Paper is frozen, so it is its own key).
_MEMO = 200_000


@lru_cache(maxsize=_MEMO)
def bibtex(paper: Paper, site_url: str | None = None) -> str:
    """A BibTeX entry; special characters escaped so any title is a valid field."""
    def field(text: str) -> str:
        # Most titles and names have nothing to escape, and a search is a tenth of the
        # time of translate (75,000 papers' entries are made each build, for the .bib
        # files of the topics and periods).
        return text.translate(_BIBTEX_SPECIAL) if _SPECIAL.search(text) else text

    key = paper.arxiv_id or paper.slug
    fields = [("title", "{" + field(math_as_text(paper.title)) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(field(a) for a in paper.authors)))
    fields.append(("year", str(paper.first_date.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
    url = _url(paper, site_url)
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def bibliography(papers: list[Paper], site_url: str | None = None) -> str:
    """A .bib file of papers, one entry each (a key used twice gets a suffix)."""
    entries, seen = [], set()
    for paper in papers:
        entry = bibtex(paper, site_url)
        key = paper.arxiv_id or paper.slug
        if key in seen:  # two papers with one arXiv id: keep both, with distinct keys
            entry = entry.replace(f"@misc{{{key},", f"@misc{{{key}-{paper.slug},", 1)
        seen.add(key)
        entries.append(entry)
    return "\n\n".join(entries) + "\n" if entries else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def ris(paper: Paper, site_url: str | None = None) -> str:
    """An RIS record (TY to ER), as Zotero, EndNote and Mendeley import it."""
    lines = [("TY", "PREPRINT" if paper.arxiv_id else "GEN"),
             ("TI", _one_line(math_as_text(paper.title)))]
    lines += [("AU", _one_line(name)) for name in paper.authors]
    lines += [("PY", str(paper.first_date.year)), ("DA", paper.first_date.strftime("%Y/%m/%d")),
              ("AB", _one_line(math_as_text(paper.abstract)))]
    if paper.arxiv_id:
        lines += [("PB", "arXiv"), ("M1", f"arXiv:{paper.arxiv_id}")]
    url = _url(paper, site_url)
    if url:
        lines.append(("UR", url))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {value}" for tag, value in lines) + "\n"


def csl(paper: Paper, site_url: str | None = None) -> dict:
    """A CSL-JSON item (the format of Zotero's and Pandoc's citation processors)."""
    day = paper.first_date
    item: dict = {
        "id": paper.arxiv_id or paper.slug,
        "type": "article",
        "title": math_as_text(paper.title),
        "author": [_csl_name(name) for name in paper.authors],
        "issued": {"date-parts": [[day.year, day.month, day.day]]},
        "abstract": math_as_text(paper.abstract),
    }
    if paper.arxiv_id:
        item |= {"publisher": "arXiv", "number": paper.arxiv_id,
                 "DOI": f"10.48550/arXiv.{paper.arxiv_id}"}
    url = _url(paper, site_url)
    if url:
        item["URL"] = url
    return item


def _csl_name(name: str) -> dict:
    """"Ada M. Lovelace" as {"family": "Lovelace", "given": "Ada M."}; one word (an
    organization, a mononym) as a literal."""
    given, _, family = name.strip().rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": name.strip()}


COINS_AUTHORS = 3  # a listing's COinS name the first few authors (Zotero needs one);
# the paper page has them all, and a week's listing has a COinS for each of its papers


@lru_cache(maxsize=_MEMO)
def coins(paper: Paper, site_url: str | None = None) -> str:
    """The title attribute of a COinS span (OpenURL ContextObject, Z39.88-2004)."""
    fields = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
              ("rft.genre", "preprint"), ("rft.atitle", math_as_text(paper.title)),
              ("rft.date", paper.first_date.isoformat())]
    fields += [("rft.au", name) for name in paper.authors[:COINS_AUTHORS]]
    if paper.arxiv_id:
        fields.append(("rft_id", f"info:arxiv/{paper.arxiv_id}"))
    elif site_url:
        fields.append(("rft_id", _url(paper, site_url)))
    # ":" and "/" may stand in a query as they are (RFC 3986), which keeps listings small.
    return urlencode(fields, safe=":/")
