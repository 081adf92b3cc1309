"""The one error type the project raises for bad input, and how it reads."""

from __future__ import annotations


class DigestError(Exception):
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
