"""Theme labels: keywords by c-TF-IDF, readable surface forms, representative stories."""

from __future__ import annotations

import numpy as np
import pytest
import snowballstemmer

from sensemaking.cluster._stopwords import stop_words
from sensemaking.cluster.labels import ThemeLabel, label_themes
from sensemaking.demo import generate_stories

PLATS = ("skolan", "fritidsgarden", "hemma", "idrott", "ute", "natet", "annat")


@pytest.fixture(scope="module")
def demo() -> tuple[list[str], np.ndarray]:
    """The default demo stories as themes by their ``plats`` answer; no answer is ``-1``."""
    rows = generate_stories()
    texts = [str(r["text"]) for r in rows]
    labels = np.array([PLATS.index(str(r["plats"])) if r["plats"] else -1 for r in rows])
    return texts, labels


@pytest.fixture(scope="module")
def themes(demo: tuple[list[str], np.ndarray]) -> dict[int, ThemeLabel]:
    texts, labels = demo
    return label_themes(texts, labels)


def _words(theme: ThemeLabel) -> list[str]:
    parts = [*theme.keywords, *theme.label.split(" · ")]
    return [w for part in parts for w in part.split()]


def test_one_label_per_theme_and_none_for_other(
    demo: tuple[list[str], np.ndarray], themes: dict[int, ThemeLabel]
) -> None:
    _, labels = demo
    assert (labels == -1).any()
    assert set(themes) == set(range(len(PLATS)))
    assert list(themes) == sorted(themes)


def test_youth_centre_theme_is_named_by_the_youth_centre(themes: dict[int, ThemeLabel]) -> None:
    theme = themes[PLATS.index("fritidsgarden")]
    assert theme.label.lower().startswith("fritidsgården")
    assert "fritidsgården" in theme.keywords
    assert "fritidsgård" not in theme.keywords  # the stem is never shown


@pytest.mark.parametrize(
    ("plats", "expected"),
    [
        ("idrott", {"laget", "tränare", "tränaren", "match", "matchen", "träningen", "fotboll"}),
        ("skolan", {"lärare", "läraren", "klassen", "rasterna", "provet", "lunchen"}),
        ("natet", {"nätet", "discord", "gruppchatt", "gaming", "minecraft", "spelar"}),
        ("ute", {"skogen", "lampor", "mörkt", "busshållplatsen", "vägen"}),
        ("hemma", {"mamma", "pappa", "familj", "lillebror", "morfar", "bakade kladdkaka"}),
    ],
)
def test_theme_keywords_name_the_topic(
    themes: dict[int, ThemeLabel], plats: str, expected: set[str]
) -> None:
    theme = themes[PLATS.index(plats)]
    lowered = {k.lower() for k in theme.keywords}
    assert len(lowered & expected) >= 2, theme
    assert {w.lower() for w in theme.label.split(" · ")} & expected, theme


def test_label_is_short_and_keywords_are_plenty(themes: dict[int, ThemeLabel]) -> None:
    for theme in themes.values():
        parts = theme.label.split(" · ")
        assert 2 <= len(parts) <= 3, theme.label
        assert 2 <= len(theme.label.split()) - theme.label.count("·") <= 4, theme.label
        assert theme.label[0].isupper()
        assert 8 <= len(theme.keywords) <= 10, theme.keywords
        assert theme.label.lower() == " · ".join(theme.keywords[: len(parts)]).lower()


def test_no_stop_words_numbers_or_short_words(themes: dict[int, ThemeLabel]) -> None:
    stops = stop_words("sv")
    for theme in themes.values():
        for word in _words(theme):
            assert word.lower() not in stops, (word, theme)
            assert not any(ch.isdigit() for ch in word), (word, theme)
            assert len(word) >= 3 or word.isupper(), (word, theme)
    for word in ("o", "typ", "ba", "dom", "nåt", "sen", "asså", "liksom", "jätte", "mkt",
                 "var", "är", "fick", "gick", "hade", "kom", "the", "and"):  # fmt: skip
        assert word in stops


def test_keywords_are_not_forms_of_one_stem(themes: dict[int, ThemeLabel]) -> None:
    stemmer = snowballstemmer.stemmer("swedish")
    for theme in themes.values():
        stems = [stemmer.stemWord(w.lower()) for k in theme.keywords for w in k.split()]
        assert len(stems) == len(set(stems)), theme.keywords


def test_representatives_are_distinct_members(
    demo: tuple[list[str], np.ndarray], themes: dict[int, ThemeLabel]
) -> None:
    texts, labels = demo
    for theme_id, theme in themes.items():
        reps = theme.representatives
        assert 3 <= len(reps) <= 5
        assert len(set(reps)) == len(reps)
        assert all(labels[i] == theme_id for i in reps)
        assert len({texts[i] for i in reps}) == len(reps)
        assert all(isinstance(i, int) for i in reps)


def test_surface_form_is_the_most_frequent_one() -> None:
    texts = [
        "Kompisarna på fritidsgården spelade pingis",
        "Jag och kompisarna var på fritidsgården",
        "Fritidsgården har pingis och kompisarna är där",
        "En kompis följde med till fritidsgårdar i stan",
        "Läraren gav oss ett prov i matte",
        "Provet i matte var svårt men läraren hjälpte",
    ]
    theme = label_themes(texts, np.array([0, 0, 0, 0, 1, 1]))[0]
    assert {"kompisarna", "fritidsgården"} <= set(theme.keywords)
    assert not {"kompis", "kompisar", "fritidsgårdar"} & set(theme.keywords)


def test_noise_is_stripped_and_short_capitals_kept() -> None:
    texts = [
        "Vi har NO på tisdagar https://skolan.example.se/schema 2024 😀 e-sport",
        "NO är svårt men e-sport efter skolan 123 www.example.com 🎮",
        "Efter NO blir det e-sport med klassen, mejla mig på elev@example.se",
        "Vi tränade fotboll hela kvällen",
        "Fotboll i regnet, tränaren skrek",
    ]
    theme = label_themes(texts, np.array([0, 0, 0, 1, 1]))[0]
    assert "NO" in theme.keywords
    assert "e-sport" in theme.keywords
    joined = " ".join(theme.keywords).lower()
    for noise in ("http", "www", "example", "schema 2024", "elev", "😀", "123"):
        assert noise not in joined


def test_redaction_placeholders_are_not_words_of_a_theme() -> None:
    texts = [
        "Jag och [NAMN] spelade pingis på fritidsgården, ring [TELEFON]",
        "[NAMN] och [NAMN] var på fritidsgården och spelade pingis",
        "Pingis med [NAMN] på fritidsgården hela kvällen",
        "Vi tränade fotboll hela kvällen med [NAMN]",
        "Fotboll i regnet, [NAMN] skrek",
    ]
    themes = label_themes(texts, np.array([0, 0, 0, 1, 1]))
    words = " ".join(w for t in themes.values() for w in (t.label, *t.keywords)).lower()
    assert "pingis" in words and "fotboll" in words
    assert "namn" not in words and "telefon" not in words


def test_embeddings_pick_central_and_diverse_stories() -> None:
    rng = np.random.default_rng(0)
    texts = [f"Berättelse nummer {i} om fritidsgården och pingis med kompisar" for i in range(30)]
    labels = np.zeros(30, dtype=int)
    centre = rng.standard_normal(16)
    embeddings = centre + 0.8 * rng.standard_normal((30, 16))
    embeddings[:8] = centre + 0.05 * rng.standard_normal(16)  # eight near-identical stories
    embeddings[20] = centre  # exactly at the centre
    reps = label_themes(texts, labels, embeddings, n_representatives=5)[0].representatives
    assert reps[0] in {20, *range(8)}
    assert len(set(reps) & set(range(8))) <= 2  # MMR: not five near-duplicates


def test_short_stories_are_not_preferred() -> None:
    long_ones = [
        "Vi spelade pingis på fritidsgården hela kvällen med kompisarna från klassen",
        "Fritidsgården hade pingisturnering på fredagen och jag kom tvåa efter Elin",
        "Ledaren på fritidsgården lyssnade när jag berättade om det jobbiga hemma",
        "Jag gick till fritidsgården efter skolan och spelade biljard och pingis",
        "På fritidsgården finns soffor och ett pingisbord och ledarna är snälla",
    ]
    texts = ["Fritidsgården pingis", *long_ones, "Tränaren peppade laget", "Matchen mot laget"]
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    reps = label_themes(texts, labels, n_representatives=3)[0].representatives
    assert len(reps) == 3
    assert 0 not in reps


def test_english() -> None:
    texts = [
        "My coach believed in me at football practice and I scored in the match.",
        "Football practice was hard but the coach said I did well in the match.",
        "We lost the football match but our coach was proud of the team.",
        "The coach let me play the whole match and the team won.",
        "I was so nervous about the maths exam, I studied every night.",
        "The maths exam was hard and I couldn't sleep before the exams.",
        "Our teacher helped me prepare for the exam in maths.",
        "Exams make me stressed, especially the maths exam.",
        "I went to the youth club with friends and we played ping pong.",
    ]
    themes = label_themes(texts, np.array([0, 0, 0, 0, 1, 1, 1, 1, -1]), language="en")
    assert set(themes) == {0, 1}
    assert {"coach", "football", "match"} <= set(themes[0].keywords)
    assert any("exam" in k for k in themes[1].keywords)
    stops = stop_words("en")
    for theme in themes.values():
        assert not any(w.lower() in stops for w in _words(theme))
    assert set(themes[1].representatives) <= {4, 5, 6, 7}


def test_mixed_language_drops_both_stop_lists() -> None:
    texts = [
        "typ the fotboll match",
        "asså the fotboll match",
        "the skolan typ prov",
        "prov skolan",
    ]
    themes = label_themes(texts, np.array([0, 0, 1, 1]), language="mixed")
    words = {w for theme in themes.values() for w in _words(theme)}
    assert not words & {"typ", "asså", "the"}
    assert any("fotboll" in k for k in themes[0].keywords)


def test_deterministic(demo: tuple[list[str], np.ndarray]) -> None:
    texts, labels = demo
    embeddings = np.random.default_rng(1).standard_normal((len(texts), 8))
    first = label_themes(texts, labels, embeddings, seed=3)
    assert first == label_themes(texts, labels, embeddings, seed=3)


def test_edge_cases() -> None:
    assert label_themes([], np.array([], dtype=int)) == {}
    empty = label_themes(["", "😀 123"], np.array([4, 4]))
    assert empty[4].keywords == ()
    assert empty[4].label
    assert set(empty[4].representatives) == {0, 1}
    assert label_themes(["bara en"], np.array([-1])) == {}
    with_nul = label_themes(["pingis\x00pingis", "pingis", "fotboll"], np.array([0, 0, 1]))
    assert with_nul[0].representatives in {(0, 1), (1, 0)}
    assert with_nul[1].keywords == ("fotboll",)
    missing = label_themes([None, float("nan"), "pingis"], np.array([0, 0, 1]))  # type: ignore[list-item]
    assert missing[0].keywords == ()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"labels": np.array([0, 1])}, "labels"),
        ({"labels": np.array([0.5, 1.0, 1.0])}, "labels"),
        ({"embeddings": np.zeros((2, 4))}, "embeddings"),
        ({"language": "de"}, "language"),
        ({"n_keywords": 0}, "n_keywords"),
        ({"n_representatives": -1}, "n_representatives"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, object], name: str) -> None:
    args: dict[str, object] = {"texts": ["a b c", "d e f", "g h i"], "labels": np.zeros(3, int)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        label_themes(**args)  # type: ignore[arg-type]


def test_labels_a_large_corpus_the_same_way() -> None:
    # Speed is measured in benchmarks, not asserted here.
    rows = generate_stories(20_000, seed=5)
    texts = [str(r["text"]) for r in rows]
    labels = np.array([PLATS.index(str(r["plats"])) if r["plats"] else -1 for r in rows])
    themes = label_themes(texts, labels)
    assert themes[PLATS.index("fritidsgarden")].keywords[0] == "fritidsgården"
