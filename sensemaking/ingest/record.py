"""A valid story as ingest stores it, and the canonical payload its hashes are taken of.

:class:`StoryRecord` is what :class:`~sensemaking.ingest.validate.RowValidator` makes of a
valid row; its :meth:`~StoryRecord.payload` (canonical JSON of everything the story says) is
what the content hash and, before redaction, the keyed raw hash are taken of, so it must
never change for the same story.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["StoryRecord"]


@dataclass(slots=True)
class StoryRecord:
    """A valid story with its answers, ready to store."""

    row: int
    text: str
    source_id: str | None = None
    title: str | None = None
    language: str | None = None
    told_on: dt.date | None = None
    place: str | None = None
    round: str | None = None
    storyteller: str | None = None
    sharing: str | None = None
    triads: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    dyads: dict[str, float | None] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    #: Set by the privacy step: a keyed hash of the row as read, and the sealed raw text.
    raw_hash: str | None = None
    sealed: bytes | None = None
    #: The answers' part of :meth:`payload` while pinned (see :meth:`pin_answers`).
    _answers_payload: str | None = field(default=None, init=False, repr=False, compare=False)

    def pin_answers(self) -> None:
        """Write the answers' part of :meth:`payload` once for the payloads taken until
        :meth:`unpin_answers`: a row's raw and content hash share it. The triads, dyads
        and choices must not change in between."""
        self._answers_payload = None
        with contextlib.suppress(TypeError):  # then payload() takes the general way
            self._answers_payload = self._written_answers()

    def unpin_answers(self) -> None:
        """End :meth:`pin_answers`."""
        self._answers_payload = None

    def content_hash(self) -> str:
        """A digest of everything the story says, so the same row is never stored twice.

        Floats enter with 9 decimals: re-reading an exported file gives the same hash.
        """
        return hashlib.sha256(self.payload().encode("utf-8")).hexdigest()

    def payload(self) -> str:
        """Everything the story says, as canonical JSON (what the hashes are taken of)."""
        try:
            return self._written_payload()
        except TypeError:  # a value that is not a text: the JSON encoder knows what to do
            return _encode_payload(self._payload_values())

    def _payload_values(self) -> list[Any]:
        """What :meth:`payload` encodes."""
        payload = [
            self.source_id,
            self.text,
            self.title,
            self.language,
            self.told_on.isoformat() if self.told_on else None,
            self.place,
            self.round,
            self.storyteller,
            sorted(
                (k, None if v is None else [f"{x:.9f}" for x in v]) for k, v in self.triads.items()
            ),
            sorted((k, None if v is None else f"{v:.9f}") for k, v in self.dyads.items()),
            sorted((k, sorted(v)) for k, v in self.choices.items()),
            sorted(self.texts.items()),
        ]
        if self.sharing is not None:
            payload.append(self.sharing)
        return payload

    def _written_payload(self) -> str:
        """:meth:`payload` for texts and ``None``, written out: the same JSON without the
        general encoder's work per value (each row's payload is taken twice, for the raw
        and for the content hash).

        Raises:
            TypeError: a value is not a text (or ``None``).
        """
        text = _encode_text
        told_on = self.told_on.isoformat() if self.told_on else None
        head = (self.source_id, self.text, self.title, self.language, told_on, self.place,
                self.round, self.storyteller)  # fmt: skip
        parts = ["null" if v is None else text(v) for v in head]
        parts.append(self._answers_payload or self._written_answers())
        texts = self.texts
        parts.append("[" + ",".join([f"[{text(k)},{text(texts[k])}]" for k in sorted(texts)]) + "]")
        if self.sharing is not None:
            parts.append(text(self.sharing))
        return "[" + ",".join(parts) + "]"

    def _written_answers(self) -> str:
        """The triads, dyads and choices of :meth:`_written_payload` (three JSON items)."""
        text = _encode_text
        triads, dyads, choices = self.triads, self.dyads, self.choices
        written_triads = [
            f"[{text(k)},null]"
            if (v := triads[k]) is None
            else f"[{text(k)},[" + ",".join([f'"{x:.9f}"' for x in v]) + "]]"
            for k in sorted(triads)
        ]
        written_dyads = [
            f"[{text(k)},null]" if (v := dyads[k]) is None else f'[{text(k)},"{v:.9f}"]'
            for k in sorted(dyads)
        ]
        written_choices = [
            f"[{text(k)},[" + ",".join([text(o) for o in sorted(choices[k])]) + "]]"
            for k in sorted(choices)
        ]
        return (
            f"[{','.join(written_triads)}],[{','.join(written_dyads)}],"
            f"[{','.join(written_choices)}]"
        )

    def text_hash(self) -> str:
        """A digest of the story text alone (what embeddings are cached by)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Records cross process boundaries in bulk (parallel ingest); the constructor with
        # positional fields pickles several times faster than the slots dataclass's state.
        return (StoryRecord, tuple(getattr(self, f) for f in _RECORD_FIELDS))


_RECORD_FIELDS = tuple(f.name for f in fields(StoryRecord) if f.init)
# What json.dumps(payload, ensure_ascii=False, separators=(",", ":")) does, without building
# an encoder per call; a payload is never circular, so the check is left out.
_encode_text = json.encoder.encode_basestring  # how that encoder writes a text
_encode_payload = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode
