"""Normalize scraped digest text for reading.

Digest text is scraped from web pages: it carries LaTeX (``M\\'elange``, ``25--39\\%``,
``\\textbf{...}``), math (``$5.18\\times$``), URLs, odd whitespace and control
characters. This module turns it into clean Unicode text. Math stays as ``$...$`` so the
site can render it; everything else that looks like markup (``<EOS>``, ``{{ }}``, ``&``)
is content and stays exactly as it is: escaping happens when pages are rendered.

LaTeX is converted token by token (a macro with its arguments, an accent, an escaped
special character), never the whole text: run over the whole text, a LaTeX converter
would eat braces, treat a bare ``%`` as a comment and drop the rest of the abstract.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from generator.model import Link

# --- characters -------------------------------------------------------------------------

# Cc (control), Co (private use), Cs (surrogates) and the BOM never belong in text.
# Cf is kept: zero-width joiners build emoji and scripts need them.
_DROP_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff\ue000-\uf8ff\ud800-\udfff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)


def clean_text(text: str) -> str:
    """NFC-normalize, drop control characters and fold every run of whitespace to one space."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on every Unicode space, \t \n \r \v \f included.
    return " ".join(_DROP_RE.sub("", text).split())


# --- math -------------------------------------------------------------------------------

# $$...$$, \(...\), \[...\], and $...$ with the "smart dollar" rule of pymdownx.arithmatex:
# no space just inside the dollars, so "costs $5 and $10" stays text; nor a letter or
# digit just outside them, so "$5-$10" does too. Math that starts with a command, a
# superscript or a subscript is never an amount, and abstracts and titles glue it to
# words: "3.7$\times$ faster", "$\sim$9k", "GSBAK$^K$".
MATH_RE = re.compile(
    r"\$\$(?P<d1>.+?)\$\$"
    r"|\\\[(?P<d2>.+?)\\\]"
    r"|\\\((?P<i1>.+?)\\\)"
    r"|(?<![\\$])\$(?=\\[a-zA-Z]|[\^_])(?P<i3>[^$]+?)(?<=\S)(?<!\\)\$(?!\$)"
    r"|(?<![\\$\w])\$(?=\S)(?P<i2>[^$]+?)(?<=\S)(?<!\\)\$(?![\w$])",
    re.S,
)


def split_math(text: str) -> list[tuple[str, str]]:
    """Split text into ("text", s), ("inline", tex) and ("display", tex) segments."""
    if "$" not in text and "\\" not in text:
        return [("text", text)] if text else []  # no math possible: skip the regex
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in MATH_RE.finditer(text):
        if m.start() > pos:
            parts.append(("text", text[pos : m.start()]))
        if m.group("d1") is not None or m.group("d2") is not None:
            parts.append(("display", m.group("d1") or m.group("d2")))
        else:
            parts.append(("inline", m.group("i1") or m.group("i2") or m.group("i3")))
        pos = m.end()
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return parts


@lru_cache(maxsize=1)
def _math_reader() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text")


@lru_cache(maxsize=4096)
def tex_as_text(tex: str) -> str:
    """A plain reading of some math (\\times -> ×, \\frac{1}{2} -> 1/2, \\mathcal{O} -> O),
    for where KaTeX does not run: search results, page descriptions. The TeX itself
    when the reading would lose it (an unknown macro reads as nothing)."""
    # A space after a command ends its name and would be dropped ("7 \\times 6" -> "7 ×6");
    # an empty group ends the name instead, and the space stays.
    spaced = re.sub(r"(\\[a-zA-Z]+)(?=\s+[^\s{])", r"\1{}", tex)
    # A superscript or subscript of several characters keeps its grouping: A^(3/2).
    spaced = re.sub(r"([\^_])\{([^{}]{2,})\}", r"\1(\2)", spaced)
    try:
        text = _math_reader().latex_to_text(spaced)
    except Exception:  # pylatexenc raises many types on odd input
        return tex
    if "%s" in text and "%s" not in tex:  # a macro without its arguments (see above)
        return tex
    # NFKC folds the mathematical alphabets (𝒪, 𝐱, ℝ) to the letters people type.
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return text if text else tex


def math_as_text(text: str) -> str:
    """Text with each math segment replaced by its plain reading."""
    return "".join(segment if kind == "text" else tex_as_text(segment)
                   for kind, segment in split_math(text))


# --- URLs -------------------------------------------------------------------------------

# Scraped LaTeX escapes underscores inside URLs (a\_b); accept that and undo it.
URL_RE = re.compile(r"https?://(?:[^\s<>\"'{}\\|^`\[\]]|\\_)+", re.I)
_URL_TRAILING = ".,;:!?)]}'\""


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) for every http(s) URL, trailing punctuation left out."""
    found = []
    for m in URL_RE.finditer(text):
        url = m.group(0)
        end = m.end()
        while url and url[-1] in _URL_TRAILING:
            # Keep a closing parenthesis that belongs to the URL (wiki-style links).
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
            end -= 1
        if len(url) > len("https://x"):
            found.append((m.start(), end, url.replace("\\_", "_")))
    return found


def extract_links(text: str) -> tuple[Link, ...]:
    """The distinct URLs of a text, labelled by what they most likely are."""
    links: list[Link] = []
    seen: set[str] = set()
    for _, _, url in find_urls(text):
        if url in seen:
            continue
        seen.add(url)
        links.append(Link(label=_link_label(url), url=url))
    return tuple(links)


def _link_label(url: str) -> str:
    host = re.sub(r"^https?://(www\.)?", "", url.lower()).split("/")[0]
    if host in ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org"):
        return "Code"
    if host == "huggingface.co":
        return "Hugging Face"
    if host.endswith("arxiv.org"):
        return "arXiv"
    return "Project page"


# --- LaTeX ------------------------------------------------------------------------------

_LATEX_TOKEN_RE = re.compile(
    r"\{\\(?:bf|it|em|sc|tt|rm|sf|sl)\s[^{}]*\}"  # {\bf text}
    r"|\\['\"`^~=.][a-zA-Z]"  # \'e  \"i
    r"|\\['\"`^~=.]\{[a-zA-Z]?\}"  # \'{e}
    r"|\\[a-zA-Z]+\*?(?:\{[^{}]*\})*"  # \textbf{x}  \times  \eg
    r"|\\[%&_#${}]"  # \%  \&
    r"|\\[,;!: ]"  # spacing
)


# pylatexenc reports a macro written without its arguments as "Error in configuration"
# on the root logger, which add and build would print for every such abstract; the
# callers here see the unfilled template and keep the TeX as written instead.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def _latex_converter() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    db.add_context_category(
        "paper-digest",
        prepend=True,
        macros=[
            MacroTextSpec("eg", simplify_repl="e.g."),
            MacroTextSpec("ie", simplify_repl="i.e."),
            MacroTextSpec("etal", simplify_repl="et al."),
            MacroTextSpec("etc", simplify_repl="etc."),
            MacroTextSpec("vs", simplify_repl="vs."),
            MacroTextSpec("cf", simplify_repl="cf."),
            MacroTextSpec("wrt", simplify_repl="w.r.t."),
            MacroTextSpec("cite", simplify_repl=""),
            MacroTextSpec("citep", simplify_repl=""),
            MacroTextSpec("citet", simplify_repl=""),
            MacroTextSpec("footnote", simplify_repl=""),
            MacroTextSpec("url", simplify_repl="%s"),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim")


def _latex_token_to_text(token: str) -> str:
    try:
        text = _latex_converter().latex_to_text(token)
    except Exception:  # pylatexenc raises many types on odd input; keep the source then
        return token
    if "%s" in text and "%s" not in token:
        # A macro that takes arguments, written without them (`\widehat x`, `\frac 12`):
        # the converter's template comes back unfilled. The macro as written reads better.
        return token
    if not text.strip() and re.fullmatch(r"\\[a-zA-Z]+", token) and token[1:] not in (
        "cite", "citep", "citet", "footnote",
    ):
        # An unknown macro would vanish; show it rather than lose it.
        return token
    return text


# Formatting wrappers are unwrapped before URLs are located, so a URL inside
# {\bf ...} or \url{...} is found whole.
_WRAPPER_RE = re.compile(
    r"\{\\(?:bf|it|em|sc|tt|rm|sf|sl)\s+([^{}]*)\}"
    r"|\\(?:textbf|textit|textsl|textsc|texttt|textrm|textsf|emph|underline|url|mbox)\{([^{}]*)\}"
)
# \href{address}{label}; the label may wrap its text once (\text{this https URL}).
_HREF_RE = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LABEL_WRAPPER_RE = re.compile(r"\\(?:text|texttt|textrm|mathrm|mathtt|textbf|emph)\s*\{([^{}]*)\}")
# A math segment that is only a link: authors write $\href{...}{...}$ because arXiv's
# MathJax makes it a link; KaTeX (without trusting the input) shows an error instead.
_LINK_ONLY_RE = re.compile(r"\s*(?:" + _HREF_RE.pattern + r"|\\url\s*\{[^{}]*\})\s*")

# $\unicode{x2013}$, MathJax's way to write a character, which KaTeX does not know.
_UNICODE_ONLY_RE = re.compile(r"\s*\\unicode\s*\{x([0-9a-fA-F]{2,5})\}\s*")


def _href(m: re.Match) -> str:
    url, label = m.group(1).strip(), _LABEL_WRAPPER_RE.sub(r"\1", m.group(2)).strip()
    if not label or label.rstrip("/") == url.rstrip("/"):
        return url  # the label is the address: say it once
    return f"{label} ({url})"


def _unwrap(text: str) -> str:
    text = _HREF_RE.sub(_href, text)
    return _WRAPPER_RE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def _latex_text_segment(text: str) -> str:
    """Convert LaTeX in a text segment that holds no math and no URL."""
    text = _LATEX_TOKEN_RE.sub(lambda m: _latex_token_to_text(m.group(0)), text)
    text = re.sub(r"(?<=\s)---(?=\s)", "\u2014", text)
    text = re.sub(r"(?<=[\d\s])--(?=[\d\s])", "\u2013", text)
    # A tie between two words (Mr.~TyDi, Fig.~3) is a space; a leading ~ means "about".
    text = re.sub(r"(?<=[\w.])~(?=\w)", " ", text)
    return text


def latex_to_text(text: str) -> str:
    """Convert scraped LaTeX to Unicode, keeping math and URLs exactly as they are."""
    if "\\" not in text and "--" not in text and "~" not in text:
        return text  # the common case: nothing to convert
    out: list[str] = []
    for kind, segment in split_math(text):
        if kind != "text" and _LINK_ONLY_RE.fullmatch(segment):
            kind, segment = "text", segment.strip()
        elif kind != "text" and (m := _UNICODE_ONLY_RE.fullmatch(segment)):
            kind, segment = "text", chr(int(m.group(1), 16))
        if kind == "inline":
            out.append(f"${segment}$")
        elif kind == "display":
            out.append(f"$${segment}$$")
        else:
            segment = _unwrap(segment)
            pos = 0
            for start, end, url in find_urls(segment):
                out.append(_latex_text_segment(segment[pos:start]))
                out.append(url)
                pos = end
            out.append(_latex_text_segment(segment[pos:]))
    return "".join(out)


# The Daily Papers API drops backslashes: "1.14times to 1.66times" was 1.14\times. Only
# the unambiguous case is repaired: a number directly followed by "times".
_DROPPED_TIMES_RE = re.compile(r"(?<=\d)times\b")


def normalize(text: str) -> str:
    """Raw digest text -> the text a reader sees (math kept as $...$)."""
    text = clean_text(text)
    if "times" in text:
        text = "".join(_DROPPED_TIMES_RE.sub("\u00d7", segment) if kind == "text"
                       else ("$$%s$$" if kind == "display" else "$%s$") % segment
                       for kind, segment in split_math(text))
    return clean_text(latex_to_text(text))


# --- keys and slugs ---------------------------------------------------------------------

_FINAL_PUNCTUATION = ".!?,;:\u2026\u3002\uff01\uff1f"


def title_key(title: str) -> str:
    """The dedupe key of a title: same paper up to case, whitespace and final punctuation."""
    key = " ".join(unicodedata.normalize("NFKC", title).casefold().split())
    return key.rstrip(_FINAL_PUNCTUATION + " ")


SLUG_MAX = 80  # bytes of the readable part; a collision adds "-" and 8 hex digits


def base_slug(title: str) -> str:
    """The readable part of a slug: ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
