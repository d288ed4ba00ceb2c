"""Readable labels for themes: keywords by class-based TF-IDF and representative stories.

A theme is the set of stories that share a cluster label. Its keywords are the words and
two-word phrases that are frequent in the theme and rare elsewhere (BERTopic's c-TF-IDF on
stemmed, stop-word-free tokens), shown in the surface form people actually wrote
("fritidsgården", never the stem "fritidsgård"), and picked so that one stem does not fill the
list. Its representatives are the stories closest to the theme's centre that are not
near-duplicates of each other.

Example:
    >>> import numpy as np
    >>> texts = ["Vi spelade pingis på fritidsgården", "Fritidsgården har pingis och biljard",
    ...          "Tränaren peppade laget inför matchen", "Matchen slutade lika, tränaren log"]
    >>> themes = label_themes(texts, np.array([0, 0, 1, 1]))
    >>> themes[0].label, themes[1].label
    ('Pingis · fritidsgården', 'Tränaren · matchen')
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import snowballstemmer

from sensemaking.cluster._stopwords import stop_words

__all__ = ["ThemeLabel", "label_themes"]

logger = logging.getLogger(__name__)

_STEMMERS = {"sv": "swedish", "en": "english", "mixed": "swedish"}
_DOC_BREAK = "\x00"
#: Bracketed capitals: the redaction placeholders, and marks like [OHÖRBART] in transcripts.
_PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖ][A-ZÅÄÖ-]{1,20}\]")
_URL = re.compile(r"(?:\w+://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A word (letters, digits, inner hyphens and apostrophes), a run of sentence punctuation, or
# the break between two documents. Everything else (spaces, commas, emoji) is skipped.
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[.!?;:…\n]+|\x00")
_LAUGH = re.compile(r"^(?:(?:ha|he|hi|ah|xd|ja)+h?|x+d+|(.)\1*)$")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")  # "jaaa", "sååå": no Swedish or English word has these

_BREAK, _SKIP = -2, -1  # token codes that are not terms: sentence/document break, stop word
_MIN_STEM_OVERLAP = 4  # a stem this long inside another stem makes the two redundant
_PHRASE_SHARE = 0.7  # a word shown as its phrase when the phrase holds this share of its uses
_CAPITALISED_SHARE = 0.75  # shown capitalised when written so mid-sentence this often
_MAX_LABEL_WORDS = 4
_THIRD = 0.6  # a third keyword joins the label when it scores this share of the second
_MMR_LAMBDA = 0.7
_NEAR_DUPLICATE = 0.95  # cosine above which two stories count as the same story
_MIN_DISTINCTNESS = 0.05


@dataclass(frozen=True)
class ThemeLabel:
    """What an analyst reads about one theme.

    Attributes:
        label: 2–4 words in the stories' language, e.g. ``"Fritidsgården · kompisar"``.
        keywords: up to ``n_keywords`` distinct words or two-word phrases, best first.
        representatives: indices into the input of central and mutually different stories.
    """

    label: str
    keywords: tuple[str, ...]
    representatives: tuple[int, ...]


def label_themes(
    texts: Sequence[str],
    labels: np.ndarray,
    embeddings: np.ndarray | None = None,
    *,
    language: str = "sv",
    n_keywords: int = 10,
    n_representatives: int = 5,
    seed: int = 0,
) -> dict[int, ThemeLabel]:
    """Label every theme: a short label, keywords and representative stories.

    Keywords come from class-based TF-IDF (each theme is one document: term frequency within
    the theme times ``log(1 + average words per theme / frequency of the term overall)``) over
    Snowball-stemmed words and two-word phrases, without stop words, numbers, URLs, emoji or
    words shorter than three letters (unless written in capitals, such as "NO" or "CS"). A
    story counts a term once, so one story that repeats a word does not make it a theme, and
    a term must be clearly more common in the theme than overall to score in full (see
    :func:`_ctfidf`). A word nearly always written in one phrase is shown as that phrase
    ("bakade kladdkaka"); a keyword that shares a stem with a better one is left out.
    Stories with label ``-1`` ("other") take part in the frequencies but get no label.

    Args:
        texts: the stories.
        labels: one theme id per story; ``-1`` means no theme.
        embeddings: optional document embeddings (one row per story) to find the stories
            nearest to each theme's centre; without them the stories whose words best match
            the theme's keywords are used.
        language: ``"sv"``, ``"en"`` or ``"mixed"``; chooses stop words and stemmer
            (``"mixed"`` uses both stop word lists and the Swedish stemmer).
        n_keywords: how many keywords per theme, at most.
        n_representatives: how many representative stories per theme, at most.
        seed: breaks ties between equally central stories; the same seed gives the same
            result.

    Returns:
        One :class:`ThemeLabel` per theme id ``>= 0``, by ascending id.

    Raises:
        ValueError: if an argument has the wrong shape or value; the message names it.

    Example:
        >>> import numpy as np
        >>> themes = label_themes(["Pingis på fritids", "Fritids med pingis", "Vi tränade"],
        ...                       np.array([0, 0, -1]))
        >>> themes[0].keywords[:2], themes[0].representatives
        (('pingis', 'fritids'), (0, 1))
    """
    texts = [t if isinstance(t, str) else _as_text(t) for t in texts]
    labels, embeddings = _validate(texts, labels, embeddings, n_keywords, n_representatives)
    stops = stop_words(language)
    corpus = _Corpus(texts, stops, _STEMMERS[language])

    theme_ids, classes = np.unique(labels, return_inverse=True)
    members = sp.csr_matrix(
        (np.ones(len(texts)), (classes, np.arange(len(texts)))),
        shape=(len(theme_ids), len(texts)),
    )
    counts = (members @ corpus.docs).tocsr()  # stories per theme that use each term
    counts.sort_indices()
    sizes = np.bincount(classes, minlength=len(theme_ids)).astype(float)
    scores = _ctfidf(counts, sizes)
    rng = np.random.default_rng(seed)
    unit = _unit_rows(embeddings) if embeddings is not None else None
    by_class = np.argsort(classes, kind="stable")
    bounds = np.searchsorted(classes[by_class], np.arange(len(theme_ids) + 1))

    result: dict[int, ThemeLabel] = {}
    for c, theme in enumerate(theme_ids.tolist()):
        if theme < 0:
            continue
        docs = by_class[bounds[c] : bounds[c + 1]]
        row = slice(counts.indptr[c], counts.indptr[c + 1])
        terms, row_scores = counts.indices[row], scores[row]
        picked, in_label = _pick_keywords(corpus, terms, counts.data[row], row_scores, n_keywords)
        keywords = tuple(corpus.display(t) for t in picked)
        result[theme] = ThemeLabel(
            label=_make_label(keywords[:in_label], theme),
            keywords=keywords,
            representatives=_pick_representatives(
                corpus, docs, (terms, row_scores), unit, n_representatives, rng
            ),
        )
    logger.debug("labelled %d themes from %d stories", len(result), len(texts))
    return result


def _as_text(value: object) -> str:
    """A missing text (``None``, NaN from pandas) is an empty story."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _validate(
    texts: list[str],
    labels: np.ndarray,
    embeddings: np.ndarray | None,
    n_keywords: int,
    n_representatives: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(texts):
        raise ValueError(
            f"labels must be 1-D with one id per text ({len(texts)}), got shape {labels.shape}"
        )
    whole = np.issubdtype(labels.dtype, np.integer) or (
        np.issubdtype(labels.dtype, np.floating) and bool(np.all(labels == np.round(labels)))
    )
    if len(labels) and not whole:
        raise ValueError(f"labels must be integer theme ids, got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
            raise ValueError(
                f"embeddings must have one row per text ({len(texts)}), "
                f"got shape {embeddings.shape}"
            )
    for name, value in (("n_keywords", n_keywords), ("n_representatives", n_representatives)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return labels, embeddings


class _Corpus:
    """Stories as a binary story × term matrix; terms are stems and pairs of adjacent stems.

    Built with one regular-expression pass over all stories and array operations over the
    tokens; Python-level work is per distinct token, not per token.
    """

    def __init__(self, texts: list[str], stops: frozenset[str], stemmer: str) -> None:
        joined = _DOC_BREAK.join(_without_links(t) for t in texts)
        if joined.count(_DOC_BREAK) != max(len(texts) - 1, 0):  # a stray NUL in a story
            joined = _DOC_BREAK.join(_without_links(t).replace(_DOC_BREAK, " ") for t in texts)
        tokens = _TOKEN.findall(joined)
        distinct = dict.fromkeys(tokens)
        for k, token in enumerate(distinct):
            distinct[token] = k
        tok = np.fromiter(map(distinct.__getitem__, tokens), np.int64, len(tokens))
        del tokens

        surfaces: dict[str, int] = {}
        code = np.empty(len(distinct), np.int64)  # distinct token -> surface id or _BREAK/_SKIP
        stretched = _stretched(list(distinct))
        for token, k in distinct.items():
            surface = _surface(token, stops, k in stretched)
            if isinstance(surface, str):
                surface = surfaces.setdefault(surface, len(surfaces))
            code[k] = surface
        self.surfaces = list(surfaces)
        stems: dict[str, int] = {}
        stemmed = snowballstemmer.stemmer(stemmer).stemWords(self.surfaces)
        self.surface_stem = np.array(
            [
                stems.setdefault(surface if surface.isupper() else stem, len(stems))
                for surface, stem in zip(self.surfaces, stemmed, strict=True)
            ],
            dtype=np.int64,
        )
        self.stems = list(stems)

        is_break = tok == distinct.get(_DOC_BREAK, -1)
        doc = np.cumsum(is_break)
        self.n_words = np.bincount(doc[code[tok] != _BREAK], minlength=len(texts))
        surf = code[tok]
        ok = surf >= 0
        self._casing(list(distinct), tok, code)
        # each stem is shown as its most frequent surface form
        seen = np.bincount(surf[ok], minlength=len(self.surfaces))
        self.stem_surface = _most_frequent(self.surface_stem, seen, len(self.stems))

        stem = np.r_[self.surface_stem, -1, -1][surf]  # _SKIP and _BREAK index the two -1s
        # two-word phrases: adjacent words, neither a stop word, not across a sentence break
        pair = (stem[:-1] >= 0) & (stem[1:] >= 0) & (stem[:-1] != stem[1:])
        where = np.flatnonzero(pair)
        n_stems = len(self.stems)
        pair_keys, pair_id = np.unique(stem[where] * n_stems + stem[where + 1], return_inverse=True)
        self.pair_stems = np.stack([pair_keys // n_stems, pair_keys % n_stems], axis=1)
        # each phrase is shown as its most frequent surface pair
        written = np.stack([pair_id, surf[where], surf[where + 1]], axis=1)
        written, times = np.unique(written, axis=0, return_counts=True)
        best = _most_frequent(written[:, 0], times, len(pair_keys))
        self.pair_surface = written[best, 1:]

        rows = np.r_[doc[ok], doc[where]]
        cols = np.r_[stem[ok], n_stems + pair_id]
        docs = sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)),
            shape=(len(texts), n_stems + len(pair_keys)),
        )
        docs.sum_duplicates()
        docs.data[:] = 1.0
        self.docs = docs
        self.df = np.bincount(docs.indices, minlength=docs.shape[1])  # stories using each term

    def _casing(self, forms: list[str], tok: np.ndarray, code: np.ndarray) -> None:
        """Find the words people capitalise mid-sentence (names: "Minecraft", "McDonalds")."""
        after_break = np.ones(len(tok), bool)
        after_break[1:] = code[tok[:-1]] == _BREAK
        mid = np.bincount(tok[~after_break], minlength=len(forms))
        word = code >= 0
        capital = np.array([f[:1].isupper() and not f.isupper() for f in forms], bool) & word
        n_surf = len(self.surfaces)
        seen = np.bincount(code[word], weights=mid[word], minlength=n_surf)
        caps = np.bincount(code[capital], weights=mid[capital], minlength=n_surf)
        capitals = np.flatnonzero(capital)
        best = _most_frequent(code[capitals], mid[capitals], n_surf)
        proper = np.flatnonzero((caps >= _CAPITALISED_SHARE * seen) & (caps > 0))
        self.proper = {int(s): forms[capitals[best[s]]] for s in proper}

    @property
    def n_stems(self) -> int:
        return len(self.stems)

    def term_stems(self, term: int) -> tuple[int, ...]:
        if term < self.n_stems:
            return (term,)
        a, b = self.pair_stems[term - self.n_stems]
        return (int(a), int(b))

    def display(self, term: int) -> str:
        if term < self.n_stems:
            return self._word(int(self.stem_surface[term]))
        a, b = self.pair_surface[term - self.n_stems]
        return f"{self._word(int(a))} {self._word(int(b))}"

    def _word(self, surface: int) -> str:
        return self.proper.get(surface) or self.surfaces[surface]


def _without_links(text: str) -> str:
    """The text with web addresses, e-mail addresses and editorial marks such as the
    redaction placeholders (``[NAMN]``, ``[TELEFON]``) replaced by a sentence break: none of
    them is a word the storyteller chose."""
    if "://" in text or "www." in text or "@" in text:
        text = _URL.sub(" . ", text)
    if "[" in text:
        text = _PLACEHOLDER.sub(" . ", text)
    return text


def _most_frequent(group: np.ndarray, counts: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group ``0 … n_groups - 1``, the index of its item with most counts (-1: none)."""
    order = np.lexsort((-counts, group))
    first = np.ones(len(order), bool)
    first[1:] = group[order][1:] != group[order][:-1]
    best = np.full(n_groups, -1, np.int64)
    best[group[order][first]] = order[first]
    return best


def _surface(token: str, stops: frozenset[str], stretched: bool) -> str | int:
    """The lower-cased form a token is counted as, or ``_BREAK``/``_SKIP``."""
    if token == _DOC_BREAK or not (token[0].isalnum() or token[0] == "_"):
        return _BREAK
    word = token.replace("’", "'")
    letters = word.replace("-", "").replace("'", "")
    if not letters.isalpha():  # digits or "_": numbers, "9an", "mp3", user_names
        return _SKIP
    if len(letters) < 3:  # short words only when written in capitals: NO, SO, CS, EU
        return word if len(letters) == 2 and word.isupper() and word.lower() not in stops else _SKIP
    lower = _STRETCH.sub(r"\1", word.lower()) if stretched else word.lower()
    if lower in stops or _LAUGH.match(lower) or (stretched and len(lower) < 3):
        return _SKIP
    return lower


def _stretched(forms: list[str]) -> set[int]:
    """Indices of the forms with a letter written three times or more ("jaaa", "kuuul"), found
    in one regular-expression pass rather than one per form."""
    starts = np.cumsum([0] + [len(f) + 1 for f in forms])
    found = (m.start() for m in _STRETCH.finditer("\x01".join(forms)))
    return set((np.searchsorted(starts, list(found), side="right") - 1).tolist())


def _ctfidf(counts: sp.csr_matrix, sizes: np.ndarray) -> np.ndarray:
    """Class-based TF-IDF with the pattern of ``counts`` (one value per stored count).

    BERTopic's ``tf(t, c) * log(1 + A / f(t))``, where ``A`` is the average number of terms per
    class and ``f(t)`` the frequency of ``t`` over all classes, times a distinctiveness factor
    ``clip(lift - 1, 0.05, 1)`` (``lift``: share of the theme's stories using the term over the
    share of all stories): a term no more common in the theme than in all stories, such as
    "skolan" from "efter skolan" in every theme, is pushed down the list, which plain c-TF-IDF,
    with its mild idf, does not do for frequent words. Terms at least twice as common in the
    theme keep their c-TF-IDF score.
    """
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    cols, used = counts.indices, counts.data
    per_class = np.bincount(rows, weights=used, minlength=counts.shape[0])
    per_term = np.bincount(cols, weights=used, minlength=counts.shape[1])
    average = per_class.sum() / max(counts.shape[0], 1)
    tfidf = used / per_class[rows] * np.log1p(average / per_term[cols])
    lift = (used / sizes[rows]) / (per_term[cols] / max(sizes.sum(), 1))
    return tfidf * np.clip(lift - 1.0, _MIN_DISTINCTNESS, 1.0)


def _pick_keywords(
    corpus: _Corpus, terms: np.ndarray, support: np.ndarray, scores: np.ndarray, n_keywords: int
) -> tuple[list[int], int]:
    """Best terms of one theme, skipping terms that share a stem with a better one, and how
    many of them make the label (two, or three where the third is nearly as strong).

    ``terms``, ``support`` (stories in the theme using the term) and ``scores`` are aligned.
    """
    if len(terms) == 0:
        return [], 0
    # among equal scores (common in small themes) a phrase whose words mostly occur together
    # ("Fall Guys") goes before one that merely happens ("spelade Fall")
    cohesion = np.ones(len(terms))
    phrase = terms >= corpus.n_stems
    if phrase.any():
        words = corpus.pair_stems[terms[phrase] - corpus.n_stems]
        cohesion[phrase] = corpus.df[terms[phrase]] / corpus.df[words].max(axis=1)
    order = np.lexsort((terms, -cohesion, -scores))[: 8 * n_keywords + 20]
    # a term that one story used is noise next to terms that several used: it only fills up
    order = np.r_[order[support[order] >= 2], order[support[order] < 2]]
    top = terms[order].tolist()
    used = dict(zip(top, support[order].tolist(), strict=True))
    score = dict(zip(top, scores[order].tolist(), strict=True))
    phrases_with: dict[int, list[int]] = {}  # stem -> phrases that contain it, best first
    for phrase in (t for t in top if t >= corpus.n_stems):
        for stem in corpus.term_stems(phrase):
            phrases_with.setdefault(stem, []).append(phrase)
    picked: list[int] = []
    taken: list[str] = []
    for term in top:
        if len(picked) == n_keywords:
            break
        # a word nearly always used in one phrase is shown as that phrase, if the phrase adds
        # nothing that is already listed
        share = max(2.0, _PHRASE_SHARE * used[term])
        options = [p for p in phrases_with.get(term, ()) if used[p] >= share]
        options.sort(key=used.__getitem__, reverse=True)  # stable: best score among equals
        for option in [*options[:1], term] if term < corpus.n_stems else [term]:
            stems = [corpus.stems[s] for s in corpus.term_stems(option)]
            if option not in picked and not any(_overlap(s, t) for s in stems for t in taken):
                picked.append(option)
                taken += stems
                break
    third = picked[2:3]
    strong = third and used[third[0]] >= 2 and score[third[0]] >= _THIRD * score[picked[1]]
    return picked, 3 if strong else 2


def _overlap(a: str, b: str) -> bool:
    """Whether two stems name the same thing: equal, or one long stem inside the other."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= _MIN_STEM_OVERLAP and short.lower() in long_.lower()


def _make_label(keywords: tuple[str, ...], theme: int) -> str:
    """The given (two or three best) keywords in at most four words, first letter capitalised."""
    if not keywords:
        return f"#{theme}"
    chosen = [keywords[0]]
    words = len(keywords[0].split())
    for keyword in keywords[1:3]:
        more = len(keyword.split())
        if words + more > _MAX_LABEL_WORDS and len(chosen) >= 2:
            break
        chosen.append(keyword)
        words += more
    label = " · ".join(chosen)
    return label[:1].upper() + label[1:]


def _pick_representatives(
    corpus: _Corpus,
    docs: np.ndarray,
    keywords: tuple[np.ndarray, np.ndarray],
    unit: np.ndarray | None,
    k: int,
    rng: np.random.Generator,
) -> tuple[int, ...]:
    """Central stories (cosine to the theme's centre), made diverse with MMR."""
    if len(docs) <= 1:
        return tuple(int(d) for d in docs)
    if unit is not None:
        vectors = unit[docs]
        centre = vectors.mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        relevance = vectors @ centre
    else:  # a story's terms (unit vector) against the theme's c-TF-IDF vector
        theme = np.zeros(corpus.docs.shape[1])
        theme[keywords[0]] = keywords[1]
        theme /= max(float(np.linalg.norm(theme)), 1e-12)
        relevance = np.asarray(_unit_rows(corpus.docs[docs]) @ theme).ravel()
    relevance = relevance * _length_factor(corpus.n_words[docs])
    tie = rng.permutation(len(docs))
    pool = np.lexsort((tie, -relevance))[: max(10 * k, 50)]
    if unit is not None:
        similar = unit[docs[pool]] @ unit[docs[pool]].T
    else:
        vectors = _unit_rows(corpus.docs[docs[pool]])
        similar = (vectors @ vectors.T).toarray()
    chosen = [0]
    best_sim = similar[0].copy()
    while len(chosen) < min(k, len(pool)):
        mmr = _MMR_LAMBDA * relevance[pool] - (1 - _MMR_LAMBDA) * best_sim
        mmr[chosen] = -np.inf
        if (mmr[best_sim < _NEAR_DUPLICATE] > -np.inf).any():  # MMR alone lets twins through
            mmr[best_sim >= _NEAR_DUPLICATE] = -np.inf
        nxt = int(np.argmax(mmr))
        chosen.append(nxt)
        best_sim = np.maximum(best_sim, similar[nxt])
    return tuple(int(d) for d in docs[pool[chosen]])


def _length_factor(n_words: np.ndarray) -> np.ndarray:
    """Down-weight very short stories (and, mildly, very long ones) against the theme's median."""
    median = float(np.median(n_words)) if len(n_words) else 0.0
    short = min(12.0, max(4.0, 0.6 * median))
    factor = np.sqrt(np.minimum(1.0, n_words / short))
    long_ = max(3.0 * median, 40.0)
    return factor * np.sqrt(np.minimum(1.0, long_ / np.maximum(n_words, 1)))


def _unit_rows(matrix: np.ndarray | sp.spmatrix) -> np.ndarray | sp.csr_matrix:
    """Rows scaled to unit length (zero rows stay zero)."""
    if sp.issparse(matrix):
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        return (sp.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix).tocsr()
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    return matrix / np.maximum(norms, 1e-12)
