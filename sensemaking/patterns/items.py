"""Signifier answers as items: what a story has or has not, ready to count and compare.

Every signifier becomes a block of 0/1 columns over all stories, plus a mask of the stories
that answered it (shares are always among those; N/A answers are counted apart):

- a triad becomes its seven zones (``corner:<id>``, ``centre``, ``edge:<id>-<id>``);
- a dyad becomes ``bands`` equal bands ``band:1`` … ``band:<bands>`` from the first pole to
  the second (the top band includes 1.0);
- a choice question becomes its options ``option:<id>`` (several per story when multiple);
- the newest theme run becomes ``theme:<key>`` for each theme and ``theme:other``, under the
  signifier name ``themes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sensemaking.framework import Framework
from sensemaking.patterns.compositions import ZoneRules, zone_names, zones
from sensemaking.patterns.data import AnswerTable
from sensemaking.themes import OTHER

__all__ = ["THEMES", "ItemSpace", "SignifierItems", "build_items", "parse_item"]

#: The signifier name of theme items.
THEMES = "themes"


@dataclass(frozen=True)
class SignifierItems:
    """One signifier's items over every story of an :class:`AnswerTable`.

    Attributes:
        signifier: the signifier id (``themes`` for themes).
        kind: ``triad``, ``dyad``, ``choice`` or ``themes``.
        items: item names, the columns of ``matrix``.
        matrix: ``(n, m)`` booleans, all stories.
        answered: ``(n,)`` stories that answered (the denominator of the shares).
        not_applicable: ``(n,)`` stories that answered N/A.
    """

    signifier: str
    kind: str
    items: tuple[str, ...]
    matrix: np.ndarray
    answered: np.ndarray
    not_applicable: np.ndarray


@dataclass(frozen=True)
class ItemSpace:
    """All signifiers' items of a table, in framework order (themes last)."""

    blocks: tuple[SignifierItems, ...]

    def __iter__(self) -> Iterator[SignifierItems]:
        return iter(self.blocks)

    def block(self, signifier: str) -> SignifierItems:
        """The items of one signifier.

        Raises:
            KeyError: no such signifier.
        """
        for block in self.blocks:
            if block.signifier == signifier:
                return block
        raise KeyError(signifier)

    def has(self, signifier: str, item: str) -> bool:
        """Whether ``item`` is one of ``signifier``'s items."""
        return any(b.signifier == signifier and item in b.items for b in self.blocks)


def band_of(values: np.ndarray, bands: int) -> np.ndarray:
    """The band (0-based) of each dyad value in [0, 1]; NaN values give -1."""
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), -1, dtype=np.int64)
    ok = ~np.isnan(values)
    out[ok] = np.minimum((values[ok] * bands).astype(np.int64), bands - 1)
    return out


def build_items(
    table: AnswerTable,
    framework: Framework,
    *,
    rules: ZoneRules | None = None,
    bands: int = 5,
    themes: bool = True,
) -> ItemSpace:
    """Turn every answer of ``table`` into items (see the module docstring)."""
    if bands < 2:
        raise ValueError(f"bands must be at least 2, got {bands}")
    rules = rules or ZoneRules()
    n = len(table)
    blocks: list[SignifierItems] = []
    for sig in framework.signifiers:
        if sig.type == "triad":
            values = table.triads[sig.id]
            answered = ~np.isnan(values).any(axis=1)
            matrix = np.zeros((n, 7), dtype=bool)
            if answered.any():
                matrix[np.flatnonzero(answered), zones(values[answered], rules)] = True
            names = tuple(zone_names(tuple(c.id for c in sig.corners)))  # type: ignore[arg-type]
            blocks.append(SignifierItems(sig.id, "triad", names, matrix, answered,
                                         table.triad_na[sig.id]))  # fmt: skip
        elif sig.type == "dyad":
            band = band_of(table.dyads[sig.id], bands)
            answered = band >= 0
            matrix = np.zeros((n, bands), dtype=bool)
            matrix[np.flatnonzero(answered), band[answered]] = True
            names = tuple(f"band:{k}" for k in range(1, bands + 1))
            blocks.append(SignifierItems(sig.id, "dyad", names, matrix, answered,
                                         table.dyad_na[sig.id]))  # fmt: skip
        elif sig.type == "choice":
            matrix = table.choices[sig.id]
            names = tuple(f"option:{o.id}" for o in sig.options)
            blocks.append(SignifierItems(sig.id, "choice", names, matrix, matrix.any(axis=1),
                                         np.zeros(n, dtype=bool)))  # fmt: skip
    if themes and table.theme_run is not None:
        keys = [*table.theme_labels, OTHER]
        matrix = np.column_stack([table.theme == key for key in keys])
        blocks.append(SignifierItems(THEMES, "themes", tuple(f"theme:{k}" for k in keys), matrix,
                                     table.theme != "", np.zeros(n, dtype=bool)))  # fmt: skip
    return ItemSpace(tuple(blocks))


def parse_item(text: str) -> tuple[str, str]:
    """``"kraft corner:kompisar"`` → ``("kraft", "corner:kompisar")``.

    Raises:
        ValueError: not ``<signifier> <item>`` with a known item prefix.
    """
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"{text!r}: write '<signifier> <item>', e.g. 'kraft corner:kompisar'")
    signifier, item = parts
    kind = item.split(":", 1)[0]
    if item != "centre" and (kind not in ("corner", "edge", "band", "option", "theme")
                             or ":" not in item):  # fmt: skip
        raise ValueError(
            f"{text!r}: the item must be corner:<id>, edge:<id>-<id>, centre, band:<n>, "
            "option:<id> or theme:<key>"
        )
    return signifier, item
