"""Story texts to vectors: the bundled model, hub or local models, ONNX backends, a fake.

Example:
    >>> from sensemaking.embed import load_embedder
    >>> embedder = load_embedder()            # the bundled English model, offline
    >>> vectors = embedder.encode(["Jag blev lyssnad på."], progress=None)
    >>> vectors.shape, embedder.key
    ((1, 384), 'sentence-transformers/all-MiniLM-L6-v2@onnx-int8')

Importing this package is cheap: torch, sentence-transformers and ONNX Runtime are
imported when a model is loaded.
"""

from sensemaking.embed.backends import (
    BACKENDS,
    BUNDLED_MODEL,
    Embedder,
    EmbedError,
    HashingEmbedder,
    SensemakingEmbedWarning,
    load_embedder,
)

__all__ = [
    "BACKENDS",
    "BUNDLED_MODEL",
    "EmbedError",
    "Embedder",
    "HashingEmbedder",
    "SensemakingEmbedWarning",
    "load_embedder",
]
