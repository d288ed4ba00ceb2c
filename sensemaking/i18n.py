"""Every user-facing word of the engine's outputs, in Swedish (the default) and English.

One table, so that a translation is one edit and no Swedish hides in code. Look a text up
with :func:`tr`; texts may hold ``str.format`` fields.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGUAGES", "TEXTS", "tr"]

#: The languages every text exists in.
LANGUAGES = ("sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "all_places": {"sv": "alla platser", "en": "all places"},
    "other_places": {"sv": "övriga platser", "en": "all other places"},
    "every_round": {"sv": "alla omgångar", "en": "every round"},
    "more_of": {"sv": "mer av", "en": "more of"},
    "fewer_of": {"sv": "mindre av", "en": "fewer of"},
    "no_clear_difference": {"sv": "ingen tydlig skillnad", "en": "no clear difference"},
    "suppressed": {"sv": "dold (för få berättare)", "en": "hidden (too few storytellers)"},
    "shifted": {"sv": "har flyttat sig", "en": "has moved"},
    "no_clear_shift": {"sv": "ingen tydlig förflyttning", "en": "no clear movement"},
    "right_way": {"sv": "åt rätt håll", "en": "the right way"},
    "wrong_way": {"sv": "åt fel håll", "en": "the wrong way"},
    "not_clear": {"sv": "ingen tydlig förändring", "en": "no clear change"},
    "absent": {"sv": "finns inte i den här jämförelsen", "en": "not in this comparison"},
    "want_more_of": {"sv": "vill ha mer av", "en": "want more of"},
    "want_fewer_of": {"sv": "vill ha mindre av", "en": "want fewer of"},
    "corner": {"sv": "hörnet {label}", "en": "the corner {label}"},
    "edge": {"sv": "mellan {a} och {b}", "en": "between {a} and {b}"},
    "centre": {"sv": "mitten (lite av varje)", "en": "the centre (a bit of each)"},
    "band": {"sv": "steg {n} av {of} (mot {pole})", "en": "band {n} of {of} (towards {pole})"},
    "band_middle": {"sv": "steg {n} av {of} (mitten)", "en": "band {n} of {of} (the middle)"},
    "theme": {"sv": "tema {label}", "en": "theme {label}"},
    "theme_other": {"sv": "övriga berättelser (inget tema)", "en": "other stories (no theme)"},
    "themes": {"sv": "teman", "en": "themes"},
    "comparison_title": {"sv": "{b} jämfört med {a}", "en": "{b} compared with {a}"},
    "stories_n": {"sv": "{a} och {b} berättelser", "en": "{a} and {b} stories"},
    "hidden_comparison": {
        "sv": "Jämförelsen visas inte: en av grupperna har färre än {k} berättare.",
        "en": "Not shown: one of the groups has fewer than {k} storytellers.",
    },
    "clear_findings": {"sv": "Tydliga skillnader", "en": "Clear differences"},
    "no_findings": {
        "sv": "Ingen enskild punkt skiljer sig tydligt (falska fynd högst {alpha:.0%}).",
        "en": "No single item differs clearly (false findings at most {alpha:.0%}).",
    },
    "desired_title": {
        "sv": "Det ni vill se mer och mindre av",
        "en": "What you want more and fewer of",
    },
    "higher": {"sv": "högre", "en": "higher"},
    "lower": {"sv": "lägre", "en": "lower"},
    "wholes_title": {"sv": "Frågorna som helhet", "en": "Each question as a whole"},
    "triad_line": {
        "sv": "{signifier}: {verdict}; mittpunkt {a} → {b}",
        "en": "{signifier}: {verdict}; centre {a} → {b}",
    },
    "towards": {"sv": "mot {corner}", "en": "towards {corner}"},
    "dyad_line": {
        "sv": "{signifier}: {verdict}; medel {a:.2f} → {b:.2f} ({d:+.2f}, KI {lo:+.2f}…{hi:+.2f})",
        "en": "{signifier}: {verdict}; mean {a:.2f} → {b:.2f} ({d:+.2f}, CI {lo:+.2f}…{hi:+.2f})",
    },
    "all_items": {"sv": "Alla punkter", "en": "All items"},
    "col_signifier": {"sv": "fråga", "en": "signifier"},
    "col_item": {"sv": "punkt", "en": "item"},
    "col_a": {"sv": "A", "en": "A"},
    "col_b": {"sv": "B", "en": "B"},
    "col_difference": {"sv": "skillnad (95 % KI)", "en": "difference (95% CI)"},
    "col_verdict": {"sv": "bedömning", "en": "verdict"},
    "pp": {"sv": "{v:+.0f} p.e.", "en": "{v:+.0f} pts"},
}


def tr(key: str, lang: str = "sv", **fields: Any) -> str:
    """The text ``key`` in ``lang`` (Swedish when the language is unknown), formatted.

    Raises:
        KeyError: no such text.
    """
    texts = TEXTS[key]
    text = texts.get(lang) or texts["sv"]
    return text.format(**fields) if fields else text
