"""The MkDocs plugin `paper-digest`: its options are the project's configuration.

It adds the package's theme overrides (header search box, safe titles) and assets (KaTeX,
search page script, styles) to the site, and under `paper-digest serve` regenerates the
Markdown and the search index whenever a digest, template or taxonomy changes.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib import resources
from pathlib import Path

import jinja2
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.plugins.paper-digest")

ASSET_PREFIX = "assets/paper-digest"
# KaTeX is not listed: paper-digest.js loads it only on pages that show math.
EXTRA_CSS = ["paper-digest.css"]
EXTRA_JS = ["paper-digest.js"]
DEFAULT_NAV = [{"Home": "index.md"}, {"Dates": "dates/index.md"},
               {"Topics": "topics/index.md"}, {"Authors": "authors/index.md"},
               {"Search": "search.md"}, {"Reading list": "reading-list.md"},
               {"About": "about.md"}]


class PaperDigestConfig(Config):
    digests_dir = opt.Type(str, default="digests")
    """Folder of stored digests, relative to mkdocs.yml."""
    templates_dir = opt.Type(str, default="templates")
    """Folder of the project's own page templates; they override the packaged ones."""
    topics_file = opt.Type(str, default="topics.yml")
    """The project's taxonomy file; it extends (or with `replace: true` replaces) the default."""
    notes_dir = opt.Type(str, default="notes")
    """Folder of reader notes, one `<paper slug>.md` per paper."""
    per_page = opt.Type(int, default=50)
    """Papers per page of a topic listing."""
    home_days = opt.Type(int, default=1)
    """How many of the newest days the home page lists."""
    excerpt_chars = opt.Type(int, default=280)
    """Characters of abstract shown in listings."""
    author_min_papers = opt.Type(int, default=3)
    """Authors with at least this many papers get a page (and a feed)."""
    sources = opt.Type(dict, default={})
    """Where `paper-digest fetch` gets the digest's days: {source name: its options}
    (generator/fetch.py: SOURCES); none by default."""
    fast_render = opt.Type(bool, default=True)
    """Skip work that cannot change the output: pages that are one HTML element (the
    generated pages) skip Python-Markdown, which would give them back unchanged, and the
    pieces of the page frame that are the same for every page in a folder (the sidebars
    of pages outside the nav, the header but its title, the footer, the theme's
    settings, styles and scripts) are rendered once per folder. False renders every page
    the plain way (the tests compare the two sites byte for byte)."""


# The opening tag of a block-level element Python-Markdown passes through as raw HTML.
_BLOCK_OPENING = re.compile(r"<(article|div|section|main)(?=[\s>])")


def single_html_block(markdown: str) -> str | None:
    """The page's HTML when its Markdown is exactly one raw HTML element, else None.

    Deliberately narrow: the text must open with the element and end with its closing
    tag, hold no other element of that name (so the first closing tag is the last), and
    ask for no Markdown inside (md_in_html's `markdown=` attribute)."""
    text = markdown.strip()
    opening = _BLOCK_OPENING.match(text)
    if not opening:
        return None
    tag = opening.group(1)
    closing = f"</{tag}>"
    if (not text.endswith(closing) or text.count(f"<{tag}") != 1
            or text.count(closing) != 1 or "markdown=" in text):
        return None
    return text


def _passed_through_html(page) -> str:
    """The HTML of a page that skipped Markdown, as its file holds it: without the
    frontmatter, cut where MkDocs cuts it (its YAML was read when MkDocs read the page;
    reading it again cost a tenth of the whole build)."""
    from mkdocs.utils import meta

    text = page.file.content_string
    found = meta.YAML_RE.match(text)
    # (Without YAML, MkDocs reads MultiMarkdown-style metadata: its own reader cuts it.)
    html = single_html_block(text[found.end():].lstrip("\n") if found
                             else meta.get_data(text)[0])
    if html is None:  # the file changed since MkDocs read it
        raise RuntimeError(f"{page.file.src_uri} changed while the site was built")
    return html


def _render_skipped(page, config, files) -> None:
    """Page.render for a page that skips Markdown: what MkDocs' own render leaves for
    the empty text the page is handed (no content, table of contents, title or
    anchors), without building a Markdown instance with every extension for it, about
    an eighth of MkDocs' time on a generated page. The content is set when the page is
    written."""
    from mkdocs.structure.toc import get_toc

    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


def _sitemap_files(shown, every: set[str], config) -> list:
    """The files of the sitemap: the pages MkDocs was shown, and for the other pages in
    `every` (src paths of Markdown pages), stand-ins with what the sitemap template
    reads, in the order MkDocs lists a whole docs_dir's files. Without a site_url the
    template lists no page (MkDocs' pages have no URL to give), so none is added."""
    from urllib.parse import urlsplit

    from mkdocs.structure.files import file_sort_key
    from mkdocs.utils import get_build_date

    files = list(shown)
    if config.site_url:
        base = config.site_url if config.site_url.endswith("/") else f"{config.site_url}/"
        path, date = urlsplit(base).path, get_build_date()
        known = {file.src_uri for file in files}
        # Not MkDocs' File and Page: those took 1.1 s (profiled) for 13,000 pages.
        for src in every - known:
            url = _page_url(src, config.use_directory_urls)
            files.append(_SitemapFile(src, _SitemapPage(base + url, path + url, date)))
    return sorted(files, key=file_sort_key)


def _page_url(src: str, use_directory_urls: bool) -> str:
    """A Markdown page's URL relative to the site, as MkDocs' File.url has it ("" for
    the home page)."""
    from urllib.parse import quote

    parent, _, name = src.rpartition("/")
    stem = name.removesuffix(".md")
    if use_directory_urls:
        url = f"{parent}/" if stem == "index" else f"{parent}/{stem}/"
    else:
        url = f"{parent}/{stem}.html"
    return quote(url.lstrip("/"))


class _SitemapFile:
    """What file_sort_key and the sitemap template read of MkDocs' File."""

    __slots__ = ("src_uri", "name", "page")

    def __init__(self, src_uri: str, page: _SitemapPage):
        self.src_uri, self.page = src_uri, page
        self.name = src_uri.rpartition("/")[2].removesuffix(".md")


class _SitemapPage:
    """What MkDocs' sitemap.xml reads of a page (mkdocs.structure.pages.Page: its
    canonical and absolute URLs from site_url, and the build date)."""

    __slots__ = ("canonical_url", "abs_url", "update_date")
    is_link = False

    def __init__(self, canonical_url: str, abs_url: str, update_date: str):
        self.canonical_url, self.abs_url = canonical_url, abs_url
        self.update_date = update_date


def shared_fragments(enabled: bool):
    """The theme's `{% call pd_shared(name) %}...{% endcall %}`: the piece of the page
    frame it wraps, rendered once for all pages in the same folder at the same depth and
    reused, or rendered every time when `enabled` is false or the name is none (the
    template passes none where the piece depends on the page itself). The pieces link
    with relative URLs, which are the same for every page in one folder; the caller
    names only pieces that link nowhere inside that folder."""
    store: dict[tuple, str] = {}

    @jinja2.pass_context
    def shared(context, name, caller):
        page = context.get("page")
        if not enabled or name is None or page is None:
            return caller()
        key = (name, page.url.rstrip("/").rpartition("/")[0], context.get("base_url"))
        if key not in store:
            store[key] = caller()
        return store[key]

    return shared


def translations():
    """The theme's `pd_translate(language, key, lang, fallback)`: what Material's
    `lang.t(key)` prints (the language's text, else English's, else the key), kept for
    the rest of the build."""
    known: dict[tuple[str, str], str] = {}

    def translate(language, key, lang, fallback):
        if (language, key) not in known:
            known[language, key] = str(lang.t(key)) or str(fallback.t(key)) or key
        return known[language, key]

    return translate


def not_in_nav(own):
    """The project's own `not_in_nav` patterns, and the folders of generated pages (the
    page registry's): MkDocs then does not report tens of thousands of pages as missing
    from the nav, and projects scaffolded before a page kind existed need no edit."""
    from generator.pages import generated_folders

    spec = opt.PathSpec().run_validation("\n".join(f"/{f}/" for f in generated_folders()))
    return spec if own is None else own + spec


def package_dir(name: str) -> Path:
    return Path(str(resources.files("generator") / name))


def _generated_files():
    """Whether a MkDocs File is one the generator writes (a generated folder's or a
    generated top-level file)."""
    from generator import pages

    owned = tuple(f"{folder}/" for folder in pages.generated_folders())
    top = pages.generated_top_files()
    return lambda file: file.src_uri.startswith(owned) or file.src_uri in top


def _link_file(file: File, dirty: bool = False) -> None:
    """File.copy_file for a generated file that is not a page (a feed, JSON, a .bib):
    a hard link to it instead of a copy, tens of thousands of files and megabytes in an
    archive. Safe because nothing writes into a generated file: the generator replaces
    one with a new file (store.PageWriter), and an output MkDocs is about to write is
    deleted first (_dirty_files)."""
    from generator import store

    if dirty and not file.is_modified():
        return
    store.link_over(Path(file.abs_src_path), Path(file.abs_dest_path))


def _modified() -> bool:
    return True


def _unmodified() -> bool:
    return False


class PaperDigestPlugin(BasePlugin[PaperDigestConfig]):
    def __init__(self):
        self.command = "build"
        self.dirty = False
        self.passed_through: set[str] = set()  # the src_uri of pages that skip Markdown
        # In a dirty build: the generated files written since the site was built, when
        # the build knows them (generator/pipeline.py sets it); None: MkDocs' own checks.
        self.modified: set[str] | None = None
        # Every generated page, when MkDocs is shown only some (mkdocs_runner's view):
        # the sitemap lists them all.
        self.sitemap_pages: set[str] = set()

    def on_startup(self, *, command, dirty):
        self.command = command
        self.dirty = dirty

    def on_config(self, config):
        self.passed_through = set()  # `serve` builds again with the same plugin
        for name in ("per_page", "home_days", "excerpt_chars", "author_min_papers"):
            if self.config[name] < 1:
                raise opt.ValidationError(f"paper-digest: {name} must be at least 1")
        from generator.fetch import source_options

        try:
            source_options(self.config.sources)
        except ValueError as e:
            raise opt.ValidationError(f"paper-digest: {e}") from None
        # Theme overrides sit right after the project's own custom_dir, before Material.
        theme = config.theme
        theme.dirs.insert(1 if theme.custom_dir else 0, str(package_dir("theme")))
        config.extra_css[:0] = [f"{ASSET_PREFIX}/{name}" for name in EXTRA_CSS]
        config.extra_javascript[:0] = [f"{ASSET_PREFIX}/{name}" for name in EXTRA_JS]
        if "generator" not in config.extra:
            # The footer names the digest's own site, not the theme's ("Made with ...").
            config.extra["generator"] = False
        if config.nav is None:
            # Without a nav MkDocs would list every paper: a fixed nav keeps builds linear.
            config.nav = DEFAULT_NAV
        config.not_in_nav = not_in_nav(config.not_in_nav)
        return config

    def on_env(self, env, *, config, files):
        # Rendered template pieces shared by many pages (see theme/main.html); a new
        # store for every build, so `serve` never shows a stale one.
        env.globals["pd_shared"] = shared_fragments(self.config.fast_render)
        env.globals["pd_translate"] = translations()
        # JSON in pages (JSON-LD with every author, the theme's config) without the
        # spaces after separators: a paper with 500 authors pays for each one twice.
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
        from generator.cache import compiled_templates
        from generator.project import CACHE_DIR

        compiled_templates(env, self._project_root(config) / CACHE_DIR / "templates" / "theme")
        return env

    def on_files(self, files: Files, config) -> Files:
        assets = package_dir("assets")
        for path in sorted(assets.rglob("*")):
            if path.is_file() and path.name != "LICENSE":
                uri = f"{ASSET_PREFIX}/{path.relative_to(assets).as_posix()}"
                files.append(File.generated(config, uri, abs_src_path=str(path)))
        if self.dirty:
            files = self._dirty_files(files)
        generated = _generated_files()
        for file in files:
            if generated(file) and file.abs_src_path and not file.is_documentation_page():
                file.copy_file = functools.partial(_link_file, file)
        return files

    def _dirty_files(self, files: Files) -> Files:
        """A dirty build runs over a copy of the previous site whose generated folders
        are hard links to the live site (store.copy_site). MkDocs writes into existing
        files, which would change them in the live site too: every output it is about to
        write is deleted first, so it writes a new file.

        Where the build knows which generated files it wrote, the others are not
        checked one by one (two file times each, several times over, for every file of
        the archive): an unchanged page is marked unmodified (it stays in `files` for
        the sitemap), and an unchanged file that is not a page is left out (its copy in
        the site is already in place)."""
        from generator import store

        if self.modified is None:
            changed = [file for file in files if file.is_modified()]
        else:
            generated = _generated_files()
            left, changed = [], []
            for file in files:
                if generated(file):
                    # The record decides, not file times. MkDocs asks the file itself.
                    written = file.src_uri in self.modified
                    if not (written or file.is_documentation_page()):
                        continue
                    file.is_modified = _modified if written else _unmodified
                left.append(file)
                if file.is_modified():
                    changed.append(file)
            files = Files(left)
        for file in changed:
            store.remove_tree(Path(file.abs_dest_path))
        return files

    # Python-Markdown re-parses raw HTML tag by tag, about half of MkDocs' time on a paper
    # page, only to give it back unchanged (raw HTML gets no Markdown, table of contents
    # or link rewriting). A page that is one HTML element skips the parse: it is handed
    # to Markdown empty and its HTML becomes the page content as it is.
    #
    # MkDocs reads and renders every page before it writes the first, and keeps each
    # page's content: at 75,000 papers that is gigabytes held at once. So the content of
    # a page that skips Markdown is not kept meanwhile: it is read again from its file
    # when the page is written (it is that file's text), and let go once it is.
    def on_page_markdown(self, markdown, *, page, config, files):
        if not self.config.fast_render or single_html_block(markdown) is None:
            return markdown
        self.passed_through.add(page.file.src_uri)
        page.render = functools.partial(_render_skipped, page)
        return ""

    def on_page_context(self, context, *, page, config, nav):
        if page.file.src_uri in self.passed_through:
            page.content = _passed_through_html(page)
        return context

    def on_post_page(self, output, *, page, config):
        if page.file.src_uri in self.passed_through:
            page.content = None
        return output

    def on_template_context(self, context, *, template_name, config):
        if template_name == "sitemap.xml" and self.sitemap_pages:
            context["pages"] = _sitemap_files(context["pages"], self.sitemap_pages, config)
        return context

    # --- live preview -------------------------------------------------------------------

    def _project_root(self, config) -> Path:
        return Path(config.config_file_path).resolve().parent

    def on_pre_build(self, *, config):
        if self.command != "serve":
            return
        from generator import pipeline
        from generator.project import load_project

        # A `build` of the project may be running: wait for it rather than fail.
        report = pipeline.generate(load_project(self._project_root(config)), wait=True)
        for error in report.errors:
            log.warning(str(error))

    def on_serve(self, server, *, config, builder):
        root = self._project_root(config)
        for name in (self.config.digests_dir, self.config.templates_dir,
                     self.config.topics_file, self.config.notes_dir):
            if (root / name).exists():
                server.watch(str(root / name))
        return server

    def on_post_build(self, *, config):
        if self.command != "serve":
            return
        from generator import search
        from generator.project import load_project

        project = load_project(self._project_root(config))
        search.index(project.search_corpus, Path(config.site_dir))
