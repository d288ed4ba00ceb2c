"""Convert a SenseMaker framework definition (JSON) into a :class:`Framework`.

A SenseMaker definition lists its elements under ``signifiers``; each has a uuid, a ``type``
and a ``title`` (HTML). Triads, dyads (sliders), list questions and free-text questions become
a :class:`~sensemaking.framework.Framework` with readable slug ids and ``sensemaker_id`` set
to the uuid; the free text marked as the fragment is the story itself (``text``), its title
the framework's prompt. Display-only elements and stones canvases are skipped, with a reason.
The export that goes with a definition is read by :mod:`sensemaking.ingest.sensemaker`.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sensemaking.errors import FrameworkError
from sensemaking.framework import RESERVED_COLUMNS, Framework

__all__ = [
    "SenseMakerDefinition",
    "Skipped",
    "framework_from_definition",
    "read_definition",
    "slugify",
]

logger = logging.getLogger(__name__)

_DISPLAY_ONLY = frozenset({"label", "save", "navigation", "image", "html", "embedded", "button"})
_STOP_TEXT = """a an the of in on at to for by from with and or is are was were be been being has
have had this that these those it its if how what when which who our your you we i my me will
would do did en ett och pa att det som ar var for med till av om den de du dig jag vi ni"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "œ": "oe"})
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Skipped:
    """A definition element that has no place in the framework, and why."""

    sensemaker_id: str
    type: str
    title: str
    reason: str


@dataclass(frozen=True)
class SenseMakerDefinition:
    """A converted definition: the framework, the story question's uuid, what was skipped."""

    framework: Framework
    fragment_id: str
    skipped: tuple[Skipped, ...] = ()


def slugify(text: str, *, max_length: int = 40, max_words: int = 4, fallback: str = "item") -> str:
    """A short ascii id made of the first content words of ``text``.

    Example:
        >>> slugify("Pressure in this situation was...")
        'pressure-situation'
        >>> slugify("Trygghet på fritidsgården")
        'trygghet-fritidsgarden'
    """
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    words = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", folded.encode("ascii", "ignore").decode())
    content = [w for w in words if w not in _STOP_WORDS] or words
    slug = ""
    for word in content[:max_words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length:
            break
        slug = longer
    if not slug and content:
        slug = content[0][:max_length].rstrip("-")
    return slug or fallback


def _unique(slug: str, used: set[str], reserved: frozenset[str] = frozenset()) -> str:
    if slug in reserved:
        slug = f"{slug[:31]}-question"
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug[: 40 - len(str(n)) - 1]}-{n}", n + 1
    used.add(candidate)
    return candidate


def _plain(value: Any) -> str:
    """Title HTML as plain text; escaped markup (``&lt;font&gt;``) is removed as well."""
    text = html.unescape(_TAG.sub(" ", str(value or "")))
    return " ".join(_TAG.sub(" ", text).split())


def _scalar(value: Any) -> Any:
    """R's jsonlite writes every scalar as a one-element list."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _element(e: dict[str, Any], lang: str, used: set[str]) -> tuple[dict[str, Any] | None, str]:
    """One definition element as a signifier dict, or None and the reason it is skipped."""
    kind, content = str(e.get("type", "")), e.get("content") or {}
    title = _plain(e.get("title")) or f"{kind} {e.get('id')}"
    base = {"question": {lang: title}, "allow_na": bool(e.get("allow_na", False))}
    base["sensemaker_id"] = str(e["id"])

    def parts(items: Any, key: str, fallback: str) -> list[dict[str, Any]]:
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items if isinstance(items, list) else [], 1):
            label = _plain(item.get(key)) or f"{fallback} {i}"
            slug = _unique(slugify(label, fallback=f"{fallback}-{i}"), seen)
            out.append({"id": slug, "label": {lang: label}, "sensemaker_id": str(item.get("id"))})
        return out

    if kind in _DISPLAY_ONLY:
        return None, "display only"
    if kind == "stones":
        return (
            None,
            "a stones canvas (stones placed on a picture) has no counterpart in a framework",
        )
    if kind == "triad":
        corners = parts(content.get("labels"), "text", "corner")
        if len(corners) != 3:
            return None, f"a triad needs 3 anchors, the definition has {len(corners)}"
        base |= {"type": "triad", "corners": corners}
    elif kind in ("dyad", "slider"):
        poles = parts(content.get("labels"), "text", "pole")
        if len(poles) != 2:
            return None, f"a dyad needs 2 poles, the definition has {len(poles)}"
        base |= {"type": "dyad", "poles": [p["label"] for p in poles]}
    elif kind == "list":
        options = parts(content.get("items"), "title", "option")
        if len(options) < 2:
            return None, f"a list with {len(options)} option (a check box) is not a choice question"
        most = _scalar(content.get("max_responses"))
        base |= {"type": "choice", "options": options, "multiple": most not in (None, 1, "1")}
    elif kind == "freetext":
        base |= {"type": "text"}
    else:
        return None, f"element type {kind!r} is not supported"
    base["id"] = _unique(slugify(title, fallback=base["type"]), used, RESERVED_COLUMNS)
    return base, ""


def read_definition(path: str | Path) -> SenseMakerDefinition:
    """Convert a SenseMaker framework definition (``*_Definition.json``).

    Raises:
        FrameworkError: the file is missing, not JSON, or not a usable definition.
    """
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise FrameworkError(source, [(None, "(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameworkError(source, [(None, "(json)", f"not a JSON file: {exc}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("signifiers"), list):
        raise FrameworkError(source, [(None, "signifiers", "not a SenseMaker definition")])
    lang = str(_scalar(data.get("language")) or "en").lower()
    lang = lang if re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", lang) else "en"
    elements = [e for e in data["signifiers"] if isinstance(e, dict) and e.get("id")]
    fragment_id = _scalar(data.get("fragment_signifier_id")) or next(
        (e["id"] for e in elements if e.get("fragment") and e.get("type") == "freetext"), None
    )
    fragment = next((e for e in elements if e["id"] == fragment_id), None)
    if fragment is None:
        problem = "the definition names no story question (fragment_signifier_id)"
        raise FrameworkError(source, [(None, "fragment_signifier_id", problem)])
    signifiers: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    used: set[str] = set()
    for e in elements:
        if e is fragment:
            continue
        signifier, reason = _element(e, lang, used)
        if signifier is None:
            skipped.append(
                Skipped(str(e["id"]), str(e.get("type")), _plain(e.get("title")), reason)
            )
            logger.info(
                "skipped %s %s (%s): %s", e.get("type"), e["id"], _plain(e.get("title")), reason
            )
        else:
            signifiers.append(signifier)
    name = str(_scalar(data.get("name")) or _scalar(data.get("code")) or "sensemaker")
    framework = {
        "id": slugify(name, max_words=6, fallback="sensemaker"),
        "title": {lang: _plain(name) or name},
        "prompt": {lang: _plain(fragment.get("title")) or "(no prompt)"},
        "signifiers": signifiers,
    }
    try:
        model = Framework.model_validate(framework)
    except ValidationError as exc:
        problems = [
            (None, ".".join(str(p) for p in err["loc"]) or "(top)", err["msg"])
            for err in exc.errors()
        ]
        raise FrameworkError(source, problems) from None
    return SenseMakerDefinition(model, str(fragment_id), tuple(skipped))


def framework_from_definition(path: str | Path) -> Framework:
    """The :class:`Framework` of a SenseMaker definition (see :func:`read_definition`).

    Raises:
        FrameworkError: the file is missing, not JSON, or not a usable definition.
    """
    return read_definition(path).framework
