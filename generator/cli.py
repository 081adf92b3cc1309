"""The `paper-digest` command.

Exit codes: 0 success; 1 some input was refused or the build failed (errors on stderr,
each naming its file); 2 the command line itself was wrong. An expected failure
(generator.errors.PaperDigestError) is one line; anything else is a bug in paper-digest
and shows its traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from generator import __version__, pipeline
from generator.errors import DigestError, PaperDigestError
from generator.ingest import FORMATS, parse_date_option
from generator.parallel import DEFAULT, Tuning
from generator.project import CONFIG_FILE, load_project


def _project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=Path("."), metavar="DIR",
                        help="the digest project (default: the current directory)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paper-digest",
        description="Turn research-paper digests into a fast, searchable static site.")
    parser.add_argument("--version", action="version", version=f"paper-digest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("init", help="scaffold a new digest project in DIR",
                            description="Scaffold a new digest project that builds as it is.")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--name", help="the site's name (asked on a terminal; otherwise from DIR)")

    p = commands.add_parser("add", help="validate digests and store them in the project",
                            description="Check each digest file and store the good ones in "
                            "the project's digests/ under a dated name. A bad file is "
                            "reported and skipped; the others are still added.")
    _project_arg(p)
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the digest date, for files without a dated name")
    p.add_argument("--format", choices=[f.name for f in FORMATS], dest="fmt",
                   help="the input format (default: detected from the content): " + "; ".join(
                       f"{f.name}, {f.description}" for f in FORMATS))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")

    p = commands.add_parser("fetch", help="fetch new days from the digest's sources",
                            description="Fetch the days of the sources configured in "
                            "mkdocs.yml (plugins: paper-digest: sources:) into digests/, one "
                            "file per source and day. Without dates: every day since the "
                            "newest fetched one up to today (UTC), the last days again "
                            "(refresh_days, 7 by default: upvotes grow) and the days that "
                            "failed. A day that fails is reported and the others are kept; "
                            "the exit code is then 1.")
    _project_arg(p)
    p.add_argument("--source", metavar="NAME", help="only this source (default: all)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="this day only")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="a backfill: from this day")
    p.add_argument("--until", metavar="YYYY-MM-DD",
                   help="with --since: up to this day (default: today, UTC)")

    p = commands.add_parser("generate", help="write the Markdown pages from the digests",
                            description="Write the Markdown pages (papers, dates, topics, "
                            "home, search) into the docs folder. Unchanged pages are kept.")
    _project_arg(p)

    p = commands.add_parser("build", help="generate, then build the site into site/",
                            description="Generate the pages, build the site with MkDocs and "
                            "index it for search. The previous site stays in place until the "
                            "new one is complete. When only digests changed, only the pages "
                            "that changed are rendered again.")
    _project_arg(p)
    p.add_argument("--full", action="store_true",
                   help="render every page again, not only the changed ones")
    p.add_argument("--timings", action="store_true",
                   help="print how long each stage of the build took")

    p = commands.add_parser("topics", help="the taxonomy with counts, or its evaluation",
                            description="Print the project's taxonomy with the number of "
                            "papers per topic. With --evaluate, classify the papers of arXiv "
                            "listing files with their categories hidden and report how often "
                            "the topics agree with them.")
    _project_arg(p)
    p.add_argument("--evaluate", nargs="+", type=Path, metavar="FILE.jsonl",
                   help="arXiv listings (JSON lines with categories) to evaluate on")
    p.add_argument("--keywords-only", action="store_true",
                   help="with --evaluate: leave the statistical model out (a baseline)")

    p = commands.add_parser("serve", help="preview the site with live reload",
                            description="Serve the site on a local address and rebuild it "
                            "when a digest, template or page changes.")
    _project_arg(p)
    p.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="IP:PORT",
                   help="where to serve (default: 127.0.0.1:8000)")
    return parser


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _report_errors(errors: list[DigestError]) -> None:
    for error in errors:
        _error(str(error))


def _setup_logging() -> None:
    # MkDocs reports problems through logging; show warnings, not its progress chatter.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    for name in ("mkdocs",):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def main(argv: list[str] | None = None, tuning: Tuning = DEFAULT) -> int:
    """The command. `tuning` says when work goes to second processes (tests set it so
    that the sample takes the paths large archives take)."""
    args = make_parser().parse_args(argv)
    args.tuning = tuning
    _setup_logging()
    try:
        return COMMANDS[args.command](args)
    except PaperDigestError as e:
        if args.command == "build" and not isinstance(e, DigestError):
            _error(f"build failed, the previous site is unchanged: {e}")
        else:
            _error(str(e))
        return 1
    except KeyboardInterrupt:
        _error("interrupted; the previous site is unchanged")
        return 1


def cmd_init(args) -> int:
    from generator.scaffold import default_site_name, init

    name = args.name
    if name is None and sys.stdin.isatty() and sys.stdout.isatty():
        default = default_site_name(args.directory)
        try:
            name = input(f"The site's name [{default}]: ").strip() or None
        except EOFError:
            name = None
    created = init(args.directory, name)
    print(f"Created a digest project in {args.directory} ({len(created)} files).")
    print(f"Next: paper-digest add --project {args.directory} FILE...  then  "
          f"paper-digest build --project {args.directory}")
    return 0


def cmd_add(args) -> int:
    try:
        given = parse_date_option(args.date) if args.date else None
    except ValueError as e:
        _error(str(e))
        return 2
    from generator.add import add

    project = load_project(args.project)
    results, errors = _with_progress(
        len(args.files), "Adding digests",
        lambda advance: add(project, args.files, given, args.fmt, advance))
    for r in results:
        note = (f"stored as {Path(r.stored_as).relative_to(project.root)}" if r.stored_as
                else "already stored, nothing changed")
        print(f"{r.source}: {_plural(r.papers, 'paper')}, {r.new} new ({note})")
    _report_errors(errors)
    if errors:
        print(f"{_plural(len(results), 'file')} added, {len(errors)} refused.", file=sys.stderr)
        return 1
    return 0


def _with_progress(total: int, label: str, work):
    """Run work(advance) with a progress bar on stderr when there is much to do."""
    if total < 20 or not sys.stderr.isatty():
        return work(lambda _=None: None)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        return work(lambda _=None: progress.advance(task))


def _report_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _day(option: str, value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} {value!r} is not a date of the form YYYY-MM-DD") from None


def cmd_fetch(args) -> int:
    import datetime as dt

    from generator import fetch

    try:
        if args.date and (args.since or args.until):
            raise ValueError("--date goes alone; for a range use --since and --until")
        if args.until and not args.since:
            raise ValueError("--until goes with --since")
        days = None
        if args.date:
            days = [_day("--date", args.date)]
        elif args.since:
            since = _day("--since", args.since)
            until = _day("--until", args.until) if args.until else \
                dt.datetime.now(dt.timezone.utc).date()
            if until < since:
                raise ValueError(f"--until {until} is before --since {since}")
            days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    except ValueError as e:
        _error(str(e))
        return 2
    project = load_project(args.project)
    if not project.sources:
        _error(f"{project.config_file}: no sources to fetch; add them under the plugin, "
               "e.g.\n  plugins:\n    - paper-digest:\n        sources:\n          hf-daily: {}")
        return 1
    results, errors = fetch.fetch(project.root, project.digests_dir, project.sources,
                                  days=days, only=args.source)
    for r in results:
        if not r.papers:
            note = "no papers (nothing was published that day)"
        else:
            where = r.stored_as.relative_to(project.root)
            note = (f"{_plural(r.papers, 'paper')}, "
                    + (f"stored as {where}" if r.changed else f"unchanged in {where}"))
        print(f"{r.source} {r.day.isoformat()}: {note}")
    _report_errors(errors)
    if errors:
        print(f"{_plural(len(errors), 'day')} failed; the next fetch tries "
              f"{'it' if len(errors) == 1 else 'them'} again.", file=sys.stderr)
        return 1
    return 0


def cmd_generate(args) -> int:
    project = load_project(args.project)
    report = pipeline.generate(project, tuning=args.tuning)
    _report_warnings(report.warnings)
    _report_errors(report.errors)
    print(f"{_plural(report.papers, 'paper')} from {_plural(report.days, 'day')}: "
          f"{_plural(report.written, 'page')} written, {report.deleted} removed, "
          f"in {project.docs_dir.relative_to(project.root)}/")
    return 1 if report.errors else 0


class _Progress:
    """Shows the current stage on a terminal (a large build takes a minute)."""

    def __init__(self):
        self.status = None
        if sys.stderr.isatty():
            from rich.console import Console

            self.status = Console(stderr=True).status("Starting")
            self.status.start()

    def __call__(self, name: str) -> None:
        if self.status:
            self.status.update(name)

    def close(self) -> None:
        if self.status:
            self.status.stop()


def cmd_build(args) -> int:
    project = load_project(args.project)
    progress = _Progress()
    stages = pipeline.Stages(on_start=progress)
    try:
        report = pipeline.build(project, full=args.full, tuning=args.tuning, stages=stages)
    finally:
        progress.close()
    if args.timings:
        print("   wall  processor (this process)", file=sys.stderr)
        for name, seconds, cpu in stages.times:
            print(f"{seconds:7.2f} s  {cpu:7.2f} s  {name}", file=sys.stderr)
        print(f"{sum(t[1] for t in stages.times):7.2f} s  "
              f"{sum(t[2] for t in stages.times):7.2f} s  in all", file=sys.stderr)
    _report_warnings(report.warnings)
    _report_errors(report.errors)
    site = f"{project.site_dir.relative_to(project.root)}/"
    if report.unchanged:
        print(f"Nothing changed since the last build: {site} is up to date "
              f"({_plural(report.papers, 'paper')} from {_plural(report.days, 'day')}).")
        return 0
    print(f"Built {_plural(report.papers, 'paper')} from {_plural(report.days, 'day')} into "
          f"{site}")
    if report.errors:
        print(f"{_plural(len(report.errors), 'digest')} refused; see the errors above.",
              file=sys.stderr)
        return 1
    return 0


def cmd_topics(args) -> int:
    from generator import topics

    if args.evaluate:
        taxonomy = topics.load_taxonomy(load_project(args.project).topics_file) if (
            args.project / CONFIG_FILE).is_file() else topics.default_taxonomy()
        print("| file | papers | agreement | primary | coverage | largest topic |")
        print("|---|---|---|---|---|---|")
        for path in args.evaluate:
            from generator import ingest, store

            try:
                digest = ingest.parse_digest(store.read_bytes(path), str(path),
                                             fmt="arxiv-jsonl")
            except (OSError, DigestError) as e:
                _error(str(e))
                return 1
            from generator.dedupe import merge

            result = topics.evaluate(merge(digest.entries), taxonomy,
                                     use_model=not args.keywords_only)
            print(f"| {path.name} | {result.papers} | {result.agreement:.3f} | "
                  f"{result.primary:.3f} | {result.coverage:.3f} | "
                  f"{result.largest:.3f} ({result.largest_topic}) |")
        return 0
    project = load_project(args.project)
    papers, taxonomy, report = pipeline.collect(project, args.tuning)
    counts = {t.slug: 0 for t in taxonomy}
    for paper in papers:
        for slug in paper.topics:
            counts[slug] = counts.get(slug, 0) + 1
    width = max(len(t.slug) for t in taxonomy)
    print(f"{len(papers)} papers, {len(taxonomy)} topics")
    for t in sorted(taxonomy, key=lambda t: (-counts[t.slug], t.slug)):
        share = counts[t.slug] / len(papers) if papers else 0.0
        arxiv = ", ".join(t.arxiv) or "-"
        print(f"{t.slug:<{width}}  {counts[t.slug]:>6}  {share:6.1%}  {t.name} [{arxiv}]")
    _report_errors(report.errors)
    return 1 if report.errors else 0


def cmd_serve(args) -> int:
    from mkdocs.commands.serve import serve

    project = load_project(args.project)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    serve(config_file=str(project.config_file), livereload=True, dev_addr=args.dev_addr)
    return 0


COMMANDS = {"init": cmd_init, "add": cmd_add, "fetch": cmd_fetch, "generate": cmd_generate,
            "build": cmd_build,
            "topics": cmd_topics, "serve": cmd_serve}
