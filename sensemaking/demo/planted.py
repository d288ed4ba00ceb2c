"""Invented Swedish stories with planted personal identifiers and decoys, to measure redaction.

:func:`planted_stories` writes short first-person stories by children and young people (school,
youth centres, sport, family, the future) from many sentence templates, in four voices: neat;
casual, with full stops left out; all in lower case, names too in half of those stories; and
excited. About two stories in three carry one to three identifiers, each recorded with its
kind and exact text:
personnummer and samordningsnummer (correct check digits, 10 or 12 digits, with a dash, plus,
space or nothing; a few written with a dash and a wrong last digit, as a mistyped number),
phone numbers in the common Swedish and international forms, e-mail addresses, street
addresses and postcodes, first names from the shipped list (alone, with a surname, in the
genitive; about 1 in 12 is one of the names that are also words), ``-sson`` surnames and the
names in :data:`PROJECT_NAMES` in any case. Decoys are recorded too: what must not be redacted
(dates, times and time ranges, scores, years and seasons, prices, bus lines, rooms, percents,
order and receipt numbers, amounts, postcode-like numbers, words that are names at the start
of a sentence, streets of speech such as "motorvägen 40 minuter", a title in title case).

Every story, name and number is invented; an identifier only has the shape of a real one.

Example:
    >>> stories = planted_stories(50, seed=1)
    >>> kind, text = stories[0].planted[0]
    >>> stories[0].text[stories[0].planted_at[0]:].startswith(text)
    True
"""

from __future__ import annotations

import datetime
import functools
import random
import re
from dataclasses import dataclass, field

from stdnum import luhn

from sensemaking.privacy.redact import AMBIGUOUS_NAMES, first_names

__all__ = ["PROJECT_NAMES", "PlantedStory", "planted_stories"]

#: The project's own names used in the stories (give them to the Redactor as ``names``).
PROJECT_NAMES: tuple[str, ...] = (
    "Kopparbergs skola", "Fritidsgården Kopparberg", "Lisa Berg", "Träffpunkt Bruket",
    "Ljusnarsbergs kulturskola", "Hammarskolan", "Ungdomens hus", "Kopparbergs IF",
    "Stefan Lindgren", "Malin Ek",
)  # fmt: skip


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class PlantedStory:
    """One invented story and what is in it.

    Attributes:
        text: the story.
        planted: ``(kind, text)`` of every planted identifier, in the order they occur
            (kinds as in :data:`sensemaking.privacy.redact.KINDS`).
        planted_at: where each planted identifier starts in ``text``.
        decoys: ``(kind, text)`` of what must be left alone (dates, scores, words, ...).
        decoys_at: where each decoy starts in ``text``.
    """

    text: str
    planted: list[tuple[str, str]]
    planted_at: list[int] = field(default_factory=list)
    decoys: list[tuple[str, str]] = field(default_factory=list)
    decoys_at: list[int] = field(default_factory=list)


_SURNAMES = _split(
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Lindberg Lindström Lindqvist Berg Lund Holm "
    "Sjöberg Åberg Öberg Ström Björk Wikström Nyström Hedlund Sandberg Ali Mohammed Ahmed Hassan "
    "Hussein Abdi Omar Yusuf Yilmaz Kaya Demir Hodžić Hadžić Begić Korhonen Virtanen Nieminen "
    "Mäkinen Nguyen Kowalski Nowak Haile Tesfay Rahimi Karimi Mahmoud Ibrahim Jovanović"
)
_SSON = [s for s in _SURNAMES if s.endswith("sson")]
_STREET_STEMS = _split(
    "Stor Kyrko Skol Kvarn Bergs Björk Ek Lind Sjö Strand Ring Park Tall Gran Hag Äng Bäck Åker "
    "Mejeri Järnvägs Kungs Drottning Fabriks Smedje Post Stations Malm Koppar Gruv Hytt Skogs Ny "
    "Väster Öster Sol Kastanj Lönn Rönn Hassel Asp Fors Bruks Hamn Tegel Linné Skytte Mo Ljusnars"
)
_STREET_SUFFIXES = _split(
    "gatan gatan vägen vägen gränd stigen backen torget allén leden gata väg platsen stråket "
    "slingan gränden"
)
_TWO_WORD_STREETS = ("Karl Johans väg", "Drottning Kristinas väg", "Gustav Adolfs torg")
_TOWNS = (
    ("714 31", "Kopparberg"), ("714 32", "Kopparberg"), ("712 30", "Hällefors"),
    ("711 30", "Lindesberg"), ("702 10", "Örebro"), ("682 30", "Filipstad"), ("661 30", "Säffle"),
    ("841 31", "Ånge"), ("151 32", "Södertälje"), ("688 30", "Storfors"), ("772 30", "Grängesberg"),
    ("194 30", "Upplands Väsby"),
)  # fmt: skip
_DOMAINS = _split(
    "gmail.com hotmail.com outlook.com live.se icloud.com yahoo.se telia.com "
    "elev.kopparberg.se skola.ljusnarsberg.se student.oru.se kopparbergsif.se"
)
_AREA_CODES = (("8", (6, 7, 8)), ("31", (6, 7)), ("40", (6,)), ("18", (6,)), ("19", (6,)),
               ("54", (6,)), ("580", (5, 6)), ("533", (5, 6)), ("690", (5, 6)))  # fmt: skip

# Identifier sentences: {slots} are planted (name, name2, name3, fullname, fullgen, gen, sson,
# project, pnr, phone, email, address, postort, postcode); the rest are decoys (see _DECOYS).
# <<text>> is a literal decoy.
_IDENTIFIER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "personnummer": (
        "Mitt personnummer är {pnr} om ni behöver det.",
        "Fröken skrev upp mitt personnummer {pnr} på en lapp.",
        "När jag sökte till {project} fick jag skriva mitt personnummer, {pnr}, på blanketten.",
        "{pnr} är mitt personnummer, jag kan det utantill.",
        "På vårdcentralen frågade de efter personnumret och mamma sa {pnr}.",
        "Min lillebror har personnummer {pnr} och han fyller år den {date}.",
        "Jag glömde lösenordet så jag fick uppge {pnr} till skolans it-support.",
        "mitt pnr {pnr} står på kortet",
        "Samordningsnumret jag fick när vi kom hit är {pnr}.",
    ),
    "phone": (
        "Ring mig på {phone} om ni vill prata mer.",
        "Mitt nummer är {phone}, sms:a gärna.",
        "Mamma sa att jag skulle ge fritidsledarna hennes nummer {phone}.",
        "Om något händer ska vi ringa {phone} sa tränaren.",
        "Jag har sparat {gen} nummer, {phone}, i telefonen.",
        "Kontakta mig på {phone} eller {email}.",
        "Hemtelefonen är {phone} men ingen svarar nästan.",
        "Skriv på snap eller ring {phone} efter {time}.",
        "Pappas jobbnummer är {phone} och han jobbar natt ibland.",
        "Ni får gärna ringa mig, {phone}, jag svarar {timerange}.",
    ),
    "email": (
        "Min mejl är {email} om ni vill skicka något.",
        "Skicka bilderna till {email} så delar jag dem med klassen.",
        "Läraren har mejlen {email} men hon svarar aldrig.",
        "Jag skapade ett nytt konto med {email} igår.",
        "Ni kan nå mig på {email}.",
        "{gen} mejl är {email} tror jag.",
    ),
    "address": (
        "Jag bor på {address} med mamma och mina två syskon.",
        "Vi flyttade till {address} förra sommaren och jag saknar mina gamla grannar.",
        "Min mormor bor på {address} och där är vi varje helg.",
        "Festen är hemma hos mig på {address}, alla är välkomna!",
        "Skicka paketet till {address} så hämtar jag det.",
        "Min gamla adress var {address} men nu bor vi hos pappa.",
        "Postadressen är {postort}.",
        "Mitt postnummer är {postcode} om det behövs.",
        "Jag heter {fullname}, bor på {address} och mitt nummer är {phone}.",
    ),
    "name": (
        "Min bästa kompis heter {name} och vi hänger nästan varje dag.",
        "{name} och jag brukar spela fotboll efter skolan.",
        "Igår ringde {fullname} och frågade om jag ville följa med till stan.",
        "Jag var hemma hos {gen} mormor hela helgen.",
        "{gen} pappa körde oss till träningen.",
        "Fröken {name} är den enda som lyssnar på riktigt.",
        "Tränaren {fullname} sa att jag har blivit mycket bättre.",
        "Jag och {name} skrattade så mycket att vi fick gå ut.",
        "På {project} finns en ledare som heter {name} som alltid har tid.",
        "Vi var fem stycken: jag, {name}, {name2}, {name3} och min kusin.",
        "{name} sa att jag inte fick vara med, det gjorde ont.",
        "Min lillasyster {name} började förskolan i höstas.",
        "Jag saknar {name} som flyttade till Göteborg.",
        "{fullname} i min klass blir alltid retad och ingen gör något.",
        "Mentorn {name} ringde hem till mamma.",
        "Det bästa med {project} är att man får vara sig själv.",
        "Jag går i sjuan på {project} och det är helt okej.",
        "Efter skolan går jag till {project} nästan varje dag.",
        "Vi hade disco på {project} i fredags och {name} var dj.",
        "Jag tycker att {project} borde ha öppet längre på helgerna.",
        "Förra året bytte jag till {project} och fick nya kompisar.",
        "{gen} storebror lärde mig åka skateboard.",
        "Det var {name} som hittade min mobil och lämnade tillbaka den.",
        "Jag heter {name} och är {age} år.",
        "Hej! Jag heter {fullname}.",
        "Min bror {name} spelar i samma lag som jag.",
        "{name}, {name2} och jag startade ett band.",
        "Jag fick en kram av {name} när jag var ledsen.",
        "{fullgen} mamma jobbar på fritids.",
        "Läraren {sson} sa att vi var duktiga idag.",
        "{name} är snäll mot alla.",
        "Jag brukar prata med {sson} på fritids när något är jobbigt.",
        "Hemma hos {name} får man spela hur länge som helst.",
    ),
}
_KIND_WEIGHTS = {"name": 0.36, "phone": 0.18, "personnummer": 0.17, "email": 0.14, "address": 0.15}

# Sentences without identifiers, most with decoys.
_FRAME_TEMPLATES: tuple[str, ...] = (
    "Idag hade vi idrott och vi vann med {score}.",
    "Matchen slutade {score} men vi spelade bra ändå.",
    "Vi ska ha prov den {date} och jag är jättenervös.",
    "Fritids har öppet {timerange} på fredagar, det är för kort.",
    "Jag tar {bus} till skolan varje morgon och den är alltid sen.",
    "Biljetten kostade {price} och det hade jag inte råd med.",
    "Lektionen i {room} var tråkig som vanligt.",
    "Jag fick {percent} rätt på matteprovet!",
    "Min beställning har ordernummer {order} men den har inte kommit än.",
    "Kvittonumret var {receipt} så vi kunde lämna tillbaka skorna.",
    "Vi samlade in {amount} kronor till Musikhjälpen.",
    "<<Dag>> för dag blir det lite bättre i skolan.",
    "<<Liv>> och rörelse var det på fritids hela kvällen.",
    "<<Max>> två timmar skärmtid får jag på vardagar.",
    "<<Per>> vecka tränar vi fyra gånger, det är mycket.",
    "<<Saga>> eller verklighet, man vet aldrig med honom.",
    "<<Mina>> kompisar är det viktigaste jag har.",
    "<<Dina>> drömmar är viktiga, sa rektorn på avslutningen.",
    "<<Hans>> mamma körde hem oss efter matchen.",
    "<<Inga>> vuxna lyssnade när vi sa att det var otryggt.",
    "<<Klara>>, färdiga, gå! ropade tränaren och vi sprang.",
    "<<Lova>> att du inte berättar för någon.",
    "<<Ville>> inte gå till skolan idag, jag hade ont i magen.",
    "<<Björn>> och varg finns i skogarna här, det är lite läskigt.",
    "<<Sten>>, sax, påse fick avgöra vem som började.",
    "<<Tom>> och tråkig var hela sommarlovet.",
    "<<Juni>> är den bästa månaden för då börjar lovet.",
    "<<Rosa>> är min favoritfärg men mitt rum är blått.",
    "<<Bo>> i en stor stad vill jag göra när jag blir vuxen.",
    "Min Bästa <<Dag>>\n",
    "Vi åkte på <<motorvägen 40>> minuter innan vi var framme.",
    "Vi åkte <<pulkabacken 5>> gånger innan det blev mörkt.",
    "Det var {year} som jag började spela fotboll.",
    "Säsongen {season} var den bästa för laget.",
    "Jag har {amount} följare nu, typ.",
    "Jag har samlat <<12500 Robux>> på ett år.",
    "Koden till skåpet är {code} men säg inget.",
    "Vi spelade Minecraft till {time} i natt.",
    "I helgen var vi i Stockholm och såg Hammarby vinna med {score}.",
    "Jag vill bli veterinär när jag blir stor, eller kanske polis.",
    "Skolan känns tryggare nu när det finns vuxna ute på rasterna.",
    "Ibland känner jag mig ensam på rasterna, men det blir bättre.",
    "Jag gillar att rita och lyssna på musik när jag är ledsen.",
    "<<Mina>> föräldrar bråkar mycket och då går jag ut med hunden.",
    "Framtiden känns lite läskig men jag tror att det ordnar sig.",
    "Träningen börjar {time} och vi kör {minutes} minuter.",
    "Det är {count} dagar kvar till sommarlovet!",
    "Vi var {count} personer på discot och det var trångt.",
    "Jag läste en <<saga>> för min lillasyster och hon somnade.",
    "Klassen åkte till Gröna Lund den {date} och det var magiskt.",
    "Mobilen kostade {price} så jag har sparat länge.",
    "Vår lärare sa att vi ska läsa 30 sidor till den {date}.",
    "Det är kul på fritids, vi spelar pingis och bakar ibland.",
    "Jag åkte {bus} hem själv för första gången.",
    "På rasten spelar vi fotboll, {score} blev det idag.",
    "Livet är ganska bra just nu, tycker jag.",
    "Dagen efter var jag trött och ville bara sova.",
    "Jag vill ha ett bra <<liv>> när jag blir stor, med jobb och familj.",
    "Varje <<dag>> efter skolan går jag ut med hunden.",
    "Vi har matte i {room} och engelska i {room2}.",
    "Mitt lag har vunnit {count} matcher i rad!",
    "Jag sover bara {count} timmar när jag spelar på nätterna.",
    "Senast {time} måste jag vara hemma, annars blir mamma arg.",
)
_DECOYS = {
    "date": ("2024-05-12", "12/5", "12 maj", "3 juni", "12.05.2024", "5/11", "2025-03-10"),
    "time": ("kl 18.30", "kl. 08.15", "18:30", "21.00", "kl 19", "halv åtta"),
    "timerange": ("08.15-09.45", "kl 0830-1600", "16-18", "18.00–20.00", "mellan 9 och 11"),
    "score": ("3-2", "10–4", "2 - 1", "1-1", "4-0", "21-19"),
    "year": ("2019", "2010", "år 2022", "2008"),
    "season": ("2023-2024", "2010/2011", "23/24"),
    "price": ("150 kr", "1 500 kronor", "25:-", "99,50 kr", "4 999 kr", "300 spänn"),
    "bus": ("buss 44", "linje 512", "buss 3", "tåg 8712", "buss 150"),
    "room": ("sal 204", "rum B12", "sal 3012", "hus C", "klassrum 114"),
    "percent": ("45 %", "80%", "12,5 %", "100 %"),
    "code": ("4821", "0000", "1234", "7391"),
    "count": ("3", "14", "27", "120", "8"),
    "minutes": ("45", "90", "120"),
}


def _digits(rng: random.Random, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _personnummer(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.75:
        born = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(7300))
    elif roll < 0.96:
        born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(11000))
    else:
        born = datetime.date(1915, 1, 1) + datetime.timedelta(days=rng.randrange(3600))
    day = born.day + (60 if rng.random() < 0.15 else 0)  # samordningsnummer
    date = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    serial = _digits(rng, 3)
    check = luhn.calc_check_digit(date + serial)
    mistyped = rng.random() < 0.08
    if mistyped:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    sep = "+" if born.year < 1925 else "-"
    century = str(born.year // 100)
    forms = [
        f"{date}{sep}{serial}{check}",
        f"{century}{date}{sep}{serial}{check}",
        f"{date}{serial}{check}",
        f"{century}{date}{serial}{check}",
        f"{date} {serial}{check}",
        f"{century}{date} {serial}{check}",
        f"{date} - {serial}{check}",
    ]
    if mistyped or sep == "+":
        return rng.choice(forms[:2])  # only a dash or plus makes a wrong check digit count
    return rng.choices(forms, weights=(33, 25, 15, 10, 8, 6, 3))[0]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.65:
        area, sub = "7" + rng.choice("02369"), _digits(rng, 7, "123456789")
        grouped = rng.choice((f"{sub[:3]} {sub[3:5]} {sub[5:]}", f"{sub[:2]} {sub[2:4]} {sub[4:]}"))
        forms = [
            f"0{area}-{sub[:3]} {sub[3:5]} {sub[5:]}", f"0{area}{sub}", f"0{area} {grouped}",
            f"0{area}-{sub}", f"+46 {area} {grouped}", f"+46{area}{sub}", f"0046 {area} {grouped}",
            f"(0{area}) {grouped}", f"0{area}-{sub[:2]} {sub[2:4]} {sub[4:]}",
            f"+46 (0){area} {grouped}",
        ]  # fmt: skip
        return rng.choice(forms)
    area, lengths = rng.choice(_AREA_CODES)
    sub = _digits(rng, rng.choice(lengths), "23456789")
    groups = {5: (3, 2), 6: (2, 2, 2), 7: (3, 2, 2), 8: (3, 3, 2)}[len(sub)]
    parts, pos = [], 0
    for size in groups:
        parts.append(sub[pos : pos + size])
        pos += size
    grouped = " ".join(parts)
    return rng.choice((f"0{area}-{grouped}", f"0{area}-{grouped}", f"+46 {area} {grouped}"))


def _email(rng: random.Random, first: str, last: str) -> str:
    first, last = first.lower(), last.lower()
    local = rng.choice(
        (f"{first}.{last}", f"{first}{rng.randint(1, 99)}", f"{first}_{last[:3]}",
         f"{first[0]}{last}", f"{first}.{last}{rng.randint(2005, 2015)}", f"{first}")
    )  # fmt: skip
    at = "(at)" if rng.random() < 0.05 else "@"
    email = f"{local}{at}{rng.choice(_DOMAINS)}"
    roll = rng.random()
    return email.upper() if roll < 0.05 else email[0].upper() + email[1:] if roll < 0.15 else email


def _street(rng: random.Random) -> str:
    if rng.random() < 0.06:
        street = rng.choice(_TWO_WORD_STREETS)
    else:
        street = rng.choice(_STREET_STEMS) + rng.choice(_STREET_SUFFIXES)
        if rng.random() < 0.12:
            street = rng.choice(("Lilla", "Stora", "Norra", "Södra", "Gamla")) + " " + street
    number = str(rng.randint(1, 120))
    roll = rng.random()
    if roll < 0.1:
        number += rng.choice("ABCD")
    elif roll < 0.15:
        number += " " + rng.choice("AB")
    address = f"{street} {number}"
    if rng.random() < 0.15:
        address += rng.choice((" lgh ", ", lgh ", " lgh. ")) + str(rng.choice((1001, 1101, 1203)))
    if rng.random() < 0.2:
        address += ", " + _postort(rng)
    return address.lower() if rng.random() < 0.15 else address


def _postort(rng: random.Random) -> str:
    code, town = rng.choice(_TOWNS)
    return rng.choice((f"{code} {town}", f"{code.replace(' ', '')} {town}", f"SE-{code} {town}"))


def _order_number(rng: random.Random, length: int) -> str:
    """An order or receipt number: no leading 0 (phone-like), check digit wrong, some dated."""
    while True:
        if length == 10 and rng.random() < 0.35:  # shaped like a date, years 10–99
            day = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(32000))
            number = f"{day:%y%m%d}" + _digits(rng, 4)
        elif length == 12:
            number = f"20{rng.randint(20, 25)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            number += _digits(rng, 4)
        else:
            number = _digits(rng, length, "123456789")
        if number[0] != "0" and not luhn.is_valid(number[-10:]):
            return number


_SLOT = re.compile(r"\{(\w+)\}|<<(.+?)>>")
_VOICES = ("neat", "casual", "lower", "excited")


@functools.cache
def _name_pools() -> tuple[list[str], list[str]]:
    """The shipped first names: those that are not words, and those that are."""
    return sorted(first_names() - AMBIGUOUS_NAMES), sorted(AMBIGUOUS_NAMES & first_names())


class _Writer:
    """Fills templates for one story, keeping what was planted and where."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names, self.ambiguous = _name_pools()
        self.voice = rng.choices(_VOICES, weights=(0.5, 0.3, 0.12, 0.08))[0]
        self.used: set[str] = set()

    def first_name(self, genitive: bool = False) -> str:
        while True:
            pool = self.ambiguous if self.rng.random() < 0.08 else self.names
            name = self.rng.choice(pool)
            if name not in self.used and not (genitive and name[-1] in "sxz"):
                self.used.add(name)
                return name

    def fill(self, slot: str) -> tuple[str, str | None, str | None]:
        """``(text, planted kind or None, decoy kind or None)`` for one slot."""
        rng = self.rng
        if slot in ("name", "name2", "name3"):
            return self.first_name(), "name", None
        if slot == "gen":
            return self.first_name(genitive=True) + "s", "name", None
        if slot in ("fullname", "fullgen"):
            full = f"{self.first_name()} {rng.choice(_SURNAMES)}"
            return (
                (full + "s" if slot == "fullgen" and full[-1] not in "sxz" else full),
                "name",
                None,
            )
        if slot == "sson":
            return rng.choice(_SSON), "name", None
        if slot == "project":
            name = rng.choice(PROJECT_NAMES)
            roll = rng.random()
            return (
                (name.lower() if roll < 0.3 else name.upper() if roll < 0.4 else name),
                "name",
                None,
            )
        if slot == "pnr":
            return _personnummer(rng), "personnummer", None
        if slot == "phone":
            return _phone(rng), "phone", None
        if slot == "email":
            return _email(rng, self.first_name(), rng.choice(_SURNAMES)), "email", None
        if slot == "address":
            return _street(rng), "address", None
        if slot == "postort":
            return _postort(rng), "address", None
        if slot == "postcode":
            return rng.choice(_TOWNS)[0], "address", None
        if slot == "age":
            return str(rng.randint(9, 19)), None, "number"
        if slot == "order":
            return _order_number(rng, 10), None, "order"
        if slot == "receipt":
            return _order_number(rng, 12), None, "order"
        if slot == "amount":
            return rng.choice(("12500", "10234", "24000", "31750", "1 250")), None, "amount"
        base = slot.rstrip("0123456789")
        return rng.choice(_DECOYS[base]), None, base

    def sentence(self, template: str) -> list[tuple[str, str | None, str | None]]:
        """The template as pieces ``(text, planted kind, decoy kind)``, voice applied."""
        pieces: list[tuple[str, str | None, str | None]] = []
        pos = 0
        for match in _SLOT.finditer(template):
            pieces.append((template[pos : match.start()], None, None))
            if match[1]:
                pieces.append(self.fill(match[1]))
            else:
                pieces.append((match[2], None, "word"))
            pos = match.end()
        pieces.append((template[pos:], None, None))
        if self.voice == "lower":  # names too, half the time (the redactor misses those)
            lower_names = self.rng.random() < 0.5
            pieces = [
                (t.lower() if p is None or (p == "name" and lower_names) else t, p, d)
                for t, p, d in pieces
            ]
        if self.voice == "excited" and pieces[-1][0].endswith("."):
            ending = self.rng.choice(("!!", "!!!", "! 😂", "!! 😍", "! 🙂"))
            pieces[-1] = (pieces[-1][0][:-1] + ending, None, None)
        return [piece for piece in pieces if piece[0]]


_Piece = tuple[str, str | None, str | None]  # text, planted kind, decoy kind


def _story(sentences: list[list[_Piece]], voice: str, rng: random.Random) -> PlantedStory:
    pieces: list[_Piece] = []
    for sentence in sentences:
        if pieces and not pieces[-1][0].endswith("\n"):
            text, planted, decoy = pieces[-1]
            sloppy = voice in ("casual", "lower") and planted is None and text.endswith(".")
            if sloppy and rng.random() < 0.6:  # no full stop, the next sentence mostly in
                pieces[-1] = (text[:-1], None, decoy)  # lower case
                text, planted, decoy = sentence[0]
                if planted is None and rng.random() < 0.75:
                    sentence = [(text[:1].lower() + text[1:], None, decoy), *sentence[1:]]
            pieces.append((rng.choice((" ", " ", " ", "  ", "\n")), None, None))
        pieces += sentence
    story = PlantedStory(text="".join(text for text, _, _ in pieces), planted=[])
    pos = 0
    for text, planted, decoy in pieces:
        if planted:
            story.planted.append((planted, text))
            story.planted_at.append(pos)
        elif decoy:
            story.decoys.append((decoy, text))
            story.decoys_at.append(pos)
        pos += len(text)
    return story


def planted_stories(n: int = 400, seed: int = 0) -> list[PlantedStory]:
    """``n`` invented stories with planted identifiers and decoys, the same for the same seed.

    Args:
        n: how many stories.
        seed: the random seed.

    Raises:
        ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    rng = random.Random(seed)
    kinds, weights = zip(*_KIND_WEIGHTS.items(), strict=True)
    stories = []
    for _ in range(n):
        writer = _Writer(rng)
        templates: list[str] = []
        if rng.random() >= 1 / 3:
            how_many = rng.choices((1, 2, 3), weights=(0.55, 0.32, 0.13))[0]
            for kind in rng.choices(kinds, weights=weights, k=how_many):
                templates.append(rng.choice(_IDENTIFIER_TEMPLATES[kind]))
            templates += rng.sample(_FRAME_TEMPLATES, rng.randint(1, 3))
            rng.shuffle(templates)
        else:
            templates = rng.sample(_FRAME_TEMPLATES, rng.randint(2, 4))
        titles = [t for t in templates if t.endswith("\n")]
        templates = titles + [t for t in templates if not t.endswith("\n")]
        sentences = [writer.sentence(t) for t in templates]
        stories.append(_story(sentences, writer.voice, rng))
    return stories
