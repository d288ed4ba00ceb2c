"""Patterns of one project: its groups (place × round), their suppression, and comparisons.

:class:`PatternContext` reads a project's answers once and answers the analysts' three
questions — a place over time, a place against everywhere else, a place against another —
with the project's settings (zone thresholds, bands, alpha, desired directions) and its
minimum group size.

**Which groups are shown.** The cells of the place × round table (places as stored, i.e.
the most detailed level) are planned with
:func:`~sensemaking.patterns.suppression.plan_suppression` over three kinds of totals a
reader can see: all places within a round, all rounds of a place, and the places under a
common parent within a round. A group that is one cell is shown only if the plan shows that
cell (so a cell hidden to protect a smaller neighbour stays hidden); a group of several
cells (a parent place, "all other places", every round) is shown when it has at least
``min_group`` storytellers — subtracting shown cells from it reveals at most the hidden
cells' sum, which the plan keeps at ``min_group`` or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

import numpy as np

from sensemaking.config import PatternSettings
from sensemaking.errors import ConfigError, SensemakingError
from sensemaking.framework import Framework
from sensemaking.i18n import tr
from sensemaking.patterns.analysis import (
    Comparison,
    DesiredItem,
    Distribution,
    compare,
    describe,
)
from sensemaking.patterns.compositions import ZoneRules
from sensemaking.patterns.cross import CrossView, cross_view
from sensemaking.patterns.data import AnswerTable
from sensemaking.patterns.items import THEMES, ItemSpace, build_items, parse_item
from sensemaking.patterns.suppression import SuppressionPlan, plan_suppression

__all__ = ["ALL", "PatternContext", "PatternError", "desired_items"]

#: ``against=ALL`` compares a place with every other place.
ALL = "all"


class PatternError(SensemakingError):
    """A pattern request names a place or round that has no stories, or is malformed."""


def desired_items(settings: PatternSettings, framework: Framework) -> list[DesiredItem]:
    """The analysts' desired directions, checked against the framework.

    Raises:
        ConfigError: an entry is malformed or names an unknown signifier or item.
    """
    out = []
    for want, entries in (("more_of", settings.desired.more_of),
                          ("fewer_of", settings.desired.fewer_of)):  # fmt: skip
        for entry in entries:
            try:
                signifier, item = parse_item(entry)
            except ValueError as exc:
                raise ConfigError(f"patterns.desired.{want}: {exc}") from None
            known = _framework_items(framework, signifier)
            if signifier != THEMES and item not in known:
                listed = ", ".join(known) or "none: no such signifier"
                raise ConfigError(
                    f"patterns.desired.{want}: {entry!r}: the framework has no such item "
                    f"(items of {signifier!r}: {listed})"
                )
            out.append(DesiredItem(signifier, item, want))
    return out


def _framework_items(framework: Framework, signifier: str) -> list[str]:
    from sensemaking.patterns.compositions import zone_names

    for sig in framework.signifiers:
        if sig.id != signifier:
            continue
        if sig.type == "triad":
            return zone_names(tuple(c.id for c in sig.corners))  # type: ignore[arg-type]
        if sig.type == "dyad":
            return [f"band:{k}" for k in range(1, 11)]
        if sig.type == "choice":
            return [f"option:{o.id}" for o in sig.options]
    return []


class PatternContext:
    """A project's answers, items and suppression plan, ready for questions.

    Args:
        table: every story's answers (:func:`~sensemaking.patterns.data.load_answers`).
        framework: the project's framework.
        settings: the project's pattern settings.
        min_group: the project's minimum group of storytellers.
        lang: the language of group names in outputs.
    """

    def __init__(
        self,
        table: AnswerTable,
        framework: Framework,
        settings: PatternSettings | None = None,
        min_group: int = 5,
        lang: str = "sv",
    ) -> None:
        self.table = table
        self.framework = framework
        self.settings = settings or PatternSettings()
        self.min_group = min_group
        self.lang = lang
        s = self.settings
        rules = ZoneRules(s.corner, s.centre_low, s.centre_high)
        self.space: ItemSpace = build_items(table, framework, rules=rules, bands=s.dyad_bands)
        self.desired = desired_items(s, framework)
        self.plan: SuppressionPlan = self._plan()

    def _plan(self) -> SuppressionPlan:
        t = self.table
        cells: dict[Hashable, set[int]] = defaultdict(set)
        for place, round_, teller in zip(t.place, t.round, t.storyteller, strict=True):
            cells[(place, round_)].add(int(teller))
        counts = {cell: len(people) for cell, people in cells.items()}
        partitions: dict[Hashable, list[Hashable]] = defaultdict(list)
        for place, round_ in counts:
            partitions[("round", round_)].append((place, round_))
            partitions[("place", place)].append((place, round_))
            parent = place.rsplit("/", 1)[0] if "/" in place else None
            if parent:
                partitions[("parent", parent, round_)].append((place, round_))
        return plan_suppression(counts, self.min_group, partitions.values())

    # -- groups ------------------------------------------------------------------------

    def _check_place(self, place: str) -> np.ndarray:
        paths = self.table.resolve_place(place)
        if len(paths) > 1:
            raise PatternError(f"{place!r} names several places: {'; '.join(paths)} - "
                               "write more of the path")  # fmt: skip
        if not paths:
            tops = sorted({"/".join(p.split("/")[:2]) for p in self.table.places()})
            known = ", ".join(tops) or "none yet"
            raise PatternError(f"no stories from place {place!r} (places: {known}, …)")
        return self.table.in_place(paths[0])

    def _check_round(self, name: str) -> np.ndarray:
        mask = self.table.in_round(name)
        if not mask.any():
            known = ", ".join(self.table.rounds()) or "none yet"
            raise PatternError(f"no stories in round {name!r} (rounds: {known})")
        return mask

    def group(self, place: str | None = None, round: str | None = None) -> tuple[np.ndarray, bool]:
        """The stories of a place (with the places below it) in a round, and whether the
        suppression plan allows showing them (``None`` means every place / every round)."""
        mask = np.ones(len(self.table), dtype=bool)
        if place is not None:
            mask &= self._check_place(place)
        if round is not None:
            mask &= self._check_round(round)
        cells = set(zip(self.table.place[mask], self.table.round[mask], strict=True))
        if len(cells) == 1:
            return mask, self.plan.shown(next(iter(cells)))
        return mask, True

    def latest_round(self) -> str:
        """The newest round with stories."""
        rounds = self.table.rounds()
        if not rounds:
            raise PatternError("no stories with a round yet")
        return rounds[-1]

    def previous_round(self, name: str, place: str | None = None) -> str:
        """The round before ``name`` in which ``place`` has stories."""
        rounds = self.table.rounds()
        mask = self._check_place(place) if place else np.ones(len(self.table), dtype=bool)
        present = [r for r in rounds if (mask & self.table.in_round(r)).any()]
        if name not in present or present.index(name) == 0:
            raise PatternError(f"no round before {name!r} with stories from {place or 'any place'}")
        return present[present.index(name) - 1]

    # -- questions ---------------------------------------------------------------------

    def describe(self, place: str | None = None, round: str | None = None) -> Distribution:
        """What the stories of a place and round look like."""
        mask, shown = self.group(place, round)
        label = " · ".join(x for x in (place, round) if x) or tr("all_places", self.lang)
        return describe(self.table, self.space, mask, label, min_group=self.min_group,
                        shown=shown)  # fmt: skip

    def cross(self, rows: str, columns: str, place: str | None = None,
              round: str | None = None) -> CrossView:  # fmt: skip
        """One signifier's items against another's (``"themes"``, ``"kraft"``) in a group.

        Example: ``cross("themes", "kraft")`` shows which themes dominate which corner;
        ``cross("alder", "trygghet")`` how each age band places its dots.
        """
        mask, shown = self.group(place, round)
        if not shown:
            mask = np.zeros(len(self.table), dtype=bool)
        try:
            return cross_view(self.table, self.space, rows, columns, mask,
                              min_group=self.min_group)  # fmt: skip
        except KeyError as exc:
            known = ", ".join(b.signifier for b in self.space)
            raise PatternError(
                f"no signifier {exc.args[0]!r} to cross (signifiers: {known})"
            ) from None

    def over_time(self, place: str, from_round: str | None = None,
                  to_round: str | None = None) -> Comparison:  # fmt: skip
        """A place in one round (A) against the same place in a later round (B).

        ``to_round`` defaults to the newest round, ``from_round`` to the round before it.
        """
        to_round = to_round or self.latest_round()
        from_round = from_round or self.previous_round(to_round, place)
        mask_a, shown_a = self.group(place, from_round)
        mask_b, shown_b = self.group(place, to_round)
        labels = (f"{place} · {from_round}", f"{place} · {to_round}")
        return self._compare(mask_a, mask_b, labels, (shown_a, shown_b))

    def against(self, place: str, other: str = ALL, round: str | None = None) -> Comparison:
        """Everywhere else, or another place (A), against ``place`` (B) within one round.

        ``round`` defaults to the newest round; ``"all"`` takes every round.
        """
        round = self.latest_round() if round is None else round
        round_filter = None if round == ALL else round
        mask_b, shown_b = self.group(place, round_filter)
        if other == ALL:
            mask_a, shown_a = self.group(None, round_filter)
            mask_a = mask_a & ~mask_b
            others = tr("other_places", self.lang)
            label_a = others if round == ALL else f"{others} · {round}"
        else:
            mask_a, shown_a = self.group(other, round_filter)
            if (mask_a & mask_b).any():
                raise PatternError(f"{place!r} and {other!r} overlap: compare separate places")
            label_a = other if round == ALL else f"{other} · {round}"
        label_b = place if round == ALL else f"{place} · {round}"
        return self._compare(mask_a, mask_b, (label_a, label_b), (shown_a, shown_b))

    def _compare(self, mask_a: np.ndarray, mask_b: np.ndarray, labels: tuple[str, str],
                 shown: tuple[bool, bool]) -> Comparison:  # fmt: skip
        s = self.settings
        triads = [(sig.id, [c.id for c in sig.corners]) for sig in self.framework.of_type("triad")]
        dyads = [sig.id for sig in self.framework.of_type("dyad")]
        return compare(self.table, self.space, mask_a, mask_b, labels, min_group=self.min_group,
                       shown=shown, alpha=s.alpha, desired=self.desired,
                       n_bootstrap=s.n_bootstrap, triads=triads, dyads=dyads,
                       seed=s.seed)  # fmt: skip
