"""The ONNX backends: a sentence-transformers model exported once, then run by ONNX Runtime.

The export holds the whole model, pooling and normalisation included, so running it needs
only ``onnxruntime`` and the ``tokenizers`` library; torch is loaded only to export. The
export is kept under ``<cache>/onnx/<model>-<fingerprint>/`` (the bundled model lives in
site-packages, which may not be writable) and is made again when the model's files change.

``optimum`` is not used: the only ``optimum-onnx`` release needs transformers < 4.58, while
sentence-transformers 6 needs transformers 5. The export is ``torch.onnx.export``; the int8
model is ONNX Runtime's weight-only ``MatMulNBits`` quantisation (see :func:`_quantize`,
which needs the ``onnx-ir`` package). Before a variant is used it is compared
with torch on :data:`CHECK_TEXTS`; one that disagrees is recorded as such and never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sensemaking.embed.backends import (
    BatchedEmbedder,
    ModelSource,
    cached_snapshot,
    cpu_count,
    embedding_dimension,
    first_line,
    load_sentence_transformer,
    normalise,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "CHECK_TEXTS",
    "OnnxEmbedder",
    "OnnxUnavailable",
    "default_cache_dir",
    "load_onnx_embedder",
]

logger = logging.getLogger(__name__)

FORMAT = 2
META = "sensemaking-onnx.json"
#: Least (mean, minimum) cosine to torch on :data:`CHECK_TEXTS` for a variant to be used.
MIN_AGREEMENT = {"onnx": (0.9999, 0.999), "onnx-int8": (0.99, 0.98)}
_FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}

#: Texts an export is checked on: Swedish and English, short, long and truncated.
CHECK_TEXTS = (
    "Jag blev lyssnad på av min lärare idag.",
    "På fritidsgården finns alltid någon vuxen som frågar hur det är.",
    "Ingen brydde sig när jag sa att jag var ledsen.",
    "Mina kompisar ställde upp för mig när det var jobbigt hemma.",
    "Jag vet inte.",
    "Skolan var tråkig men vi hade roligt på rasten.",
    "Tränaren sa att jag inte var tillräckligt bra för laget, och då ville jag sluta.",
    "My teacher listened to me today and I felt safe.",
    "Nobody asked me anything.",
    "ok",
    "Det var en lång dag. " * 80,
    "Efter skolan går jag till biblioteket, där det är lugnt och bibliotekarien känner igen "
    "mig. Hon tipsar om böcker och frågar vad jag tyckte om den förra. Det känns som att "
    "någon bryr sig om vad jag tänker, fast hon inte måste.",
)


class OnnxUnavailable(Exception):
    """An ONNX backend cannot be used; ``model`` is the torch model if it was loaded."""

    def __init__(self, message: str, model: SentenceTransformer | None = None) -> None:
        super().__init__(message)
        self.model = model


def default_cache_dir() -> Path:
    """``SENSEMAKING_CACHE_DIR``, else ``$XDG_CACHE_HOME/sensemaking`` (``~/.cache/...``)."""
    if os.environ.get("SENSEMAKING_CACHE_DIR"):
        return Path(os.environ["SENSEMAKING_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sensemaking"


def fingerprint(folder: Path, prompt: str = "") -> str:
    """A short digest of a model folder's file names, sizes and times (not its bytes)."""
    digest = hashlib.sha256(f"format {FORMAT}\0prompt {prompt}\n".encode())
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if relative.split("/")[0] in ("onnx", "openvino", ".git") or not path.is_file():
            continue
        stat = path.stat()
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "--", name).strip("-.")[-80:] or "model"


def _read_meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == FORMAT else None


def _write_atomic(path: Path, write: Any) -> None:
    """Write via a temporary file in the same folder, so readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a cache is readable like any file
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


class OnnxEmbedder(BatchedEmbedder):
    """An exported model run by ONNX Runtime; see :func:`load_onnx_embedder`."""

    def __init__(
        self,
        folder: Path,
        variant: str,
        meta: dict[str, Any],
        *,
        name: str,
        batch_size: int,
        device: str = "cpu",
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_count()
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(
            str(folder / _FILES[variant]), options, providers=providers
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        self._tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        self.prompt: str | None = meta.get("prompt")
        self.name = name
        self.key = f"{name}@{variant}"
        self.dim = int(meta["dim"])
        self.batch_size = batch_size

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        if self.prompt:
            batch = [self.prompt + text for text in batch]
        encodings = self._tokenizer.encode_batch(batch)
        arrays = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._session.run(None, {name: arrays[name] for name in self._inputs})[0]


def load_onnx_embedder(
    source: ModelSource,
    *,
    quantized: bool,
    device: str,
    batch_size: int,
    cache_dir: str | Path | None = None,
) -> OnnxEmbedder:
    """Load a model's ONNX export, exporting (and checking) it first if there is none.

    Raises:
        OnnxUnavailable: ONNX Runtime is missing, the export failed, or it disagrees with
            torch; carries the torch model when it was loaded, so it is not loaded twice.
        ModelUnavailable: the model itself cannot be loaded.
    """
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        if quantized:
            import onnx  # noqa: F401
            import onnx_ir  # noqa: F401
    except ImportError as exc:
        raise OnnxUnavailable(f"{exc.name or exc} is not installed") from exc
    variant = "onnx-int8" if quantized else "onnx"
    model = None
    if source.path is None:  # a hub model not cached yet: download it, then find its folder
        model = load_sentence_transformer(source, "cpu")
        snapshot = cached_snapshot(source.hub_id or source.name)
        if snapshot is None:
            raise OnnxUnavailable("the downloaded model is not in the Hugging Face cache", model)
        source = replace(source, path=snapshot)
    assert source.path is not None
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = fingerprint(source.path, source.prompt or "")
    folder = root / "onnx" / f"{_slug(source.name)}-{digest}"
    meta = _read_meta(folder)
    if meta is None or variant not in meta.get("agreement", {}):
        if model is None:
            model = load_sentence_transformer(source, "cpu")
        try:
            meta = _export(model, folder, variant, source.prompt)
        except OnnxUnavailable as exc:
            exc.model = model
            raise
        except Exception as exc:  # the exporter and quantiser fail in many ways
            raise OnnxUnavailable(f"export failed: {first_line(exc)}", model) from exc
    agreement = meta["agreement"][variant]
    least_mean, least_min = MIN_AGREEMENT[variant]
    if agreement["mean"] < least_mean or agreement["min"] < least_min:
        raise OnnxUnavailable(
            f"it disagrees with torch (mean cosine {agreement['mean']:.4f}, "
            f"minimum {agreement['min']:.4f})",
            model,
        )
    logger.info(
        "embedding with %s (%s, batch %d) from %s", source.name, variant, batch_size, folder
    )
    return OnnxEmbedder(
        folder, variant, meta, name=source.name, batch_size=batch_size, device=device
    )


def _export(
    model: SentenceTransformer, folder: Path, variant: str, prompt: str | None
) -> dict[str, Any]:
    """Export (and quantise) into ``folder`` if needed, check it against torch, record why."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = _read_meta(folder)
    if meta is None or not (folder / _FILES["onnx"]).is_file():
        meta = _export_float(model, folder, prompt)
    if variant == "onnx-int8" and not (folder / _FILES[variant]).is_file():
        _write_atomic(folder / _FILES[variant], lambda out: _quantize(folder / _FILES["onnx"], out))
    reference = model.encode(
        list(CHECK_TEXTS), prompt=prompt, normalize_embeddings=True, convert_to_numpy=True
    )
    exported = OnnxEmbedder(folder, variant, meta, name="check", batch_size=4).encode(CHECK_TEXTS)
    cosines = np.sum(normalise(reference) * exported, axis=1)
    mean, low = float(cosines.mean()), float(cosines.min())
    meta.setdefault("agreement", {})[variant] = {"mean": mean, "min": low}
    _write_atomic(folder / META, lambda out: out.write_text(json.dumps(meta, indent=2)))
    logger.info("exported %s to %s: mean cosine to torch %.5f", variant, folder, mean)
    return meta


def _export_float(model: SentenceTransformer, folder: Path, prompt: str | None) -> dict[str, Any]:
    import torch

    tokenizer = model.tokenizer
    backend_tokenizer = getattr(tokenizer, "backend_tokenizer", None)
    if backend_tokenizer is None or tokenizer.pad_token is None:
        raise OnnxUnavailable("the model has no fast tokenizer with a padding token")
    # Two texts of different lengths, so the traced graph applies the padding mask.
    features = model.preprocess(["kort", "en längre text, så att den första får utfyllnad"])
    names = [n for n in tokenizer.model_input_names if isinstance(features.get(n), torch.Tensor)]
    extras = {k: v for k, v in features.items() if not isinstance(v, torch.Tensor)}

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model({**extras, **dict(zip(names, inputs, strict=True))})[
                "sentence_embedding"
            ]

    def export(out: Path) -> None:
        axes = {name: {0: "batch", 1: "tokens"} for name in names}
        with torch.no_grad(), warnings.catch_warnings():
            # The TorchScript exporter warns that it is deprecated and that traced shape
            # checks become constants; both are expected for a fixed encoder graph.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pipeline().eval(),
                tuple(features[n].cpu() for n in names),
                str(out),
                dynamo=False,
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
                opset_version=17,
            )

    model.to("cpu")
    _write_atomic(folder / _FILES["onnx"], export)
    _write_atomic(folder / "tokenizer.json", lambda out: backend_tokenizer.save(str(out)))
    meta = {
        "format": FORMAT,
        "dim": embedding_dimension(model),
        "max_seq_length": int(model.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id),
        "pad_token": str(tokenizer.pad_token),
        "prompt": prompt,
        "inputs": names,
        "agreement": {},
    }
    _write_atomic(folder / META, lambda out: out.write_text(json.dumps(meta, indent=2)))
    return meta


def _quantize(source: Path, out: Path) -> None:
    """Int8 weights in blocks of 32, int8 arithmetic, activations quantised per row and block.

    Unlike ONNX Runtime's dynamic quantisation, whose activation scale spans the whole
    batch (so a text's vector depends on the texts batched with it, and agreement with torch
    is 0.996), this keeps each vector independent of its batch and agrees to 0.9996.
    """
    import onnx

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    # That module calls logging.basicConfig(level=INFO) on import; logging is the
    # application's to configure, so undo it.
    root.handlers[:] = handlers
    root.setLevel(level)
    chatty = logging.getLogger(MatMulNBitsQuantizer.__module__)
    chatty_level = chatty.level
    chatty.setLevel(logging.WARNING)  # it logs every node it skips
    try:
        options = {"bits": 8, "block_size": 32, "is_symmetric": True, "accuracy_level": 4}
        quantizer = MatMulNBitsQuantizer(
            onnx.load(str(source)),
            **options,
            algo_config=DefaultWeightOnlyQuantConfig(**options),
        )
        quantizer.process()
        quantizer.model.save_model_to_file(str(out), use_external_data_format=False)
    finally:
        chatty.setLevel(chatty_level)
