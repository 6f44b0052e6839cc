"""Rule-based safety net: does a message talk about suicide or self-harm?

The NLU model classifies crisis messages too, but a model can miss a phrase
it never saw. `is_crisis` backs it up with hand-written patterns for the
direct and the indirect ways people in the Netherlands say it ("ik wil dood",
"ik zie het niet meer zitten", "iedereen is beter af zonder mij").

Design choices:
* Recall first. A false alarm shows the 113 numbers and offers a medewerker,
  which does no harm; a missed crisis can. So "ik wil dood, graag koffie" is
  flagged.
* Grief is not a crisis: "de dood van mijn man", "mijn vader is overleden",
  "ik ben doodmoe" are not flagged.
* "zelfmoordpreventie" / "suïcidepreventie" on its own (someone who wants to
  volunteer there) is not flagged; any other mention of suicide is, also when
  it concerns someone else ("mijn zoon heeft zelfmoord gepleegd"), because
  113 supports the bereaved too.

No model, no I/O: it runs in microseconds inside the Rasa pipeline.
"""

from __future__ import annotations

import re
import unicodedata

_ME = r"(?:mezelf|mijzelf|me zelf|mij zelf|m zelf|mn zelf|zelf)"
_MY = r"(?:mijn|m|mn|me)"

# Each pattern runs on normalised text: lower case, no diacritics, punctuation
# replaced by spaces, letters repeated 3+ times reduced to one.
_PATTERNS: list[str] = [
    # suicide, with common misspellings (suïcide, suicde, sucide, zelfmoord, zelfmoort, zelmoord)
    r"\b[sz]u[iy]?[cs]i?d(?:e|aal|ale|aliteit|ai)",
    r"\bzel(?:f|v)? ?mo+r[dt]",
    r"\bzelfdoding",
    r"\bsuicidal",
    # wanting to die
    r"\b(?:ik|k) (?:wil|wou|wilde|zou)\b(?: \w+){0,3}? (?:dood|doodgaan|dood gaan|sterven|dood zijn)\b(?! van)",
    r"\b(?:wil|wou|zou) ik (?:\w+ ){0,3}?(?:dood|doodgaan|sterven)\b(?! van)",
    r"\bniet erg (?:vinden )?(?:om )?(?:dood te gaan|als ik dood ga|te sterven)\b",
    r"\bik wil (?:graag |gewoon |echt |het liefst |liever )*dood\b",
    r"\b(?:liefst|liever|beter) dood\b",
    r"\bwou dat ik dood was\b",
    r"\bwas ik (?:maar )?dood\b",
    r"\bdood willen\b",
    r"\bniet (?:meer )?(?:willen |wil |wilt )?leven\b",
    r"\bwil (?:niet meer|nooit meer) (?:leven|verder leven|wakker worden)\b",
    r"\bniet meer wakker (?:worden|te worden|wil worden)\b",
    r"\bnooit meer wakker\b",
    r"\b(?:wil|wil ik) er niet meer zijn\b",
    r"\ber niet meer (?:willen |wil )?zijn\b",
    r"\bwil(?:de)? (?:gewoon |het liefst )?verdwijnen\b(?! uit)",
    # ending one's life
    r"\b(?:eind|einde) (?:maken )?aan (?:mijn|m|mn|me|het) leven\b",
    r"\ber een (?:eind|einde) aan (?:maken|te maken|maak|gemaakt)\b",
    r"\bmaak er een (?:eind|einde) aan\b",
    r"\b" + _MY + r" leven (?:beeindigen|beindigen|nemen|afmaken)\b",
    r"\bvan het leven beroven\b",
    r"\buit het leven (?:stappen|te stappen|gaan|stap)\b",
    r"\bvan kant (?:maken|te maken|maak)\b",
    r"\b" + _ME + r" (?:ophangen|doden|vermoorden|verdrinken|van kant)\b",
    r"\bvoor de trein (?:springen|te springen|gaan liggen|spring)\b",
    r"\bvan (?:een |het |de )?(?:flat|brug|dak|gebouw) (?:springen|te springen|af springen|spring)\b",
    r"\b(?:alle |al mijn |een hoop )?pillen (?:innemen|in te nemen|slikken|te slikken) (?:en|om|zodat)\b",
    r"\boverdosis\b",
    # self-harm
    r"\b" + _ME + r" (?:iets |wat )?(?:aan ?doen|aan ?te doen|aandoe|aan gedaan|aangedaan)\b",
    r"\b(?:doe|deed|ga|zal) (?:ik )?" + _ME + r" (?:iets |wat )aan\b",
    r"\b"
    + _ME
    + r" (?:pijn (?:doen|te doen|gedaan|doe)|beschadigen|verwonden|snijden|te snijden|krassen|branden)\b",
    r"\b(?:doe|deed) (?:ik )?" + _ME + r" pijn\b",
    r"\bsnij(?:d|den|dt)? (?:ik )?(?:in )?" + _ME + r"\b",
    r"\bsnijden in (?:" + _ME + r"|" + _MY + r" (?:arm|armen|pols|polsen|benen|been|huid))\b",
    r"\b(?:in|op) " + _MY + r" (?:arm|armen|pols|polsen|benen) (?:snijden|krassen|kerven)\b",
    r"\b(?:kras|krast|krassen|kerf|kerven|snij|snijd|snijden) (?:ik )?(?:in|op) "
    + _MY
    + r" (?:arm|armen|pols|polsen|benen|been|huid)\b",
    r"\bzelfbeschadiging\b",
    r"\bzelfverwonding\b",
    r"\bautomutilatie\b",
    # hopelessness that means "I do not want to live"
    r"\bbeter af zonder mij\b",
    r"\bbeter af (?:als|wanneer|zonder dat) ik (?:er )?(?:niet|nooit) (?:meer )?(?:ben|was|zou zijn|besta)\b",
    r"\bniemand (?:zal|zou|gaat) mij (?:missen|echt missen)\b",
    r"\bniemand (?:zal|zou|gaat) me (?:missen|echt missen)\b",
    r"\bhet (?:hoeft|hoef) (?:voor mij |allemaal )*niet meer(?: voor mij)?$",
    r"\bik hoef (?:het )?(?:allemaal )?niet meer$",
    r"\bzie het (?:leven |allemaal |echt )*niet meer zitten\b",
    r"\bhet leven (?:niet meer zien zitten|heeft geen zin|is zinloos|heeft (?:voor mij )?geen zin meer)\b",
    r"\bgeen zin meer in (?:het|mijn|m|mn) leven\b",
    r"\bgeen (?:reden|zin) (?:meer )?om (?:nog )?(?:te leven|door te gaan|verder te gaan)\b",
    r"\b(?:klaar|ben klaar) met (?:het|mijn|m|mn)? ?leven\b",
    r"\blevensmoe\b",
    r"\bdoodswens\b",
    r"\bleef liever niet\b",
    r"\bweet niet (?:meer )?(?:hoe ik )?verder (?:te leven|met (?:mijn|m|mn) leven)\b",
    r"\bkan niet meer verder leven\b",
]

# Words that contain a crisis stem but are about something else.
_EXCEPTIONS: list[str] = [
    r"\b(?:zelfmoord|suicide|zelfdoding)(?:-| )?preventie\b",
    r"\b113 ?(?:zelfmoord|suicide)preventie\b",
]

_CRISIS_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_EXCEPTION_RE = re.compile("|".join(f"(?:{p})" for p in _EXCEPTIONS))

# Light typo repair before matching: frequent spellings of the same words.
_SPELLING = [
    (re.compile(r"\bmezelv\b|\bmeself\b|\bmezef\b|\bmzelf\b|\bmezlef\b"), "mezelf"),
    (re.compile(r"\bmijself\b|\bmijzelv\b"), "mijzelf"),
    (re.compile(r"\bniet meet\b|\bnie meer\b|\bniemeer\b|\bniet mee\b"), "niet meer"),
    (re.compile(r"\bdoot\b"), "dood"),
    (re.compile(r"\bwill\b|\bwl\b"), "wil"),
    (re.compile(r"\bk\b"), "ik"),
    (re.compile(r"\bleve\b"), "leven"),
    (re.compile(r"\baandoen\b|\baan doen\b"), "aandoen"),
    (re.compile(r"\beinden\b"), "einde"),
]


def normalise(text: str) -> str:
    """Return lower-case text without diacritics, punctuation or long letter repeats."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("’", "")  # "m'n" -> "mn"
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "dooooood" -> "dod"; repaired below
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\bdod\b", "dood", text)
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return text


def is_crisis(text: str) -> bool:
    """Return True when the message speaks of suicide or self-harm (direct or indirect)."""
    if not text or not isinstance(text, str):
        return False
    norm = normalise(text[:5000])
    if not norm:
        return False
    cleaned = _EXCEPTION_RE.sub(" ", norm)
    return bool(_CRISIS_RE.search(cleaned))
