"""Repair misspelt domain words ("mantelzoger", "eensaamheid", "koffieochtent") before the NLU sees them.

Residents type fast, on a tablet, with a spelling of their own. The NLU model only knows the
words it was trained on, so "vrijwiligerswerk" looks like a new word to it. `correct_word`
maps such a word to the domain word it is meant to be, and `correct_text` does so for a whole
message, keeping everything else exactly as typed.

Conservative on purpose: a word is only changed when
* it is not a Dutch word (pyspellchecker's Dutch list of 343k words) nor a domain word,
* it is not a place (the Drenthe gazetteer and GeoNames' Dutch places), a postcode, a number,
  a personal-data tag such as [TELEFOON], or shorter than 5 letters ("ff", "yo", "sins"),
* exactly one domain word is closest to it, within 1 edit (2 edits for words of 9 letters or
  more; a swap of two letters counts as one edit).

The domain lexicon is the vocabulary of this helpdesk: care, activities, money, transport.
Corrections go only towards that lexicon, never towards arbitrary Dutch words, so a rare but
correct word is left alone. The lookup uses a deletion index (SymSpell): a few hundred
microseconds for a message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations

from socialmap.geo import dutch_places, load_gazetteer
from socialmap.geo import normalise as normalise_place

# Singular and plural where residents write both. Lower case, no accents.
DOMAIN_WORDS: tuple[str, ...] = (
    # care and carers
    "mantelzorg", "mantelzorger", "mantelzorgers", "mantelzorgen", "mantelzorgconsulent",
    "mantelzorgwaardering", "mantelzorgcompliment", "mantelzorgmakelaar", "mantelzorgsteunpunt",
    "mantelzorglijn", "respijtzorg", "respijt", "dagbesteding", "dagopvang", "logeeropvang",
    "logeerhuis", "ontlasten", "ontlasting", "overbelast", "overbelasting", "uitgeput", "dementie",
    "alzheimer", "parkinson", "beperking", "gehandicapt", "gehandicapte", "verzorgen", "verzorging",
    "thuiszorg", "wijkverpleging", "wijkteam", "sociaal", "consulent", "ondersteuning",
    "lotgenoten", "lotgenotengroep", "praatgroep", "gespreksgroep", "alzheimercafe",
    # loneliness and meeting places
    "eenzaam", "eenzaamheid", "eenzame", "alleen", "gezelschap", "gezelligheid", "gezellig",
    "koffieochtend", "koffiemiddag", "koffieochtenden", "eettafel", "maaltijd", "samen", "ontmoeten",
    "ontmoeting", "ontmoetingsplek", "ontmoetingscentrum", "dorpshuis", "buurthuis", "wijkcentrum",
    "buurtkamer", "inloop", "inloopochtend", "spelletjesmiddag", "bingo", "soos", "handwerken",
    "breien", "sjoelen", "klaverjassen", "biljarten", "wandelen", "wandelgroep", "zingen", "koor",
    "activiteiten", "activiteit", "senioren", "ouderen", "weduwe", "weduwnaar", "verdriet",
    "luisterlijn", "luisteren", "praatje",
    # volunteering and retirement
    "vrijwilliger", "vrijwilligers", "vrijwilligerswerk", "vrijwilligersvacature", "vacature",
    "vacatures", "maatje", "taalmaatje", "buddy", "pensioen", "gepensioneerd", "gepensioneerde",
    "gepensioneerden", "pensionering",
    # youth
    "jongeren", "jongerencentrum", "jongerenwerk", "jongerenwerker", "tieners", "kinderen",
    "voetbal", "voetballen", "zwemmen", "zwemles", "sportclub", "sportvereniging", "scouting",
    "dansen", "dansles", "muziekles", "turnen", "hockey", "tennis", "judo", "skatebaan",
    # money
    "kortingspas", "meedoenregeling", "jeugdfonds", "bijstand", "schulden", "schuldhulp",
    "schuldhulpverlening", "toeslagen", "huurtoeslag", "zorgtoeslag", "voedselbank", "uitkering",
    "inkomen", "minima", "regeling", "regelingen", "kwijtschelding", "betalen", "rekeningen",
    # digital and transport
    "computer", "computerles", "digid", "tablet", "telefoon", "smartphone", "internet", "inloggen",
    "videobellen", "beeldbellen", "whatsapp", "whatsappen", "bibliotheek", "regiotaxi", "buurtbus",
    "vervoer", "rolstoel", "rolstoelvervoer", "scootmobiel", "chauffeur", "automaatje",
    "ziekenhuis", "huisarts", "tandarts", "fysiotherapeut",
    # newcomers and the helpdesk
    "nieuwkomer", "nieuwkomers", "statushouder", "statushouders", "inburgering", "inburgeren",
    "taalles", "taalcafe", "verhuisd", "gemeente", "gemeentehuis", "medewerker", "terugbellen",
    "privacy", "anoniem",
)

_MIN_LENGTH = 5
_WORD_RE = re.compile(r"[A-Za-zÀ-ÿ]+")
_TAG_RE = re.compile(r"\[[A-Z_]+\]")


def _deletes(word: str, distance: int) -> set[str]:
    """Return every string made from `word` by deleting up to `distance` letters."""
    found = {word}
    for n in range(1, distance + 1):
        for positions in combinations(range(len(word)), n):
            found.add("".join(ch for i, ch in enumerate(word) if i not in positions))
    return found


def _max_edits(word: str) -> int:
    return 2 if len(word) >= 9 else 1


def edit_distance(a: str, b: str) -> int:
    """Return the Damerau-Levenshtein distance (adjacent swaps count as one edit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=1)
def _index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for word in DOMAIN_WORDS:
        for deleted in _deletes(word, _max_edits(word)):
            index.setdefault(deleted, set()).add(word)
    return {key: frozenset(words) for key, words in index.items()}


@lru_cache(maxsize=1)
def dutch_words() -> frozenset[str]:
    """Return pyspellchecker's Dutch word list (read once per process)."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="nl", distance=1).word_frequency.dictionary)


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Return every word of every place name we know (Drenthe and the rest of the Netherlands)."""
    names = list(load_gazetteer().names()) + list(dutch_places())
    return frozenset(word for name in names for word in normalise_place(name).split())


@lru_cache(maxsize=20000)
def correct_word(word: str) -> str:
    """Return the domain word a misspelt word stands for, or the word itself (same case rules)."""
    key = word.lower()
    if len(key) < _MIN_LENGTH or not key.isalpha():
        return word
    if key in _DOMAIN_SET or key in dutch_words() or key in place_words():
        return word
    index = _index()
    candidates: set[str] = set()
    for deleted in _deletes(key, 2 if len(key) >= 8 else 1):
        candidates |= index.get(deleted, frozenset())
    scored = sorted((edit_distance(key, c), c) for c in candidates)
    scored = [(d, c) for d, c in scored if d <= _max_edits(c) and d <= _max_edits(key)]
    if not scored:
        return word
    tied = [c for d, c in scored if d == scored[0][0]]
    # Two equally close words of one family ("mantelzorgr": mantelzorg, mantelzorger) are both
    # right; two of different families ("zorgen"/"zingen") mean we cannot tell: leave it.
    if len({c[:5] for c in tied}) > 1:
        return word
    best = max(tied, key=len)
    return best.capitalize() if word[:1].isupper() else best


_DOMAIN_SET = frozenset(DOMAIN_WORDS)


def correct_text(text: str) -> str:
    """Return the message with misspelt domain words repaired; tags, numbers and places untouched."""
    if not text:
        return text
    pieces = []
    last = 0
    protected = [m.span() for m in _TAG_RE.finditer(text)]
    for match in _WORD_RE.finditer(text):
        start, end = match.span()
        if any(s <= start < e for s, e in protected):
            continue
        # Part of a token with digits or a tag ("7811AB", "[BSN]x"): leave the whole token alone.
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isdigit() or after.isdigit():
            continue
        corrected = correct_word(match.group())
        if corrected != match.group():
            pieces.append(text[last:start])
            pieces.append(corrected)
            last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)
