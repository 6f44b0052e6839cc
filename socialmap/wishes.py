"""What the resident wishes for, in words: "dansen", "logeeropvang", "koffieochtent" (sic).

A wish comes from the `activity` entity or from the words of the message. It
becomes word prefixes the catalog can match (`Catalog.services_matching`):
Dutch synonyms and inflections from `WISH_TERMS` ("zwemles" -> "zwem"), and a
spelling step over the catalog's own vocabulary for typos ("koffieochtent" ->
"koffieochtend"). Words of the message count only when they are known activity
words (or a typo of one), so "samen met anderen" is never a wish; a place name
is never a wish word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from socialmap.catalog import fold_words

# Activity words residents use -> the word prefixes that stand for them in the catalog.
# Inflections share an entry by prefix: a message word that starts with a key of 4+
# letters counts for it ("dansavond" -> "dans", "zwembad" -> "zwem").
WISH_TERMS: dict[str, tuple[str, ...]] = {
    "dans": ("dans",),
    "zwem": ("zwem",),
    "voetbal": ("voetbal",),
    "korfbal": ("korfbal",),
    "hockey": ("hockey",),
    "volleybal": ("volleybal",),
    "basketbal": ("basketbal",),
    "handbal": ("handbal",),
    "tennis": ("tennis",),
    "judo": ("judo",),
    "turnen": ("turn",),
    "gym": ("gym",),
    "fitness": ("fitness",),
    "yoga": ("yoga",),
    "kickboks": ("kickboks",),
    "freerun": ("freerun",),
    "sport": ("sport", "voetbal", "korfbal", "hockey", "volleybal", "basketbal", "kickboks", "freerun", "zwem"),
    "beweg": ("beweeg", "beweg", "wandel", "sport"),
    "fiets": ("fiets",),
    "wandel": ("wandel",),
    "logeer": ("logeer",),
    "logeren": ("logeer",),
    "respijt": ("respijt",),
    "dagbesteding": ("dagbesteding",),
    "lotgeno": ("lotgeno", "mantelzorgcafe", "praatgroep"),
    "praatgroep": ("praatgroep", "lotgeno"),
    "mantelzorgcafe": ("mantelzorgcafe",),
    "koffie": ("koffie",),
    "koffieochtend": ("koffieochtend", "koffie"),
    "eettafel": ("eettafel", "maaltijd", "samen eten"),
    "maaltijd": ("maaltijd", "eettafel"),
    "eten": ("eettafel", "maaltijd", "eten"),
    "koken": ("kook", "eettafel"),
    "taalcafe": ("taalcafe", "taalmaatje", "taal"),
    "taal": ("taal",),
    "lees": ("lees", "lezen", "voorlez", "boek", "krant"),
    "lezen": ("lees", "lezen", "voorlez", "boek", "krant"),
    "boek": ("boek", "lees"),
    "krant": ("krant",),
    "bieb": ("bibliotheek",),
    "bibliotheek": ("bibliotheek",),
    "zing": ("zang", "zing", "koor"),
    "zang": ("zang", "zing", "koor"),
    "koor": ("koor", "zang"),
    "muziek": ("muziek", "koor", "zang"),
    "brei": ("brei", "handwerk"),
    "haak": ("haak", "haken", "handwerk"),
    "haken": ("haak", "haken", "handwerk"),
    "handwerk": ("handwerk",),
    "schilder": ("schilder",),
    "teken": ("teken",),
    "knutsel": ("knutsel", "creatie"),
    "biljart": ("biljart",),
    "klaverjas": ("klaverjas",),
    "kaart": ("kaart", "klaverjas"),
    "bridge": ("bridge",),
    "schaak": ("schaak",),
    "schaken": ("schaak",),
    "bingo": ("bingo",),
    "repair": ("repair",),
    "repareren": ("repair", "repar"),
    "tuin": ("tuin",),
    "tuinieren": ("tuin",),
    "computer": ("computer", "digit", "klik"),
    "tablet": ("tablet", "computer", "digit"),
    "smartphone": ("smartphone", "telefoon"),
    "digid": ("digid", "digitale overheid"),
    "internet": ("internet", "computer", "digit"),
    "taxi": ("taxi",),
    "regiotaxi": ("regiotaxi",),
    "plusbus": ("plusbus",),
    "vervoer": ("vervoer", "taxi", "plusbus", "rijmaatje", "chauffeur"),
    "chauffeur": ("chauffeur", "rijmaatje", "vervoer"),
    "maatje": ("maatje", "buddy"),
    "buddy": ("buddy", "maatje"),
    "jongerencentrum": ("jongerencentrum", "jongerenwerk"),
    "jongerenwerk": ("jongerenwerk", "jongerencentrum"),
    "chill": ("jongerencentrum", "jongerenwerk", "hangplek"),
    "kanjer": ("kanjer",),
    "weerbaar": ("weerbaar",),
    "burenhulp": ("burenhulp",),
    "boodschap": ("boodschap",),
    "telefooncirkel": ("telefooncirkel",),
    "kortingspas": ("korting", "meedoen"),
    "korting": ("korting", "meedoen"),
    "meedoenregeling": ("meedoen",),
    "bijstand": ("bijstand",),
    "jeugdfonds": ("jeugdfonds",),
    "pensioen": ("pensioen",),
    "theater": ("theater",),
    "toneel": ("toneel", "theater"),
    "film": ("film",),
    "museum": ("museum",),
    "natuur": ("natuur",),
    "vissen": ("vis",),
    "inloop": ("inloop",),
    "dorpshuis": ("dorpshuis", "buurthuis", "mfc"),
    "buurthuis": ("buurthuis", "dorpshuis", "mfc"),
}

# Words that are never a wish: Dutch function words and the generic words of a search.
STOP_WORDS = frozenset(
    """
    aan af al alles als altijd ander andere anderen anders ben bij binnen dan dat de deze die dit doe doen door
    dus een eens en er erg geen gewoon graag had heb hebben heeft hem het hier hij hoe hun ik iets in is ja je
    jij jou jouw kan kun kunnen maar me meer met mij mijn misschien moet na naar niet niets nog nu of om omdat
    ons onze ook op over per te tegen toch tot u uit uw van veel voor waar wanneer wat we wel welk welke wie wij
    wil wilt worden zal ze zelf zich zij zijn zo zoals zou zoek zoeken zocht zoekt vind vinden leuk leuke
    activiteit activiteiten ding dingen mensen iemand ontmoeten buurt omgeving hulp samen gezellig gezelligheid
    daar dorp stad plaats alstublieft aub even eigenlijk ff effe hoi hallo hey yo sorry dank bedankt dag week
    ochtend middag avond vandaag morgen gratis kosten kost goedkoop kinderen kind zoon dochter ouders moeder
    vader vrouw man jongeren ouderen oudere jongere senioren mantelzorger mantelzorgers gemeente woon wonen
    woont jaar jaren oud groep club vereniging plek plekken soort zit zitten gaan ga gaat kom komen kijk kijken
    """.split()
)

_MIN_LENGTH = 3
_TYPO_CUTOFF = 0.82


@dataclass(frozen=True)
class Wish:
    """A resident's wish as words: what to say back, and the prefixes to match per word."""

    text: str  # the wish as the resident will read it back ("dansen")
    words: tuple[str, ...]  # folded, spelled-right wish words
    alternatives: tuple[tuple[str, ...], ...]  # per word: the prefixes that stand for it


def _words(text: str) -> list[str]:
    return [w for w in fold_words(text).split() if len(w) >= _MIN_LENGTH and not w.isdigit()]


@lru_cache(maxsize=4096)
def known_term(word: str) -> str | None:
    """Return the WISH_TERMS key a word stands for (exact, by prefix, or a typo of one), or None."""
    if word in WISH_TERMS:
        return word
    prefixed = [key for key in WISH_TERMS if len(key) >= 4 and word.startswith(key)]
    best = max(prefixed, key=len) if prefixed else None
    if len(word) >= 5:
        close = difflib.get_close_matches(word, list(WISH_TERMS), n=1, cutoff=_TYPO_CUTOFF)
        # "koffieochtent" is a typo of "koffieochtend", not just a kind of "koffie".
        if close and close[0][0] == word[0] and (best is None or len(close[0]) > len(best)):
            return close[0]
    return best


def _spell(word: str, vocabulary: frozenset[str]) -> str:
    """Return the word, or the catalog word it is a typo of ('koffieochtent' -> 'koffieochtend')."""
    if len(word) < 5 or any(v.startswith(word) for v in vocabulary):
        return word
    close = difflib.get_close_matches(word, [v for v in vocabulary if v[0] == word[0]], n=1, cutoff=_TYPO_CUTOFF)
    return close[0] if close else word


def extract(
    activity: str | None,
    message: str | None,
    vocabulary: frozenset[str] = frozenset(),
    *,
    not_wishes: Iterable[str] = (),
    is_place: object = None,
) -> Wish | None:
    """Return the wish in the `activity` entity, else in the message's activity words, or None.

    `not_wishes` are words that must never count (the resident's place name);
    `is_place(word) -> bool` says whether a word is a place name (then it is no
    wish unless it is a known activity word).
    """
    blocked = {w for text in not_wishes for w in _words(text)}
    place_check = is_place if callable(is_place) else (lambda _w: False)

    def usable(word: str) -> bool:
        if word in STOP_WORDS or word in blocked:
            return False
        return known_term(word) is not None or not place_check(word)

    chosen = [w for w in _words(activity or "") if usable(w)]
    if not chosen:
        chosen = [w for w in _words(message or "") if usable(w) and known_term(w) is not None]
    if not chosen:
        return None
    shown: list[str] = []
    alternatives: list[tuple[str, ...]] = []
    for word in dict.fromkeys(chosen):
        spelled = _spell(word, vocabulary)
        term = known_term(spelled)
        if term is not None and not spelled.startswith(term):
            spelled = term  # a typo of a known word: say and match the word itself
        prefixes = {spelled} | (set(WISH_TERMS[term]) if term is not None else set())
        shown.append(spelled)
        alternatives.append(tuple(sorted(prefixes)))
    return Wish(text=" ".join(shown), words=tuple(shown), alternatives=tuple(alternatives))


_HINT_TEXT = re.compile(r"\s+")


def hint_text(wish: Wish | None) -> str:
    """Return the wish's spelled-right words as one string (for the sub-category hints)."""
    return _HINT_TEXT.sub(" ", " ".join(wish.words)) if wish else ""
