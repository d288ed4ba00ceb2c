"""Report figures: each function takes plain numbers and returns a ``plotly`` Figure.

Nothing here reads the database or writes HTML (see :mod:`sensemaking.report.pages`); every
function expects numbers that are already suppressed (``None``/NaN where a group is hidden)
and text that is already safe for plotly (:func:`sensemaking.report.figures.style.plain`).
"""

__all__: list[str] = []
