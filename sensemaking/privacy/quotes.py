"""Which stories a report may quote: consent, and groups large enough to hide in.

A story's text is shown (a theme card's example, the theme map's hover) only when all hold:

- its storyteller allowed quoting (the ``consent`` column said so; a story whose file said
  nothing counts as allowed only with ``privacy.quote_without_consent``);
- it belongs to a theme (never the "other" group) whose stories come from at least
  ``quote_min_group`` storytellers;
- its place has stories from at least ``quote_min_group`` storytellers, so that a quote
  cannot be traced to one of a handful of children at a small youth centre.
"""

from __future__ import annotations

import numpy as np

from sensemaking.patterns.data import AnswerTable

__all__ = ["quotable"]


def quotable(
    table: AnswerTable,
    theme: np.ndarray,
    *,
    quote_min_group: int,
    without_consent: bool = False,
) -> np.ndarray:
    """Per story of ``table``, whether a report may quote it.

    Args:
        table: the stories (their places, storytellers and consent).
        theme: ``(n,)`` each story's theme index; negative for "other" or no theme.
        quote_min_group: the smallest number of storytellers a quoted story hides among.
        without_consent: stories with no consent recorded may be quoted.
    """
    theme = np.asarray(theme)
    n = len(table)
    sharing = table.sharing if len(table.sharing) == n else np.full(n, "", dtype=object)
    allowed = (sharing == "quote") | ((sharing == "") & without_consent)
    ok = allowed & (theme >= 0)
    for t in np.unique(theme[ok]):
        members = theme == t
        if table.storytellers(members) < quote_min_group:
            ok &= ~members
    places = table.place.astype(str)
    for place in np.unique(places[ok]):
        members = places == place
        if table.storytellers(members) < quote_min_group:
            ok &= ~members
    return ok
