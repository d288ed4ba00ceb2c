"""Patterns: distributions of signifier answers per place and round, and honest comparisons."""

__all__: list[str] = []
