"""Stop words for theme labels: Swedish (with young people's informal writing) and English.

The lists are written for labelling themes, not for search: besides function words they hold
the everyday verbs, adverbs, time words and fillers that appear in stories about any topic
("fick", "gick", "typ", "asså", "igår", "grej") and so never name a theme. Topic-bearing verbs
("spela", "lyssnade", "pluggade", "tränade") are deliberately absent. Entries are lower-case;
the labeller compares lower-cased tokens.
"""

from __future__ import annotations

__all__ = ["ENGLISH", "STOP_WORDS", "SWEDISH", "stop_words"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SWEDISH: frozenset[str] = _words(
    # pronouns, articles, determiners
    """
    jag mig mej min mitt mina du dig dej din ditt dina han honom hans hon henne hennes hen hens
    den det de dem dom dess deras sig sej sin sitt sina vi oss vår vårt våra ni er ert era eran
    man en ett denna detta dessa denne samma själv själva självt varandra varann
    någon något några nån nåt nåra nånting någonting nånstans någonstans nåon ngn ngt
    ingen inget inga ingenting ingenstans alla allt all allting alltihop båda bägge
    annan annat andra andras vilken vilket vilka vilkas vem vems vad va vart varför hur när
    var varje varenda sådan sådant sådana sån sånt såna sånna dylik
    """
    # conjunctions, subjunctions, particles
    """
    och o å samt eller elr lr men utan fast fastän för att som än om ifall då när medan
    eftersom därför innan tills förrän både varken antingen så sen sedan pga iom
    inte ej icke inge ju nog väl dock ändå ens även också oxå bara ba bah endast enbart
    kanske kanhända liksom typ asså alltså ass aa ah eh öh hm hmm mm mhm oj åh wow jaa jaha
    ja jo nej nä näe nää ok okej okey okay oki
    """
    # prepositions and adverbs of place and direction
    """
    i på till från med av åt vid mot under över genom efter före bakom framför bredvid hos
    inför kring runt mellan inom utom ovanför nedanför längs trots per via enligt angående
    ut in upp ner ned fram bort iväg tillbaka hit dit här där därifrån härifrån dära inne
    uppe nere borta hemifrån överallt någonstans
    """
    # adverbs of time, degree and manner
    """
    nu då sen sedan snart senare först sist förut innan nyss redan fortfarande alltid aldrig
    ibland ofta sällan igen ännu än länge jämt idag igår imorgon imorse ikväll inatt
    dag dagen dagar dags gång gången gånger vecka veckan veckor förra nästa sista första
    stund stunden stycken styck tag tid tiden år året åren helgen helgerna
    våras somras höstas vintras förrförra häromdagen
    mycket mkt mer mera mest lite lite mindre minst många flera fler flesta få färre väldigt
    jätte jättemycket jättebra jättekul jätteroligt jättesnäll jättegod jättefin jättejobbigt
    så sååå rätt ganska helt hela heltid precis exakt faktiskt verkligen riktigt egentligen
    nästan knappt bara typ liksom direkt plötsligt äntligen kanske säkert säkerligen troligen
    iaf iallafall ialla iofs isf tex bla osv dvs mfl etc ung ca
    sjukt grymt asså as skit skitbra jävla jävligt fan fett svinbra supermycket super
    också även annars dessutom
    """
    # number words ("sex" is left out: it can be a topic)
    """
    noll två tre fyra fem sju åtta nio tio elva tolv tretton fjorton femton sexton sjutton
    arton nitton tjugo trettio fyrtio femtio hundra tusen miljon miljoner halv halva
    ihåg möjligt möjligtvis
    """
    # everyday evaluations and stand-ins that fit every topic
    """
    bra bättre bäst kul roligt rolig najs nice gött gott skönt okej grej grejen grejer grejor
    sak saken saker sätt sättet del delen lol haha hahaha hehe xd omg wtf btw jk
    """
    # common verbs that carry no topic (with their forms)
    """
    vara är var varit va blir blev bli blivit ha har hade haft få får fick fått
    gå går gick gått komma kommer kom kommit göra gör gjorde gjort kunna kan kunde kunnat
    ska skall skulle sku vilja vill ville velat måste må behöver behövde behöva
    bruka brukar brukade säga säger sa sade sagt tycka tycker tyckte tyckt tro tror trodde
    trott veta vet visste vetat känns kändes tänka tänker tänkte tänkt se ser såg sett
    ta tar tog tagit stå står stod stått sitta sitter satt suttit ligga ligger låg legat
    finnas finns fanns funnits hända händer hände hänt börja börjar började börjat
    sluta slutar slutade slutat verka verkar verkade låta låter lät låtit hålla håller höll
    hållit ge ger gav gett givit lägga lägger la lade lagt sätta sätter satte satt
    göras blev fattar fattade fatta hoppas hoppades orka orkar orkade borde bör
    mår mådde känna känner kände känt kännas
    """
)

ENGLISH: frozenset[str] = _words(
    """
    a an the this that these those there here i me my mine myself you your yours yourself
    yourselves he him his himself she her hers herself it its itself we us our ours ourselves
    they them their theirs themselves one ones someone somebody something anyone anybody
    anything everyone everybody everything nobody nothing noone none who whom whose which what
    whatever where when why how all any both each every few more most other others another
    some such own same so than too very just only also even still yet again ever never always
    often sometimes already really quite rather almost enough much many lot lots
    and or but nor if then else because since while until though although unless whether
    as at by for from in into of off on onto out over under up down to with without about
    above after against before behind below between beyond during through toward towards upon
    within across along around near not no yes yeah yep nope ok okay oh ah um uh hmm wow
    like well maybe perhaps probably actually basically literally totally kinda sorta gonna
    wanna gotta lol omg wtf btw idk tbh imo lmao haha
    is am are was were be been being have has had having do does did doing done
    will would shall should can could may might must need needed get gets got gotten getting
    go goes went gone going come comes came coming make makes made making say says said
    tell told think thought know knew known see saw seen take took taken give gave given
    feel felt seem seemed keep kept let put want wanted try tried start started use used
    now then today yesterday tomorrow tonight day days time times week weeks year years
    zero two three four five six seven eight nine ten eleven twelve twenty hundred thousand
    thing things stuff way ways kind good great nice cool fun bad really
    i'm i've i'll i'd you're you've he's she's it's we're we've they're they've that's
    there's what's don't doesn't didn't can't couldn't won't wouldn't isn't aren't wasn't
    weren't haven't hasn't hadn't shouldn't let's
    """
)

#: English stop words that are also Swedish content words; kept as content in Swedish text.
_ENGLISH_IN_SWEDISH = frozenset({"bad", "by", "kind", "must", "no", "so"})  # SO, NO: subjects

STOP_WORDS: dict[str, frozenset[str]] = {
    "sv": SWEDISH | (ENGLISH - _ENGLISH_IN_SWEDISH),
    "en": ENGLISH,
    "mixed": SWEDISH | ENGLISH,
}


def stop_words(language: str) -> frozenset[str]:
    """The stop words for ``language`` (``"sv"``, ``"en"`` or ``"mixed"``).

    Swedish text borrows English fillers ("like", "literally", "okay"), so ``"sv"`` includes
    the English function words that are not also Swedish words; ``"mixed"`` keeps both lists
    whole.

    Example:
        >>> "typ" in stop_words("sv"), "typ" in stop_words("en")
        (True, False)
    """
    try:
        return STOP_WORDS[language]
    except KeyError:
        raise ValueError(
            f"language must be one of {sorted(STOP_WORDS)}, got {language!r}"
        ) from None
