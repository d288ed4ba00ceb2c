"""The demo world: places, collection rounds and the planted patterns.

Read with the module docstring of :mod:`sensemaking.demo.generator` and ``docs/demo-data.md``,
which describe what these tables do to the data. Regions, municipalities and localities are
real; the collection sites are generic or invented; every story and answer is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "PLACES",
    "PLACE_FACTORS",
    "ROUNDS",
    "ROUND_WEIGHTS",
    "SHIFTS",
    "DemoPlace",
    "DemoRound",
]


@dataclass(frozen=True)
class DemoPlace:
    """A municipality in the demo: where its stories were collected and how many per round."""

    region: str
    municipality: str
    sites: tuple[tuple[str, float], ...]
    localities: tuple[str, ...]
    sizes: tuple[int, int, int]


@dataclass(frozen=True)
class DemoRound:
    """A collection round; each place collects during three weeks between ``start`` and ``end``."""

    label: str
    start: date
    end: date


PLACES: tuple[DemoPlace, ...] = (
    DemoPlace("Stockholm", "Södertälje",
              (("Fritidsgården Hovsjö", 3), ("Fritidsgården Ronna", 2), ("Västra skolan", 3),
               ("Ungdomens hus", 2), ("Stadsbiblioteket", 1)),
              ("Södertälje", "Hovsjö", "Ronna", "Geneta", "Järna"), (96, 104, 110)),
    DemoPlace("Västernorrland", "Ånge",
              (("Fritidsgården Ånge", 3), ("Ånge högstadieskola", 3), ("Fränsta skola", 2),
               ("Torpshammars fritidsgård", 1)),
              ("Ånge", "Fränsta", "Torpshammar", "Alby"), (42, 46, 40)),
    DemoPlace("Värmland", "Säffle",
              (("Fritidsgården Kulturhuset", 3), ("Säffle högstadieskola", 3),
               ("Svanskogs skola", 1)),
              ("Säffle", "Svanskog", "Värmlandsbro"), (50, 48, 52)),
    DemoPlace("Värmland", "Filipstad",
              (("Fritidsgården Filipstad", 3), ("Filipstads högstadieskola", 3),
               ("Lesjöfors fritidsgård", 1)),
              ("Filipstad", "Nykroppa", "Lesjöfors"), (40, 44, 46)),
    DemoPlace("Örebro län", "Ljusnarsberg",
              (("Fritidsgården Kopparberg", 2), ("Kopparbergs skola", 2)),
              ("Kopparberg", "Ställdalen", "Bångbro"), (30, 28, 36)),
    DemoPlace("Värmland", "Storfors",
              (("Storfors skola", 1), ("Fritidsgården Storfors", 1)),
              ("Storfors", "Kyrksten"), (7, 5, 8)),
)  # fmt: skip

ROUNDS: tuple[DemoRound, ...] = (
    DemoRound("2024 vår", date(2024, 3, 11), date(2024, 5, 24)),
    DemoRound("2024 höst", date(2024, 9, 16), date(2024, 11, 29)),
    DemoRound("2025 vår", date(2025, 3, 10), date(2025, 5, 23)),
)

# --- the planted patterns: scenario weights per place and round ----------------------------
# A factor multiplies a scenario's base weight in every round of a place; an override sets the
# weight in one round. See docs/demo-data.md.
PLACE_FACTORS: dict[str, dict[str, float]] = {
    "Södertälje": {"idrott-tranare": 2.0, "idrott-lag": 2.0, "idrott-jag": 2.0,
                   "idrott-negativ": 2.0, "natur-jag": 0.6, "ungdomsrad": 1.5},
    "Ånge": {"natur-jag": 1.4},
}  # fmt: skip
ROUND_WEIGHTS: dict[tuple[str, int], dict[str, float]] = {
    ("Ånge", 0): {"morkt-hem": 42.0, "ljust-hem": 0.5},
    ("Ånge", 1): {"morkt-hem": 9.0, "ljust-hem": 6.0},
    ("Ånge", 2): {"morkt-hem": 2.0, "ljust-hem": 8.0},
    ("Filipstad", 0): {"ungdomsrad": 0.0, "inte-lyssnad": 7.0},
    ("Filipstad", 1): {"ungdomsrad": 14.0, "inte-lyssnad": 2.0},
    ("Filipstad", 2): {"ungdomsrad": 18.0, "inte-lyssnad": 1.0},
    ("Ljusnarsberg", 2): {"fg-yngre": 45.0, "fg-gemenskap": 12.0},
}
#: Shifts of answers in every story of a place and round, on the log scale of a triad corner
#: or the logit scale of a dyad: after the youth centre opens for younger children friends
#: matter more in Ljusnarsberg's stories overall; with lights and night walkers everyone in
#: Ånge feels a little safer; after the youth council starts adults are felt to listen more in
#: Filipstad.
SHIFTS: dict[tuple[str, int], dict[str, float]] = {
    ("Ljusnarsberg", 2): {"kraft.kompisar": 0.6},
    ("Ånge", 1): {"trygg": 0.3},
    ("Ånge", 2): {"trygg": 0.45},
    ("Filipstad", 1): {"lyssnad": 0.5},
    ("Filipstad", 2): {"lyssnad": 0.7},
}
