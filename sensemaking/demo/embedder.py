"""A fast, deterministic stand-in for a sentence model, for tests and benchmarks.

It places a story by the demo scenarios' topic words it contains, plus a little noise
seeded by the text's hash: stories about the same thing land near each other, the same
text always gets the same vector, and thousands of stories are embedded in a second. It is
no model of meaning; use it where the pipeline around the vectors is what is measured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["TOPICS", "TopicEmbedder"]

#: Words that make a story belong to a topic.
TOPICS = (
    ("fritidsgård", "fritids"),
    ("laget", "träning", "tränare", "match", "fotboll"),
    ("lärare", "klassen", "skolan", "provet", "rasten"),
    ("skogen", "ute", "naturen", "koja"),
    ("nätet", "chatt", "gruppchatt", "spel", "discord"),
    ("mörkt", "lampor", "vägen hem", "rädd", "nattvandr"),
    ("mamma", "pappa", "hemma", "familj", "morfar", "mormor"),
)


class TopicEmbedder:
    """Topic words plus hashed noise, L2-normalised; ``encoded`` counts the texts it got.

    Has what :meth:`sensemaking.project.Project.embed` needs of an embedder: ``name``,
    ``key``, ``dim`` and ``encode``.
    """

    name = "demo-topic-embedder"
    key = "demo-topic-embedder@1"
    dim = 32

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str], *, progress: object = None) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            lower = text.lower()
            for t, words in enumerate(TOPICS):
                out[i, t] = sum(lower.count(w) for w in words)
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
            out[i, len(TOPICS) :] = np.random.default_rng(seed).normal(
                0, 0.15, self.dim - len(TOPICS)
            )
            if not out[i, : len(TOPICS)].any():
                out[i, len(TOPICS)] += 1.0  # stories of no topic lie together
        return out / np.linalg.norm(out, axis=1, keepdims=True)
