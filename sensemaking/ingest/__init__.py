"""Ingest: read interview-round exports, validate them, store them as import batches."""

__all__: list[str] = []
