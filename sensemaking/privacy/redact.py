"""Personal identifiers in Swedish story texts, found and replaced by placeholders.

A :class:`Redactor` is built once (patterns compiled, name lists loaded) and then called for
every story of an import. It finds, in this order (:data:`KINDS`), each on what the earlier
kinds left:

- **e-mail** addresses, also with å/ä/ö, subdomains, capitals and ``(at)`` for ``@``.
- **personnummer** and samordningsnummer: 10 or 12 digits, ``YYMMDD-XXXX``, ``YYMMDDXXXX``,
  ``YYYYMMDD-XXXX``, ``YYMMDD+XXXX`` (100 years or older), a space for the dash. A number is
  taken when its date exists (the day less 60 for a samordningsnummer) and its check digit
  is right (:mod:`stdnum.se.personnummer`, :mod:`stdnum.luhn` for samordningsnummer). **A
  wrong check digit** is still taken when the number is written as a personnummer, with a
  dash or plus between the date and the last four digits: a mistyped personnummer still
  identifies a child. Bare digit runs must pass the check, so order and customer numbers
  stay: about 7 in 100 random 10-digit numbers have a date's shape, 1 in 10 of those passes
  the check (``benchmarks/redaction.py`` measures both).
- **phone** numbers, Swedish and international, found by :class:`phonenumbers.PhoneNumberMatcher`
  with region SE and leniency ``VALID`` (``POSSIBLE`` also takes dates, order numbers and
  personnummer; ``STRICT_GROUPING`` misses forms such as ``070-12 34 567``). Two additions:
  time ranges it takes for Stockholm numbers (``08.15-09.45``) are left, and a Swedish mobile
  glued to a word (``mobil0701234567``), which it skips, is taken. A bare 10-digit number
  that is a valid mobile number (``0702121234``) is a phone number, whatever else it is.
- **addresses**: a street (a word ending in a Swedish street suffix such as -gatan, -vägen,
  -gränd, -stigen, -backen, -torget, -allén, -leden, -platsen, -stråket, or ``Karl Johans
  väg``) with a house number, optionally a letter, ``lgh 1101`` and a postcode and town; a
  postcode alone after ``SE-`` or ``postnummer``, or before a capitalised town when written
  ``123 45`` (``12345`` only at a line start or after a comma: "12500 Robux" is an amount).
  A number followed by a unit (``motorvägen 40 minuter``) is not a house number.
- **names**: the project's own names (``names``: schools, youth centres, people), matched
  case-insensitively on word boundaries, the longest first, a genitive ``s`` included; and
  the shipped first names (:func:`first_names`), matched only when capitalised, with a
  genitive (``Lisas``) and with up to two capitalised surnames or an initial that follow
  (``Lisa Berg``, ``Ahmed al-Hassan``, ``Lisa B.``) as one name. A capitalised word ending
  in ``-sson`` (``Andersson``) is a surname on its own.

Names that are also ordinary words (:data:`AMBIGUOUS_NAMES`: Liv, Saga, Dag, Max, Per, Mina,
Hans, ...) need a sign that they are names: another name or an identifier just before; a cue
word before ("heter", "med", "och", "hos", "av", "kompis", "bror", "fröken", ...) or a
person's verb ("Idag kom Max"); after them ``och jag``, ``min kompis``, another listed name
("Saga, Ali och jag"), a person's verb ("Saga sa", "Dag brukar"; not for the determiners
Mina, Dina, Sina, Hans, Inga) or a surname (not in a title: "Min Bästa Dag Någonsin");
inside a sentence (after a word in lower case) also ``är``, ``var``, ``som``, ... or a comma
or full stop ("jag gillar Max."). Otherwise they stay words: "Dag för dag", "Max två
timmar", "Mina kompisar", also where a full stop is missing ("... med hunden Per vecka
tränar vi"). Their genitives are names (Bos, Sagas); genitives that are words ("Dags att
gå", "Minnas du?") follow the same rule. Names in lower case are not looked for: too many
names are words in lower case.

:class:`Redacted` carries the redacted text and how many of each kind were replaced, never
the values found.

Example:
    >>> redactor = Redactor(["Kopparbergs skola"])
    >>> redactor.redact("Jag heter Lisa Berg och går på kopparbergs skola.").text
    'Jag heter [NAMN] och går på [NAMN].'
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

import phonenumbers
from stdnum import luhn
from stdnum.se import personnummer as stdnum_personnummer

__all__ = ["AMBIGUOUS_NAMES", "KINDS", "PLACEHOLDERS", "Redacted", "Redactor", "first_names"]

#: The kinds of identifier, in the order they are looked for.
KINDS: tuple[str, ...] = ("email", "personnummer", "phone", "address", "name")

#: What replaces an identifier of each kind (stored in the text, so the same in every language).
PLACEHOLDERS: dict[str, str] = {
    "email": "[E-POST]",
    "personnummer": "[PERSONNUMMER]",
    "phone": "[TELEFON]",
    "address": "[ADRESS]",
    "name": "[NAMN]",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: First names that are also Swedish words (or start sentences as words): names only in a
#: name-like context (see the module docs).
AMBIGUOUS_NAMES: frozenset[str] = _words(
    "Ask Axel Björn Bo Bror Dag Dina Ena Frans Hala Hans Inga Iris Juni Klara Knut Lavin "
    "Lina Liv Lo Love Lova Max Meja Mina My Nova Per Rosa Saga Sina Siv Sten Stig Tala Tindra "
    "Tom Tor Vide Vilda Vilde Vilja Ville Viola Visar"
)

# Genitives that are words too ("Dags att gå", "Minnas du?"): the rule for ambiguous names
# applies to them; other genitives (Bos, Sagas, Villes) are names wherever they stand.
_WORD_GENITIVES = _words("Dags Livs Minnas Mys Pärs")

# Determiners among the ambiguous names: "Mina kompisar kom" has a verb right after too.
_DETERMINERS = frozenset({"Dina", "Hans", "Inga", "Mina", "Sina"})

_UPPER = "A-ZÅÄÖÆØÉÈÊËÜÚÁÀÂÍÎÏÓÔÇÑŠŽĆČĐŁŚŻ"
_LETTER = r"[^\W\d_]"
_CAP_WORD = rf"[{_UPPER}]{_LETTER}+(?:-[{_UPPER}]{_LETTER}+)*"
_GENITIVE = r"(?:[:'’]s)?"
_MASK = "\0"  # stands in for found text, so that later kinds neither see nor split it


@dataclass(frozen=True)
class Redacted:
    """A redacted text.

    Attributes:
        text: the text with every identifier found replaced by its placeholder.
        counts: kind -> how many were replaced, only kinds with at least one; never values.
    """

    text: str
    counts: dict[str, int]


@functools.cache
def first_names() -> frozenset[str]:
    """The shipped list of common first names (``data/fornamn.txt``), read once.

    Example:
        >>> "Lisa" in first_names()
        True
    """
    text = (resources.files("sensemaking.privacy") / "data" / "fornamn.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


# The parameter of the same name hides the function inside Redactor.__init__.
_shipped_first_names = first_names


# --- personnummer -----------------------------------------------------------------------

_PERSONNUMMER = re.compile(
    r"(?<!\d)(?P<century>1[89]|20)?(?P<date>\d{6})(?P<sep>[ \t]?[-–+][ \t]?|[ \t])?"
    r"(?P<tail>\d{4})(?!\d|[.,]\d)"
)


def _date_exists(century: str | None, yymmdd: str) -> bool:
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    for year in [int(century) * 100 + yy] if century else [1900 + yy, 2000 + yy]:
        try:
            datetime.date(year, month, day)
        except ValueError:
            continue
        return True
    return False


def _is_personnummer(match: re.Match[str]) -> bool:
    century, date, tail = match["century"], match["date"], match["tail"]
    sep = (match["sep"] or "").strip()
    day = int(date[4:6])
    coordination = day > 60
    if not _date_exists(century, f"{date[:4]}{day - 60:02d}" if coordination else date):
        return False
    if coordination:  # stdnum's personnummer rejects samordningsnummer (day + 60)
        checked = luhn.is_valid(date + tail)
    else:
        plus = "+" if sep == "+" else "-"
        checked = stdnum_personnummer.is_valid(f"{century or ''}{date}{plus}{tail}")
    return checked or sep in ("-", "–", "+")  # written as a personnummer: mistyped, still one


def _find_personnummer(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PERSONNUMMER.finditer(text) if _is_personnummer(m)]


# --- phone numbers ----------------------------------------------------------------------

# The matcher is slow (about 50 µs a call), so it only reads runs of digits and separators
# with 8 digits or more (08-12 34 56 is the shortest number with its area code), from the
# first group that starts as a number is dialled: +, 00 or the trunk 0 (it finds no Swedish
# number without one). Dates, years, scores and order numbers never reach it.
_PHONE_RUN = re.compile(r"[+(]?\d[\d \t()\-–./]*\d\)?")
_DIALLED = re.compile(r"(?:^|(?<=[ \t(]))[+(0]")
_TIME_RANGE = re.compile(
    r"\(?(?:[01]?\d|2[0-4])[.:]?[0-5]\d\s*[-–]\s*(?:[01]?\d|2[0-4])[.:]?[0-5]\d\)?"
)
# phonenumbers leaves a number glued to a word ("mobil0701234567"); Swedish mobiles only.
_GLUED_MOBILE = re.compile(r"(?<=[^\W\d_])(?:\+46|0046|0)7[02369](?:[ -]?\d){7}(?!\d)")


def _find_phones(text: str) -> list[tuple[int, int]]:
    found = []
    for run in _PHONE_RUN.finditer(text):
        chunk = run.group()
        if sum(c.isdigit() for c in chunk) < 8 or not (dialled := _DIALLED.search(chunk)):
            continue
        offset = run.start() + dialled.start()
        chunk = chunk[dialled.start() :]
        for match in phonenumbers.PhoneNumberMatcher(chunk, "SE", phonenumbers.Leniency.VALID):
            raw = match.raw_string
            if _TIME_RANGE.fullmatch(raw):
                continue
            end = match.end
            if raw.startswith("(") and ")" not in raw and chunk[end : end + 1] == ")":
                end += 1  # "(0701234567)": the matcher keeps the opening bracket only
            found.append((offset + match.start, offset + end))
    found.extend(m.span() for m in _GLUED_MOBILE.finditer(text))
    return found


# --- e-mail and addresses ---------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])\w[\w.+'’-]*(?:@|[ \t]?[(\[][ \t]?(?i:at|snabel-?a)[ \t]?[)\]][ \t]?)"
    r"(?:[\w-]+\.)+[A-Za-z]{2,}(?![\w-])"
)
_EMAIL_HINTS = ("@", "(at)", "[at]", "(AT)", "[AT]", "snabel")
_EMAIL_HINT = re.compile("|".join(re.escape(hint) for hint in _EMAIL_HINTS))

_STREET_SUFFIXES = _words(
    "gatan gata vägen väg gränden gränd stigen backen backe torget torg allén allé leden "
    "platsen stråket slingan kajen esplanaden promenaden"
)
_STREET_END = "|".join(f"(?<={_LETTER}{suffix})" for suffix in sorted(_STREET_SUFFIXES))
_UNITS = (
    "min|minuter|minuters|km|kilometer|mil|meter|m|kr|kronor|år|st|stycken|gånger|ggr|timmar|"
    "timme|tim|h|sek|sekunder|dagar|veckor|procent|personer|pers|barn|elever|varv|poäng|mål|"
    "grader|kg|steg"
)
_POSTCODE = r"(?:(?i:se)-?[ \t]?)?[1-9]\d{2}[ \t]?\d{2}(?![\w]|[.,]\d)"
_ADDRESS = re.compile(
    rf"""(?<![\w-])
    (?:(?i:lilla|stora|norra|södra|östra|västra|gamla|nya|övre|nedre|sankt|s:t)[ \t]+)?
    (?: (?:{_LETTER}+[ \t])?{_LETTER}+s[ \t](?:väg|gata|gränd|torg|plats|allé|backe|stig|park)
      | {_LETTER}(?:{_LETTER}|-)*+(?=[ \t]*\d)(?:{_STREET_END})
    )
    [ \t]*\d{{1,4}}(?:[ \t]?[A-Ha-h])?(?!\w)
    (?![ \t]*(?:%|(?:{_UNITS})\b))
    (?:[ \t]*,?[ \t]*(?i:lgh|lägenhet|lägh)\.?[ \t]*(?:nr\.?[ \t]*)?\d{{1,4}}(?!\w))?
    (?P<code>[ \t]*,?[ \t]*{_POSTCODE})?
    """,
    re.VERBOSE,
)
_LONE_POSTCODE = re.compile(
    r"(?<![\w-])(?P<cue>(?i:postnummer|postnumret|postnr|postadress|postadressen|postort)"
    rf"\.?:?[ \t]*(?:är[ \t]+)?)?(?P<code>{_POSTCODE})"
)
_TOWN_WORD = re.compile(rf"[ \t]+(?P<word>{_LETTER}+)(?!\w)")
# Lower-case words that follow a postcode without being a town ("714 31 och ...").
_NOT_TOWNS = _words(
    "och men med i på där som så för till hos eller om nu sen vi jag är var typ idag igår kl "
    "klockan den det de dom asså alltså hela varje kr kronor st"
)


_TOWN_FIRST_WORDS = _words(
    "upplands lilla stora norra södra östra västra övre nedre sankt gamla nya"
)


def _town_end(text: str, pos: int, *, lower_case: bool) -> int:
    """Where a town name after a postcode ends (``pos`` when none follows)."""
    first = ""
    for _ in range(2):
        match = _TOWN_WORD.match(text, pos)
        if not match or (first and first.casefold() not in _TOWN_FIRST_WORDS):
            break  # a second word only in "Upplands Väsby", "Lilla Edet", ...
        word = match["word"]
        if word in _NOT_SURNAMES or word in _NOT_TOWNS or not (lower_case or word[0].isupper()):
            break
        first, pos = first or word, match.end()
    return pos


#: Kinds whose patterns all need a digit: a text without one is not searched for them.
_NEED_DIGITS = frozenset({"personnummer", "phone", "address"})
_DIGIT = re.compile(r"\d")


def _find_addresses(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _ADDRESS.finditer(text):
        end = _town_end(text, match.end(), lower_case=True) if match["code"] else match.end()
        found.append((match.start(), end))
    for match in _LONE_POSTCODE.finditer(text):
        code = match["code"]
        if match["cue"] or code[:2].casefold() == "se":
            found.append((match.start("code"), _town_end(text, match.end(), lower_case=True)))
            continue
        before = text[: match.start()].rstrip(" \t")
        if not (" " in code or "\t" in code or not before or before[-1] in ",\n"):
            continue  # a bare 12345 inside a sentence is an amount, not a postcode
        end = _town_end(text, match.end(), lower_case=False)
        if end > match.end():
            found.append((match.start("code"), end))
    return found


# --- names ------------------------------------------------------------------------------

# Capitalised words that follow a name in sloppy text without being a surname.
_NOT_SURNAMES = _words(
    "Jag Vi Du Ni Han Hon Hen Den Det De Dom Dem Men Och Eller Sen Sedan Så Då Nu Idag Igår "
    "Imorgon I På Till Med Om Efter Innan När Var Vad Vem Hur Varför Alla Ingen Inga Hej Ja "
    "Nej Tack Mamma Pappa Mormor Morfar Farmor Farfar Min Mitt Mina Vår Våra Också Fast Typ "
    "Kanske Bara Allt Något Några Ibland Alltid Aldrig Hemma Här Där Mycket Lite Okej"
)
_PRECEDING_CUES = _words(
    "heter hette kallas med och till hos åt av för från om mot bredvid utan mellan kompis "
    "kompisen kompisar bror brorsan brodern syster systern syrran lillebror lillasyster "
    "storebror storasyster kusin kusinen fröken läraren lärare lärarinnan mentor mentorn "
    "tränaren tränare ledaren ledare bästis vän vännen granne grannen flickvän pojkvän "
    "tjejen killen namn"
)
_RELATIONS = (
    r"kompis|kompisen|bästis|vän|bror|syster|lillebror|lillasyster|storebror|storasyster|"
    r"kusin|granne|tjej|kille|flickvän|pojkvän|lärare|tränare|mentor|fröken|klasskompis"
)
_PERSON_VERBS = _words(
    "sa sade säger frågade frågar svarade svarar berättade berättar tyckte tycker tänkte "
    "ville kom gick brukar heter hette skrev skriver ringde ringer hjälpte hjälper spelade "
    "spelar gillar gillade älskar älskade bor bodde fyller fyllde skrattade skrattar grät "
    "log visade lärde tränar tränade sprang åkte vann flyttade slutade började skickade "
    "messade snapade satte satt stod tog gav låg lekte pratade smsade hämtade väntade skrek "
    "kramade bjöd lånade vinkade lyssnade stannade följde retade slog knuffade"
)
# A word that is a name on its own ("Ville inte gå" after a name) does not extend a name.
_NOT_SURNAME_WORDS = _NOT_SURNAMES | AMBIGUOUS_NAMES
_NAME_CUE_AFTER = re.compile(
    rf"[ \t]*,?[ \t]*(?:och[ \t]+(?:jag|mig|hon|han|hen|vi)\b"
    rf"|(?:(?:är|var)[ \t]+)?(?:min|mitt|vår)[ \t]+(?:{_LETTER}+[ \t]+)?(?:{_RELATIONS})\b)",
    re.IGNORECASE,
)
_NAME_LIST_AFTER = re.compile(rf"[ \t]*(?:,|och|eller)[ \t]*({_CAP_WORD})")
_NEXT_WORD = re.compile(rf"[ \t]*,?[ \t]*({_LETTER}+)")
# Verbs that follow a name inside a sentence (not at its start: "Liv är viktigt").
_MID_VERBS = _words("som är var har hade kan kunde ska skulle vill fick får blev blir kommer")
_CLAUSE_END = re.compile(r"[ \t]*(?:[,.!?:;)\n]|$)")
_SURNAME = re.compile(
    rf"[ \t]+(?:(?:al|el|von|van|af|bin|ibn|abu)[ -])?"
    rf"(?P<word>{_CAP_WORD}|[{_UPPER}]\.){_GENITIVE}(?!\w|-{_LETTER})"
)
_SENTENCE_END = frozenset(".!?…\n\r")
_SKIPPED_BEFORE = frozenset(" \t\"'«»“”‘’(–—-*•,;:")


def _trie_pattern(names: Iterable[str]) -> str:
    """One regular expression for many names, sharing prefixes (fast with hundreds)."""
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return build(trie)


class Redactor:
    """Replaces personal identifiers in story texts by placeholders.

    Args:
        names: the project's own names (schools, youth centres, people; multi-word names
            such as "Kopparbergs skola" allowed), matched case-insensitively on word
            boundaries, longer names first. A one-word name in :data:`AMBIGUOUS_NAMES` is
            treated like a shipped first name instead (capitalised, in a name-like context).
        first_names: also find the shipped common first names (:func:`first_names`).

    Raises:
        ValueError: a name in ``names`` is not a string or has fewer than two letters.

    Example:
        >>> Redactor().redact("Ring mig på 070-123 45 67!").text
        'Ring mig på [TELEFON]!'
    """

    def __init__(self, names: Iterable[str] = (), *, first_names: bool = True) -> None:
        self.names = tuple(names)
        self.first_names = first_names
        project: set[str] = set()
        single: set[str] = set()
        ambiguous_folded = {name.casefold(): name for name in AMBIGUOUS_NAMES}
        for name in self.names:
            if not isinstance(name, str) or sum(c.isalpha() for c in name) < 2:
                raise ValueError(f"names: {name!r} is not a name of two letters or more")
            folded = " ".join(name.split()).casefold()
            if folded in ambiguous_folded:
                single.add(ambiguous_folded[folded])
            else:
                project.add(folded)
        self._first = (_shipped_first_names() if first_names else frozenset()) | single
        self._ambiguous = AMBIGUOUS_NAMES & self._first
        placeholders = "|".join(re.escape(p) for p in PLACEHOLDERS.values())
        alternatives = [f"(?P<keep>{placeholders})"]
        self._has_project = bool(project)
        if project:
            alternatives.append(
                rf"(?<!\w)(?P<project>(?i:{_trie_pattern(project)}))(?:s|[:'’]s)?(?!\w)"
            )
        alternatives.append(rf"(?<!\w)(?P<word>{_CAP_WORD}){_GENITIVE}(?!\w|-{_LETTER})")
        self._names_re = re.compile("|".join(alternatives))
        self._finders: tuple[tuple[str, Callable[[str], list[tuple[int, int]]]], ...] = (
            ("email", self._find_emails),
            ("personnummer", _find_personnummer),
            ("phone", _find_phones),
            ("address", _find_addresses),
            ("name", self._find_names),
        )
        # Most stories hold no digit at all, and these kinds cannot be found without one.
        self._finders_without_digits = tuple(
            (kind, finder) for kind, finder in self._finders if kind not in _NEED_DIGITS
        )

    def redact(self, text: str) -> Redacted:
        """Replace every identifier found in ``text`` by its placeholder.

        Example:
            >>> redacted = Redactor().redact("Ring 070-123 45 67 eller mejla lisa@skolan.se")
            >>> redacted.text, redacted.counts
            ('Ring [TELEFON] eller mejla [E-POST]', {'email': 1, 'phone': 1})
        """
        found = self.spans(text)
        if not found:
            return Redacted(text, {})
        parts: list[str] = []
        counts: dict[str, int] = {}
        pos = 0
        for kind, start, end in found:
            parts += (text[pos:start], PLACEHOLDERS[kind])
            counts[kind] = counts.get(kind, 0) + 1
            pos = end
        parts.append(text[pos:])
        return Redacted("".join(parts), {kind: counts[kind] for kind in KINDS if kind in counts})

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """Where the identifiers in ``text`` are: ``(kind, start, end)``, sorted, disjoint.

        What :meth:`redact` replaces; for evaluations and for highlighting in a review.
        """
        found: list[tuple[int, int, str]] = []
        work = text
        finders = self._finders if _DIGIT.search(text) else self._finders_without_digits
        for kind, finder in finders:
            new = [(s, e) for s, e in finder(work) if e > s and _MASK not in work[s:e]]
            if not new:
                continue
            new.sort()
            kept = []
            for start, end in new:
                if not kept or start >= kept[-1][1]:
                    kept.append((start, end))
            found += [(start, end, kind) for start, end in kept]
            chars = list(work)
            for start, end in kept:
                chars[start:end] = _MASK * (end - start)
            work = "".join(chars)
        found.sort()
        return [(kind, start, end) for start, end, kind in found]

    @staticmethod
    def _find_emails(text: str) -> list[tuple[int, int]]:
        if not _EMAIL_HINT.search(text):
            return []
        return [m.span() for m in _EMAIL.finditer(text)]

    def _first_name(self, word: str) -> str | None:
        """The listed first name that ``word`` is, or is the genitive of, or has as a part."""
        for candidate in (word, word[:-1] if word.endswith("s") else ""):
            if candidate in self._first:
                return candidate
            if "-" in candidate:
                for part in candidate.split("-"):
                    if part in self._first and part not in self._ambiguous:
                        return part
        return None

    def _find_names(self, text: str) -> list[tuple[int, int]]:
        found = []
        pos = 0
        while match := self._names_re.search(text, pos):
            pos = match.end()
            if match["keep"]:
                continue
            if self._has_project and match.start("project") >= 0:
                found.append(match.span())
                continue
            word = match["word"]
            name = self._first_name(word)
            if name is None:
                if word.endswith(("sson", "ssons")):  # Andersson, Johansson: surnames
                    found.append(match.span())
                continue
            end = surname_end = match.end()
            for _ in range(2):
                surname = _SURNAME.match(text, surname_end)
                if not surname or surname["word"] in _NOT_SURNAME_WORDS:
                    break
                surname_end = surname.end()
            ambiguous = (name in self._ambiguous and name == word) or word in _WORD_GENITIVES
            if ambiguous and not self._names_here(
                text, match.start(), end, name, surname_end > end
            ):
                continue
            found.append((match.start(), surname_end))
            pos = surname_end
        return found

    def _names_here(self, text: str, start: int, end: int, name: str, surname: bool) -> bool:
        """Whether an ambiguous first name at ``start:end`` is a name here (module docs)."""
        previous = self._previous_word(text, start)
        if previous == "]":
            return True  # after another name or an identifier: "Lisa, Saga och jag"
        folded = previous.casefold()
        if folded in _PRECEDING_CUES or folded in _PERSON_VERBS:
            return True  # "heter Saga", "med Liv", "Idag kom Max"
        inside = bool(previous) and not previous[0].isupper()  # not at a start, not in a title
        if surname and (inside or not previous):
            return True  # "Saga Lind"
        if _NAME_CUE_AFTER.match(text, end):
            return True  # "Saga och jag", "Liv, min kompis"
        listed = _NAME_LIST_AFTER.match(text, end)
        if listed and self._first_name(listed[1]):
            return True  # "Saga, Ali och jag", "Liv och Max"
        following = _NEXT_WORD.match(text, end)
        word = following[1].casefold() if following else ""
        if name not in _DETERMINERS and (word in _PERSON_VERBS or (inside and word in _MID_VERBS)):
            return True  # "Saga sa", "... och Max var dj"
        return inside and _CLAUSE_END.match(text, end) is not None  # "jag gillar Max."

    def _previous_word(self, text: str, start: int) -> str:
        """The word before ``start`` in the same sentence: '' at a sentence start, "]" for a
        placeholder, an identifier found or a listed name ("Lisa, Saga och jag")."""
        i = start - 1
        while i >= 0 and text[i] in _SKIPPED_BEFORE:
            i -= 1
        if i < 0 or text[i] in _SENTENCE_END:
            return ""
        if text[i] in (_MASK, "]"):
            return "]"
        if not text[i].isalnum():
            return ""  # an emoji or a symbol ends a sentence as well as a full stop does
        end = i + 1
        while i >= 0 and (text[i].isalnum() or text[i] == "-"):
            i -= 1
        word = text[i + 1 : end]
        return "]" if word[0].isupper() and self._first_name(word) is not None else word
