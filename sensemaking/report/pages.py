"""The page layer: the only code that writes HTML.

Pages are Jinja2 templates with autoescaping on, so every story, label and place name is
escaped where it lands in the page. Figures travel as JSON inside
``<script type="application/json">`` elements, which the browser never runs; ``<``, ``>``,
``&`` and the line separators U+2028/U+2029 in that JSON are written as ``\\uXXXX`` escapes,
so no text can close the element. A small loader (``assets/report.js``) draws them with the
plotly.js shipped beside the pages (``assets/plotly.min.js``): one copy for all pages,
nothing fetched from the network, and a Content-Security-Policy that forbids every other
script and every connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sensemaking.i18n import tr
from sensemaking.report.views import number, percent

__all__ = ["ASSETS", "PageWriter", "safe_json"]

#: The folder of shared files next to the pages.
ASSETS = "assets"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
            "\u2029": "\\u2029"}  # fmt: skip
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                  "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}  # fmt: skip


def safe_json(value: Any) -> str:
    """JSON that can stand inside an HTML ``<script>`` element without ending it."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


@dataclass
class _Figures:
    """The figures of one page, numbered in order."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, figure: go.Figure) -> str:
        figure_id = f"fig-{len(self.items) + 1}"
        body = pio.to_json(figure, validate=False, remove_uids=True, engine="json")
        payload = '{"figure":' + body + ',"config":' + json.dumps(_PLOTLY_CONFIG) + "}"
        self.items.append((figure_id, safe_json(payload)))
        return figure_id


class PageWriter:
    """Writes pages into one report folder.

    Args:
        out: the report folder (created if missing).
        lang: the language of the pages' own words.
        manifest: what the footer shows (a mapping of the manifest's fields).
    """

    def __init__(self, out: Path, lang: str, manifest: dict[str, Any]) -> None:
        self.out = out
        self.lang = lang
        self.manifest = manifest
        self.written: list[Path] = []
        self.env = Environment(
            loader=PackageLoader("sensemaking.report", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["t"] = lambda key, **fields: tr(key, lang, **fields)
        self.env.filters["pct"] = lambda v, digits=0: "–" if v is None else percent(v, lang, digits)
        self.env.filters["num"] = lambda v: "–" if v is None else number(v, lang)

    def write_assets(self) -> None:
        """Copy plotly.js, the loader and the style sheet into ``assets/`` (once)."""
        from plotly.offline import get_plotlyjs

        folder = self.out / ASSETS
        folder.mkdir(parents=True, exist_ok=True)
        plotly_js = folder / "plotly.min.js"
        source = get_plotlyjs()
        if not plotly_js.exists() or plotly_js.stat().st_size != len(source.encode()):
            plotly_js.write_text(source, encoding="utf-8")
        static = resources.files("sensemaking.report") / "static"
        for name in ("report.js", "report.css"):
            (folder / name).write_text((static / name).read_text(encoding="utf-8"),
                                       encoding="utf-8")  # fmt: skip
        self.written += [plotly_js, folder / "report.js", folder / "report.css"]

    def figures(self) -> _Figures:
        """A fresh, empty figure list for one page."""
        return _Figures()

    def page(self, template: str, path: str, *, title: str, figures: _Figures,
             nav: list[dict[str, Any]], **context: Any) -> Path:  # fmt: skip
        """Render ``template`` to ``path`` (relative to the report folder)."""
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        depth = len(Path(path).parts) - 1
        root = "../" * depth
        html = self.env.get_template(template).render(
            title=title, lang=self.lang, root=root, nav=nav, manifest=self.manifest,
            figures=dict(figures.items), **context,
        )  # fmt: skip
        target.write_text(html, encoding="utf-8")
        self.written.append(target)
        return target
