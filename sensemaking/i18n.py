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
    # --- reports -----------------------------------------------------------------------
    "nav_label": {"sv": "Rapportens sidor", "en": "Report pages"},
    "nav_overview": {"sv": "Översikt", "en": "Overview"},
    "nav_themes": {"sv": "Teman", "en": "Themes"},
    "nav_compare": {"sv": "Jämförelser", "en": "Comparisons"},
    "m_data": {"sv": "Data", "en": "Data"},
    "m_model": {"sv": "Modell", "en": "Model"},
    "m_seed": {"sv": "Slumpfrö", "en": "Seed"},
    "m_run": {"sv": "Temakörning", "en": "Theme run"},
    "m_version": {"sv": "Version", "en": "Version"},
    "m_built": {"sv": "Skapad", "en": "Built"},
    "m_stories_run": {"sv": "Berättelser i körningen", "en": "Stories in the run"},
    "m_map": {"sv": "Kartmetod", "en": "Map method"},
    "m_fitted_short": {
        "sv": "teman anpassade på ett urval av {fitted} av {stories}",
        "en": "themes fitted on a sample of {fitted} of {stories}",
    },
    "m_fitted": {"sv": "Teman anpassade på", "en": "Themes fitted on"},
    "m_fitted_value": {
        "sv": "ett slumpurval av {fitted} av {stories} berättelser; de övriga fick det "
        "närmaste temat",
        "en": "a random sample of {fitted} of {stories} stories; the others were given the "
        "nearest theme",
    },
    "seed_ari": {
        "sv": "Likhet med annat slumpfrö (ARI, 1 = samma)",
        "en": "Agreement with another seed (ARI, 1 = same)",
    },
    "stories_word": {"sv": "berättelser", "en": "stories"},
    "storytellers_word": {"sv": "berättare", "en": "storytellers"},
    "municipalities_word": {"sv": "kommuner", "en": "municipalities"},
    "rounds_word": {"sv": "omgångar", "en": "rounds"},
    "n_stories": {"sv": "{n} berättelser", "en": "{n} stories"},
    "overview_title": {"sv": "Översikt", "en": "Overview"},
    "overview_lead": {
        "sv": "Barns och ungas egna berättelser om när de mådde bra – eller inte – och var de "
        "själva placerade dem. Grupper med färre än {k} berättare visas aldrig.",
        "en": "Children's and young people's own stories of when they felt good – or not – "
        "and where they placed them themselves. Groups of fewer than {k} storytellers "
        "are never shown.",
    },
    "places_title": {"sv": "Platser och vad som har ändrats", "en": "Places and what has changed"},
    "places_note": {
        "sv": "Tydliga skillnader mellan de två senaste omgångarna på varje plats. Klicka på en "
        "plats för dess sida. ”Dold” betyder färre än {k} berättare.",
        "en": "Clear differences between the two latest rounds at each place. Click a place "
        "for its page. “Hidden” means fewer than {k} storytellers.",
    },
    "col_place": {"sv": "Plats", "en": "Place"},
    "col_stories_latest": {"sv": "Berättelser {round}", "en": "Stories {round}"},
    "col_change": {"sv": "Ändring {a} → {b}", "en": "Change {a} → {b}"},
    "coverage_title": {
        "sv": "Berättelser per plats och omgång",
        "en": "Stories per place and round",
    },
    "coverage_note": {
        "sv": "Grå rutor är dolda: färre än {k} berättare, eller dolda för att en liten grupp "
        "inte ska kunna räknas fram ur summorna.",
        "en": "Grey cells are hidden: fewer than {k} storytellers, or hidden so that a small "
        "group cannot be worked out from the totals.",
    },
    "coverage_hover": {"sv": "%{y}<br>%{x}: %{z} berättelser", "en": "%{y}<br>%{x}: %{z} stories"},
    "quality_title": {"sv": "Datakvalitet per fråga", "en": "Data quality per question"},
    "quality_note": {
        "sv": "”Passar inte” (N/A) är ett svar i sig. Många prickar exakt i mitten kan betyda "
        "att frågan inte förstods eller att man hoppade över den.",
        "en": "“Does not fit” (N/A) is an answer in itself. Many dots exactly in the centre "
        "can mean the question was not understood or was skipped.",
    },
    "q_na": {"sv": "passar inte (N/A)", "en": "does not fit (N/A)"},
    "q_skipped": {"sv": "inget svar", "en": "no answer"},
    "q_centre": {"sv": "exakt i mitten", "en": "exactly in the centre"},
    "run_title": {"sv": "Senaste temakörningen", "en": "The latest theme run"},
    "run_stale": {
        "sv": "Det har kommit nya berättelser sedan temakörningen: kör `sensemaking run`.",
        "en": "New stories have come in since the theme run: run `sensemaking run`.",
    },
    "no_run": {
        "sv": "Inga teman ännu: kör `sensemaking run`.",
        "en": "No themes yet: run `sensemaking run`.",
    },
    "themes_title": {"sv": "Teman", "en": "Themes"},
    "themes_lead": {
        "sv": "Berättelserna grupperade efter vad de handlar om: {n} teman. {other} av "
        "berättelserna passar inte i något tema och visas som ”övriga”.",
        "en": "The stories grouped by what they are about: {n} themes. {other} of the stories "
        "fit no theme and are shown as “other”.",
    },
    "map_title": {"sv": "Karta över alla berättelser", "en": "Map of every story"},
    "map_note": {
        "sv": "Varje prick är en berättelse; berättelser som liknar varandra ligger nära "
        "varandra. Håll muspekaren över en prick för temat. Utdrag visas bara ur berättelser "
        "som berättaren gett lov att citera, från teman och platser med minst {q} berättare.",
        "en": "Each dot is a story; similar stories lie close together. Hover over a dot for "
        "its theme. Excerpts are shown only from stories their storytellers allowed to be "
        "quoted, from themes and places with at least {q} storytellers.",
    },
    "map_sampled": {
        "sv": "Kartan visar ett slumpat urval av {n} av {total} berättelser.",
        "en": "The map shows a random sample of {n} of {total} stories.",
    },
    "no_map": {
        "sv": "Temakörningen har ingen karta: kör `sensemaking themes run` igen.",
        "en": "The theme run has no map: run `sensemaking themes run` again.",
    },
    "cards_title": {"sv": "Temana", "en": "The themes"},
    "stable": {"sv": "stabilt ({s:.2f})", "en": "stable ({s:.2f})"},
    "unstable": {"sv": "osäkert ({s:.2f})", "en": "unstable ({s:.2f})"},
    "stability_unknown": {"sv": "stabilitet okänd", "en": "stability unknown"},
    "event_new": {"sv": "nytt", "en": "new"},
    "event_merged": {"sv": "sammanslaget", "en": "merged"},
    "event_split": {"sv": "delat", "en": "split"},
    "not_quoted": {
        "sv": "Inga citat: färre än {q} berättare, eller inget lov att citera.",
        "en": "Not quoted: fewer than {q} storytellers, or no consent to quote.",
    },
    "other_note": {
        "sv": "berättelser som inget tema håller ihop",
        "en": "stories no theme holds together",
    },
    "shares_title": {
        "sv": "Temanas andel per kommun och omgång",
        "en": "Theme shares per municipality and round",
    },
    "shares_note": {
        "sv": "Procent av platsens berättelser i omgången. Omgångar med färre än {k} berättare "
        "är dolda.",
        "en": "Per cent of the place's stories in the round. Rounds with fewer than {k} "
        "storytellers are hidden.",
    },
    "place_lead": {
        "sv": "En {level} och hur berättelserna där har förändrats.",
        "en": "A {level} and how its stories have changed.",
    },
    "level_region": {"sv": "region", "en": "region"},
    "level_municipality": {"sv": "kommun", "en": "municipality"},
    "level_site": {"sv": "plats", "en": "site"},
    "below": {"sv": "Platser här", "en": "Places here"},
    "stories_in": {"sv": "berättelser {round}", "en": "stories {round}"},
    "hidden_short": {"sv": "dold", "en": "hidden"},
    "hidden_group": {
        "sv": "Dold: färre än {k} berättare.",
        "en": "Hidden: fewer than {k} storytellers.",
    },
    "change_title": {
        "sv": "Mer av, mindre av sedan förra omgången",
        "en": "More of, fewer of since the previous round",
    },
    "no_change": {
        "sv": "Platsen har inte berättelser från två omgångar att jämföra.",
        "en": "The place has no stories from two rounds to compare.",
    },
    "no_change_short": {"sv": "–", "en": "–"},
    "verdict_note": {
        "sv": "”Mer av” och ”mindre av” visas bara när skillnaden är tydlig (falska fynd högst "
        "{alpha:.0%}); skillnaden är i procentenheter med 95 % konfidensintervall",
        "en": "“More of” and “fewer of” are shown only for clear differences (false findings "
        "at most {alpha:.0%}); differences are in percentage points with a 95% "
        "confidence interval",
    },
    "theme_moves_title": {"sv": "Teman som växt och krympt", "en": "Themes that grew and shrank"},
    "triad_note": {
        "sv": "Varje prick är en berättelse, linjerna visar var prickarna ligger tätast och "
        "den svarta romben är mittpunkten. Sista triangeln visar hur mittpunkten har "
        "flyttat sig mellan omgångarna.",
        "en": "Each dot is a story, the lines show where the dots lie most densely and the "
        "black diamond is the centre. The last triangle shows how the centre moved "
        "between rounds.",
    },
    "centre_moves": {"sv": "Mittpunktens väg", "en": "The centre's path"},
    "dyads_title": {"sv": "Skjutreglagen", "en": "The sliders"},
    "dyad_note": {
        "sv": "Från ”{low}” (vänster) till ”{high}” (höger).",
        "en": "From “{low}” (left) to “{high}” (right).",
    },
    "mean_short": {"sv": "medel", "en": "mean"},
    "compare_title": {"sv": "Jämförelser mellan platser", "en": "Comparisons between places"},
    "compare_lead": {
        "sv": "Omgång {round}. ”Mer av” betyder att den namngivna platsen har mer.",
        "en": "Round {round}. “More of” means the place named has more.",
    },
    "vs_all_title": {
        "sv": "Varje kommun mot alla andra",
        "en": "Each municipality against all others",
    },
    "vs_all": {
        "sv": "{place} jämfört med övriga platser",
        "en": "{place} compared with all other places",
    },
    "pairs_title": {"sv": "Kommun mot kommun", "en": "Municipality against municipality"},
    "pairs_note": {"sv": "Klicka för att se skillnaderna.", "en": "Click to see the differences."},
    "vs_place": {"sv": "{b} jämfört med {a}", "en": "{b} compared with {a}"},
    "moved": {"sv": "har flyttat sig: {names}", "en": "moved: {names}"},
    # --- run and demo -------------------------------------------------------------------
}


def tr(key: str, lang: str = "sv", **fields: Any) -> str:
    """The text ``key`` in ``lang`` (Swedish when the language is unknown), formatted.

    Raises:
        KeyError: no such text.
    """
    texts = TEXTS[key]
    text = texts.get(lang) or texts["sv"]
    return text.format(**fields) if fields else text
