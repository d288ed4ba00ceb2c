"""Comparisons in words: item names an analyst reads, and a plain-text table led by findings.

The library returns the text; the CLI prints it and the reports reuse the item names.
"""

from __future__ import annotations

from sensemaking.framework import Framework, text_in
from sensemaking.i18n import tr
from sensemaking.patterns.analysis import Comparison
from sensemaking.patterns.compare import ItemComparison
from sensemaking.patterns.items import THEMES

__all__ = ["item_label", "render_comparison", "signifier_label", "whole_lines"]


def signifier_label(framework: Framework, signifier: str, lang: str = "sv") -> str:
    """A signifier's short name: its id with its question, or "themes"."""
    if signifier == THEMES:
        return tr("themes", lang)
    return signifier


def item_label(
    framework: Framework,
    signifier: str,
    item: str,
    lang: str = "sv",
    theme_labels: dict[str, str] | None = None,
    bands: int = 5,
) -> str:
    """``corner:kompisar`` of ``kraft`` → ``hörnet "kompisar och gemenskap"``."""
    kind, _, rest = item.partition(":")
    if signifier == THEMES:
        if rest == "other":
            return tr("theme_other", lang)
        label = (theme_labels or {}).get(rest, rest)
        return tr("theme", lang, label=f"{rest} “{label}”")
    try:
        sig = framework.signifier(signifier)
    except KeyError:
        return item
    if sig.type == "triad":
        corners = {c.id: text_in(c.label, lang) for c in sig.corners}
        if item == "centre":
            return tr("centre", lang)
        if kind == "corner":
            return tr("corner", lang, label=f"“{corners.get(rest, rest)}”")
        if kind == "edge":
            a, _, b = rest.partition("-")
            return tr("edge", lang, a=f"“{corners.get(a, a)}”", b=f"“{corners.get(b, b)}”")
    if sig.type == "dyad" and kind == "band":
        return _band(sig.poles, int(rest), bands, lang)
    if sig.type == "choice" and kind == "option":
        options = {o.id: text_in(o.label, lang) for o in sig.options}
        return f"“{options.get(rest, rest)}”"
    return item


def _band(poles: tuple[dict[str, str], dict[str, str]], n: int, of: int, lang: str) -> str:
    # bands run from the first pole (band 1) to the second; name the nearer pole
    if n * 2 == of + 1:
        return tr("band_middle", lang, n=n, of=of)
    pole = text_in(poles[1] if n * 2 > of + 1 else poles[0], lang)
    return tr("band", lang, n=n, of=of, pole=f"“{pole}”")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _row(r: ItemComparison, framework: Framework, lang: str, themes: dict[str, str]) -> list[str]:
    if r.difference is None:
        diff = "–"
    else:
        diff = (f"{100 * r.difference:+.0f} ({100 * (r.ci_low or 0):+.0f}…"
                f"{100 * (r.ci_high or 0):+.0f})")  # fmt: skip
    return [signifier_label(framework, r.signifier, lang),
            item_label(framework, r.signifier, r.item, lang, themes),
            _percent(r.share_a), _percent(r.share_b), diff, tr(r.verdict, lang)]  # fmt: skip


def _centre(values: tuple[float, ...] | None) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values or ()) + ")"


def whole_lines(c: Comparison, framework: Framework, lang: str = "sv") -> list[str]:
    """One line per triad and dyad: did it move as a whole, and where to."""
    lines = []
    for t in c.triads:
        if t.verdict == "suppressed":
            continue
        verdict = tr(t.verdict, lang)
        if t.verdict == "shifted":
            corner = item_label(framework, t.signifier, f"corner:{t.towards}", lang)
            verdict += " " + tr("towards", lang, corner=corner)
        lines.append("  " + tr("triad_line", lang, signifier=t.signifier, verdict=verdict,
                               a=_centre(t.centre_a), b=_centre(t.centre_b)))  # fmt: skip
    for d in c.dyads:
        if d.verdict == "suppressed":
            continue
        verdict = tr(d.verdict, lang)
        if d.verdict in ("higher", "lower"):
            poles = framework.signifier(d.signifier).poles  # type: ignore[union-attr]
            pole = text_in(poles[1] if d.verdict == "higher" else poles[0], lang)
            verdict += " " + tr("towards", lang, corner=f"“{pole}”")
        lines.append("  " + tr("dyad_line", lang, signifier=d.signifier, verdict=verdict,
                               a=d.mean_a, b=d.mean_b, d=d.difference, lo=d.ci_low,
                               hi=d.ci_high))  # fmt: skip
    return lines


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]  # fmt: skip
    return lines


def render_comparison(
    comparison: Comparison,
    framework: Framework,
    *,
    lang: str = "sv",
    theme_labels: dict[str, str] | None = None,
    min_group: int = 5,
    all_items: bool = False,
) -> str:
    """A readable report of one comparison: the clear findings first, then the analysts'
    desired directions, the triads as wholes, and (with ``all_items``) every item."""
    themes = theme_labels or {}
    c = comparison
    lines = [tr("comparison_title", lang, a=c.group_a, b=c.group_b)]
    if c.suppressed:
        lines.append(tr("hidden_comparison", lang, k=min_group))
        return "\n".join(lines) + "\n"
    lines.append(tr("stories_n", lang, a=c.stories_a, b=c.stories_b))
    header = [tr("col_signifier", lang), tr("col_item", lang), tr("col_a", lang),
              tr("col_b", lang), tr("col_difference", lang), tr("col_verdict", lang)]  # fmt: skip
    findings = c.findings()
    lines.append("")
    if findings:
        lines.append(tr("clear_findings", lang))
        lines += _table([_row(r, framework, lang, themes) for r in findings], header)
    else:
        lines.append(tr("no_findings", lang, alpha=c.alpha))
    if c.desired:
        lines += ["", tr("desired_title", lang)]
        for d in c.desired:
            label = item_label(framework, d.signifier, d.item, lang, themes)
            lines.append(f"  {tr('want_' + d.want, lang)} {d.signifier} {label}: "
                         f"{tr(d.outcome, lang)}")  # fmt: skip
    wholes = whole_lines(c, framework, lang)
    if wholes:
        lines += ["", tr("wholes_title", lang), *wholes]
    if all_items:
        lines += ["", tr("all_items", lang)]
        lines += _table([_row(r, framework, lang, themes) for r in c.items], header)
    return "\n".join(lines) + "\n"
