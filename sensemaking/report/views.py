"""From library results to what a page shows: places, comparisons in words, safe numbers.

Nothing here writes HTML; the templates escape every string these views hold.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sensemaking.framework import Framework, text_in
from sensemaking.i18n import tr
from sensemaking.patterns.analysis import Comparison
from sensemaking.patterns.compare import ItemComparison
from sensemaking.patterns.items import THEMES
from sensemaking.patterns.text import item_label, whole_lines

__all__ = [
    "PlaceNode",
    "comparison_view",
    "difference_text",
    "municipalities",
    "percent",
    "place_nodes",
    "signifier_name",
]


def number(value: int, lang: str) -> str:
    """``1\u00a0000\u00a0000`` in Swedish, ``1,000,000`` in English."""
    return f"{value:,}".replace(",", "\u00a0") if lang == "sv" else f"{value:,}"


def percent(value: float, lang: str, digits: int = 1) -> str:
    """``0,2 %`` in Swedish, ``0.2 %`` in English."""
    text = f"{100 * value:.{digits}f}"
    return (text.replace(".", ",") if lang == "sv" else text) + "\u00a0%"


@dataclass(frozen=True)
class PlaceNode:
    """A place of the hierarchy that has stories (its own or below it)."""

    path: str
    name: str
    level: str
    depth: int
    href: str

    @property
    def parent(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None


def _slug(path: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", path).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "plats"
    return f"{base}-{hashlib.sha256(path.encode()).hexdigest()[:6]}"


def place_nodes(paths: list[str], levels: dict[str, str]) -> list[PlaceNode]:
    """Every place with stories and every place above one, sorted by path.

    Args:
        paths: the stored place paths that have stories.
        levels: path → level (``region``, ``municipality``, ``site``) as stored.
    """
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        found.update("/".join(parts[: k + 1]) for k in range(len(parts)))
    return [
        PlaceNode(p, p.rsplit("/", 1)[-1], levels.get(p, "site"), p.count("/"),
                  f"places/{_slug(p)}.html")
        for p in sorted(found, key=lambda p: [s.casefold() for s in p.split("/")])
    ]  # fmt: skip


def municipalities(nodes: list[PlaceNode]) -> list[PlaceNode]:
    """The municipalities among ``nodes``, or the top-level places where none is marked."""
    return [n for n in nodes if n.level == "municipality"] or [n for n in nodes if n.depth == 0]


def signifier_name(framework: Framework, signifier: str, lang: str) -> str:
    """What a signifier is called on a page: its question, or "themes"."""
    if signifier == THEMES:
        return tr("themes", lang).capitalize()
    try:
        return text_in(framework.signifier(signifier).question, lang)
    except KeyError:
        return signifier


def difference_text(r: ItemComparison | Any) -> str:
    """``+12 (+3…+20)``: the difference in percentage points with its interval."""
    if r.difference is None:
        return "–"
    low, high = r.ci_low or 0.0, r.ci_high or 0.0
    return f"{100 * r.difference:+.0f} ({100 * low:+.0f}…{100 * high:+.0f})"


def comparison_view(
    c: Comparison,
    framework: Framework,
    *,
    lang: str,
    theme_labels: dict[str, str],
    min_group: int,
    bands: int,
    title: str = "",
) -> dict[str, Any]:
    """A comparison as the ``comparison`` macro shows it."""
    wants = {(d.signifier, d.item): tr("want_" + d.want, lang) for d in c.desired}

    def row(r: ItemComparison) -> dict[str, Any]:
        return {
            "signifier": signifier_name(framework, r.signifier, lang),
            "item": item_label(framework, r.signifier, r.item, lang, theme_labels, bands),
            "share_a": r.share_a, "share_b": r.share_b, "difference": difference_text(r),
            "verdict": r.verdict, "want": wants.get((r.signifier, r.item)),
        }  # fmt: skip

    findings = c.findings()
    counts = {v: sum(1 for r in findings if r.verdict == v) for v in ("more_of", "fewer_of")}
    if c.suppressed:
        summary = tr("suppressed", lang)
    elif findings:
        summary = ", ".join(f"{n} {tr(v, lang)}" for v, n in counts.items() if n)
    else:
        summary = tr("no_clear_difference", lang)
    return {
        "title": title or tr("comparison_title", lang, a=c.group_a, b=c.group_b),
        "suppressed": c.suppressed,
        "hidden_text": tr("hidden_comparison", lang, k=min_group),
        "sizes": tr("stories_n", lang, a=c.stories_a, b=c.stories_b)
        + ". "
        + tr("verdict_note", lang, alpha=c.alpha),
        "label_a": c.group_a,
        "label_b": c.group_b,
        "findings": [row(r) for r in findings],
        "no_findings": tr("no_findings", lang, alpha=c.alpha),
        "desired": [
            {
                "want": tr("want_" + d.want, lang),
                "item": f"{signifier_name(framework, d.signifier, lang)} "
                f"{item_label(framework, d.signifier, d.item, lang, theme_labels, bands)}",
                "outcome": d.outcome,
            }
            for d in c.desired
        ],
        "wholes": [line.strip() for line in whole_lines(c, framework, lang)],
        "all": [row(r) for r in c.items if r.verdict != "suppressed"],
        "summary": summary,
        "counts": counts,
        "anchor": "",
    }
