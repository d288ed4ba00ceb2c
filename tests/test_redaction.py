"""Redaction of personal identifiers in story texts (sensemaking.privacy.redact) and the planted
test set it is measured on (sensemaking.demo.planted)."""

from __future__ import annotations

import datetime
import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from sensemaking.demo.planted import PROJECT_NAMES, planted_stories
from sensemaking.privacy import redact as redact_module
from sensemaking.privacy.redact import (
    AMBIGUOUS_NAMES,
    KINDS,
    PLACEHOLDERS,
    Redacted,
    Redactor,
    first_names,
)

PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(PROJECT_NAMES)


def personnummer(yymmdd: str, serial: str = "123", century: str = "", sep: str = "-") -> str:
    """A personnummer with a correct check digit, in the form asked for."""
    return f"{century}{yymmdd}{sep}{serial}{luhn.calc_check_digit(yymmdd + serial)}"


# --- personnummer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        personnummer("070212"),  # YYMMDD-XXXX
        personnummer("070212", sep=""),  # YYMMDDXXXX
        personnummer("070212", century="20"),  # YYYYMMDD-XXXX
        personnummer("070212", century="20", sep=""),  # YYYYMMDDXXXX
        personnummer("191228", sep="+"),  # 100 years or older
        personnummer("070212", sep=" "),  # a space for the dash
        personnummer("070212", century="20", sep=" "),
        personnummer("070212", sep=" - "),
        personnummer("070212", sep="–"),  # an en dash
        personnummer("070272"),  # samordningsnummer: day + 60
        personnummer("070272", century="20", sep=""),
        personnummer("000229"),  # a leap day
        personnummer("851130", serial="987"),
    ],
)
def test_personnummer_forms(redactor: Redactor, number: str) -> None:
    redacted = redactor.redact(f"Mitt personnummer är {number}, kom ihåg det.")
    assert redacted.text == "Mitt personnummer är [PERSONNUMMER], kom ihåg det."
    assert redacted.counts == {"personnummer": 1}


def test_mistyped_personnummer_counts_when_written_as_one(redactor: Redactor) -> None:
    good = personnummer("120512")
    wrong = good[:-1] + str((int(good[-1]) + 3) % 10)
    assert redactor.redact(f"pnr {wrong}").text == "pnr [PERSONNUMMER]"
    assert redactor.redact(f"pnr 20{wrong}").text == "pnr [PERSONNUMMER]"
    bare = wrong.replace("-", "")  # a bare number must pass the check: an order number
    assert redactor.redact(f"ordernummer {bare}").text == f"ordernummer {bare}"


@pytest.mark.parametrize(
    "text",
    [
        "ordernummer 4839201746",
        "ordernummer 1205121845",  # a date's shape, the check digit wrong
        "kvitto 202405121841",
        "personnumret 120532-1234",  # no 32nd of May
        "klockan 1230-1400",
        "telefonen kostade 12 345 kr",
    ],
)
def test_numbers_that_are_not_personnummer(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


# --- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "070-1234567",
        "+46 70 123 45 67",
        "+46701234567",
        "0046 70 123 45 67",
        "08-123 456 78",
        "031-12 34 56",
        "(070) 123 45 67",
        "070-12 34 567",
        "+46 (0)70 123 45 67",
        "0580-123 45",
        "+46 8 123 456 78",
        "070 - 123 45 67",
        "+358 40 1234567",  # a Finnish mobile
    ],
)
def test_phone_forms(redactor: Redactor, number: str) -> None:
    redacted = redactor.redact(f"Ring mig på {number} efter skolan.")
    assert redacted.text == "Ring mig på [TELEFON] efter skolan."
    assert redacted.counts == {"phone": 1}


def test_phone_glued_to_a_word_and_in_brackets(redactor: Redactor) -> None:
    assert redactor.redact("mobil0701234567 typ").text == "mobil[TELEFON] typ"
    assert redactor.redact("nummer (0701234567) ok").text == "nummer [TELEFON] ok"
    two = redactor.redact("070-123 45 67 eller 08-765 43 21")
    assert two.text == "[TELEFON] eller [TELEFON]" and two.counts == {"phone": 2}


# --- e-mail ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "lisa@gmail.com",
        "lisa.berg@elev.kopparberg.se",
        "åsa.öberg@hotmail.com",
        "LISA.BERG@GMAIL.COM",
        "Kalle_99+snap@live.se",
        "ahmed-ali2010@skola.ljusnarsberg.se",
        "kalle(at)gmail.com",
    ],
)
def test_email_forms(redactor: Redactor, email: str) -> None:
    redacted = redactor.redact(f"Mejla mig på {email}.")
    assert redacted.text == "Mejla mig på [E-POST]."
    assert redacted.counts == {"email": 1}


# --- addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "Storgatan 12",
        "Bergsvägen 3B",
        "Bergsvägen 3 B",
        "Lilla Nygatan 5 lgh 1101",
        "Kyrkogränd 7",
        "Björkstigen 14",
        "Kvarnbacken 2",
        "Stortorget 1",
        "Lindallén 9",
        "Kungsleden 8",
        "Östra Storgata 4",
        "Skolväg 22",
        "Gruvplatsen 3",
        "Åstråket 11",
        "Karl Johans väg 14",
        "storgatan 12",
        "Storgatan 12, 714 31 Kopparberg",
        "Storgatan 12, lgh 1203, SE-714 31 Kopparberg",
        "rönnstigen 32, 71431 kopparberg",
    ],
)
def test_address_forms(redactor: Redactor, address: str) -> None:
    redacted = redactor.redact(f"Jag bor på {address} med mamma.")
    assert redacted.text == "Jag bor på [ADRESS] med mamma."
    assert redacted.counts == {"address": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Postadress: 714 31 Kopparberg.", "Postadress: [ADRESS]."),
        ("Skicka till SE-714 31 nu", "Skicka till [ADRESS] nu"),
        ("Mitt postnummer är 71431.", "Mitt postnummer är [ADRESS]."),
        ("Vi flyttade till 194 30 Upplands Väsby i maj.", "Vi flyttade till [ADRESS] i maj."),
    ],
)
def test_postcodes(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Vi åkte på motorvägen 40 minuter.",
        "Vi åkte pulkabacken 5 gånger.",
        "Jag har samlat 12500 Robux.",
        "Vi samlade in 12345 kronor.",
        "på vägen hem 3 gånger",
        "Vi var 123 45-åringar",
    ],
)
def test_not_addresses(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


# --- decoys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decoy",
    [
        "2024-05-12",
        "12/5",
        "12.05.2024",
        "kl 18.30",
        "08.15-09.45",
        "kl 0830-1600",
        "3-2",
        "10–4",
        "år 2019",
        "2023-2024",
        "2010/2011",
        "150 kr",
        "1 500 kronor",
        "25:-",
        "buss 44",
        "linje 512",
        "sal 204",
        "rum B12",
        "klass 7B",
        "45 %",
        "80%",
        "112",
        "1177",
    ],
)
def test_decoys_left_alone(redactor: Redactor, decoy: str) -> None:
    text = f"Det var {decoy} sa hon."
    assert redactor.redact(text) == Redacted(text, {})


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dag för dag blir det bättre.",
        "Max två timmar skärmtid får jag.",
        "Mina kompisar är bäst.",
        "Hans mamma körde oss.",
        "Per vecka tränar vi tre gånger.",
        "Liv och rörelse var det.",
        "Saga eller verklighet, vem vet.",
        "Inga vuxna lyssnade.",
        "Klara, färdiga, gå!",
        "Dags att gå hem.",
        "Minnas du när vi badade?",
        "Vilda djur finns i skogen.",
        "Visar sig att det var kul.",
        "Min Bästa Dag Någonsin\nIdag var kul.",
        "Vi gick ut med hunden Per vecka tränar vi.",  # a full stop missing
        "ett bra liv, en dag, per person, max fart, som en saga",
    ],
)
def test_names_that_are_words_stay_words(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Min kompis heter Liv.", "Min kompis heter [NAMN]."),
        ("Saga och jag spelar fotboll.", "[NAMN] och jag spelar fotboll."),
        ("Idag kom Max hem till mig.", "Idag kom [NAMN] hem till mig."),
        ("Dag sa att vi skulle gå.", "[NAMN] sa att vi skulle gå."),
        ("Saga Lind kom också.", "[NAMN] kom också."),
        ("Jag gillar Max.", "Jag gillar [NAMN]."),
        ("Liv, min kompis, var där.", "[NAMN], min kompis, var där."),
        ("Jag var hos Mina igår.", "Jag var hos [NAMN] igår."),
        ("Fröken Klara är snäll.", "Fröken [NAMN] är snäll."),
        ("Lisa, Saga och jag.", "[NAMN], [NAMN] och jag."),
        ("Bos pappa körde.", "[NAMN] pappa körde."),
    ],
)
def test_names_that_are_words_in_a_name_context(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("Lisas mamma kom.", "[NAMN] mamma kom.", 1),
        ("Igår ringde Ahmed Hassan.", "Igår ringde [NAMN].", 1),
        ("Ahmed Hassans mamma kom.", "[NAMN] mamma kom.", 1),
        ("Jag och Fatima al-Hassan.", "Jag och [NAMN].", 1),
        ("Anna-Karins hund skäller.", "[NAMN] hund skäller.", 1),
        ("Jag pratade med Emma B. idag.", "Jag pratade med [NAMN] idag.", 1),
        ("Läraren Andersson sa hej.", "Läraren [NAMN] sa hej.", 1),
        ("Emma och Omar kom.", "[NAMN] och [NAMN] kom.", 2),
        ("jag och Emma Sen gick vi hem", "jag och [NAMN] Sen gick vi hem", 1),
        ("Lisa's telefon", "[NAMN] telefon", 1),
        ("Emma's and Jonas:s", "[NAMN] and [NAMN]", 2),
        ("Micke och Robban är ledare.", "[NAMN] och [NAMN] är ledare.", 2),
    ],
)
def test_first_names_genitives_and_full_names(
    redactor: Redactor, text: str, expected: str, count: int
) -> None:
    redacted = redactor.redact(text)
    assert redacted.text == expected
    assert redacted.counts == {"name": count}


def test_first_names_only_capitalised(redactor: Redactor) -> None:
    assert redactor.redact("jag och emma gick hem").text == "jag och emma gick hem"
    assert redactor.redact("Max-appen är bra").text == "Max-appen är bra"


def test_project_names_case_insensitive_multi_word_longest_first() -> None:
    redactor = Redactor(["Kopparberg", "Fritidsgården Kopparberg", "Kopparbergs skola"])
    for text in (
        "Fritidsgården Kopparberg",
        "fritidsgården  kopparberg",
        "FRITIDSGÅRDEN KOPPARBERG",
    ):
        redacted = redactor.redact(f"Jag går till {text} ibland.")
        assert redacted.text == "Jag går till [NAMN] ibland."
        assert redacted.counts == {"name": 1}
    assert redactor.redact("kopparbergs skolas elever").text == "[NAMN] elever"
    assert redactor.redact("i Kopparberg.").text == "i [NAMN]."
    assert redactor.redact("Kopparbergsvägen").text == "Kopparbergsvägen"  # a word boundary


def test_project_names_without_first_names() -> None:
    redactor = Redactor(["Lisa Berg", "Saga"], first_names=False)
    assert redactor.redact("Emma och lisa berg").text == "Emma och [NAMN]"
    # A project name that is a word keeps the rule for such names.
    assert redactor.redact("Saga eller verklighet. Jag och Saga.").text == (
        "Saga eller verklighet. Jag och [NAMN]."
    )


@pytest.mark.parametrize("bad", ["", " ", "A", "12", 7, None])
def test_bad_project_names(bad: object) -> None:
    with pytest.raises(ValueError, match="names"):
        Redactor([bad])  # type: ignore[list-item]


# --- what comes back -------------------------------------------------------------------


def test_counts_never_hold_values(redactor: Redactor) -> None:
    text = (
        f"Jag heter Lisa Berg, {personnummer('070212')}, bor på Storgatan 12, "
        "ring 070-123 45 67 eller mejla lisa@gmail.com. Emma kommer också."
    )
    redacted = redactor.redact(text)
    assert redacted.counts == {"email": 1, "personnummer": 1, "phone": 1, "address": 1, "name": 2}
    assert list(redacted.counts) == [k for k in KINDS if k in redacted.counts]
    assert all(isinstance(n, int) for n in redacted.counts.values())
    for value in ("Lisa", "Berg", "070212", "Storgatan", "070-123", "gmail", "Emma"):
        assert value not in redacted.text and value not in repr(redacted.counts)


def test_spans_are_what_redact_replaces(redactor: Redactor) -> None:
    text = "Ring Lisa på 0701234567."
    spans = redactor.spans(text)
    assert [(kind, text[s:e]) for kind, s, e in spans] == [
        ("name", "Lisa"),
        ("phone", "0701234567"),
    ]


def test_nothing_found_gives_the_text_back(redactor: Redactor) -> None:
    text = "Idag var det kul på fritids, vi spelade pingis."
    assert redactor.redact(text) == Redacted(text, {})
    assert redactor.redact("") == Redacted("", {})


def test_placeholders_whole_and_idempotent(redactor: Redactor) -> None:
    for story in planted_stories(200, seed=3):
        once = redactor.redact(story.text)
        twice = redactor.redact(once.text)
        assert twice == Redacted(once.text, {})
        leftover = PLACEHOLDER.sub("", once.text)
        assert "[" not in leftover and "]" not in leftover, once.text
        assert "][" not in once.text


def test_shipped_first_names() -> None:
    names = first_names()
    assert 800 <= len(names) <= 1500
    assert first_names() is names  # read once
    assert not any(name.startswith("#") or name != name.strip() for name in names)
    assert {"Emma", "Lisa", "Mohammed", "Fatima", "Aino", "Lejla", "Hodan"} <= names
    assert {"Ida", "Mats", "Alva", "Vera", "Hugo"} <= names - AMBIGUOUS_NAMES
    assert names >= AMBIGUOUS_NAMES
    assert not {"Alla", "Lucia", "Jesus", "Vara"} & names


def test_public_names() -> None:
    for name in redact_module.__all__:
        assert hasattr(redact_module, name)
    assert set(PLACEHOLDERS) == set(KINDS)


# --- the planted test set and the targets ---------------------------------------------


def _recall_and_false(redactor: Redactor, stories) -> tuple[dict[str, float], float]:
    found: dict[str, list[bool]] = {}
    false_stories = 0
    for story in stories:
        spans = redactor.spans(story.text)
        covered = set()
        for _, s, e in spans:
            covered.update(range(s, e))
        planted = set()
        for (kind, text), at in zip(story.planted, story.planted_at, strict=True):
            chars = set(range(at, at + len(text)))
            found.setdefault(kind, []).append(chars <= covered)
            planted |= chars
        damaged = any(
            covered & set(range(at, at + len(text)))
            for (_, text), at in zip(story.decoys, story.decoys_at, strict=True)
        )
        outside = any(i not in planted and not story.text[i].isspace() for i in covered)
        false_stories += damaged or outside
    recall = {kind: sum(hits) / len(hits) for kind, hits in found.items()}
    return recall, false_stories / len(stories)


def test_targets_on_the_planted_set(redactor: Redactor) -> None:
    recall, false_share = _recall_and_false(redactor, planted_stories(n=300, seed=11))
    assert recall["personnummer"] >= 0.99
    assert recall["phone"] >= 0.99
    assert recall["email"] >= 0.99
    assert recall["name"] >= 0.90
    assert recall["address"] >= 0.90
    assert false_share <= 0.01


def test_planted_stories_are_deterministic_and_honest() -> None:
    stories = planted_stories(n=300, seed=5)
    assert stories == planted_stories(n=300, seed=5)
    assert stories != planted_stories(n=300, seed=6)
    bare = sum(not story.planted for story in stories)
    assert 0.25 <= bare / len(stories) <= 0.42
    kinds = {kind for story in stories for kind, _ in story.planted}
    assert kinds == set(KINDS)
    for story in stories:
        marks = zip(story.planted + story.decoys, story.planted_at + story.decoys_at, strict=True)
        for (_, text), at in marks:
            assert story.text[at : at + len(text)] == text
        for kind, text in story.planted:
            if kind == "phone":
                number = phonenumbers.parse(text.replace("(0)", ""), "SE")
                assert phonenumbers.is_valid_number(number), text
            if kind == "personnummer":
                digits = re.sub(r"\D", "", text)[-10:]
                assert luhn.is_valid(digits) or re.search(r"\d[-+]\d", text), text
    assert not planted_stories(0)
    with pytest.raises(ValueError, match="n must"):
        planted_stories(-1)


def test_planted_templates_are_many() -> None:
    from sensemaking.demo import planted

    identifier_templates = sum(len(t) for t in planted._IDENTIFIER_TEMPLATES.values())
    assert identifier_templates >= 40
    assert len(planted._FRAME_TEMPLATES) >= 40


# --- properties ------------------------------------------------------------------------

WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö", min_size=1, max_size=10), max_size=6
).map(" ".join)


@st.composite
def valid_personnummer(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2024, 12, 31)))
    coordination = draw(st.booleans())
    dd = day.day + (60 if coordination else 0)
    yymmdd = f"{day.year % 100:02d}{day.month:02d}{dd:02d}"
    serial = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    century = draw(st.sampled_from(["", str(day.year // 100)]))
    sep = draw(st.sampled_from(["-", "", " "]))
    return personnummer(yymmdd, serial, century, sep)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(before=WORDS, number=valid_personnummer(), after=WORDS)
def test_property_valid_personnummer_always_removed(before: str, number: str, after: str) -> None:
    redacted = _plain_redactor.redact(f"{before} {number} {after}")
    assert number not in redacted.text
    assert not re.search(r"\d", redacted.text)
    assert sum(redacted.counts.values()) == 1


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöé ,.!?-:;'\"\n", max_size=200))
def test_property_plain_lower_case_text_unchanged(text: str) -> None:
    assert _plain_redactor.redact(text) == Redacted(text, {})


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(
            ["och", "jag", "skolan", "idag", "Skolan", "Fotboll", "Minecraft", "Stockholm"]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_property_capitalised_words_not_on_lists_unchanged(text: str) -> None:
    assert _plain_redactor.redact(text).text == text


_plain_redactor = Redactor()
