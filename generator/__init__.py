"""paper-digest: turn research-paper digests into a fast, searchable static site."""

__version__ = "0.1.0"
