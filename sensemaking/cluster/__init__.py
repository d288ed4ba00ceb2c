"""Themes: reduce, cluster, label, score stability and match stories' themes across runs."""

__all__: list[str] = []
