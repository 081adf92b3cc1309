"""The failures the project expects, under one root.

A `PaperDigestError` is something the user can act on (a bad digest, a project that is
not one, a bad option, a failed index or fetch): the command prints it as one line
naming the file and the field or line, and exits 1. Any other exception is a bug in
paper-digest, and the command lets it show its traceback.
"""

from __future__ import annotations


class PaperDigestError(Exception):
    """An expected failure; its text is the whole message the user sees."""


class DigestError(PaperDigestError):
    """Bad input: names the file, the line or entry when known, and the reason."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source = source
        self.reason = reason
        self.line = line
        super().__init__(str(self))

    def __reduce__(self):  # so that a second process can send one back
        return DigestError, (self.source, self.reason, self.line)

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"


class ProjectError(PaperDigestError):
    """The project itself is unusable: no mkdocs.yml, a bad option, MkDocs failed."""


class TemplateFailure(PaperDigestError):
    """A page template failed; the message names the template and its line."""


class SearchIndexError(PaperDigestError):
    """Writing or indexing the search documents failed."""
