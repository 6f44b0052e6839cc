"""Redaction of personal data in free text (AVG).

`redact(text)` replaces personal data in a resident's message with a visible
tag ([BSN], [TELEFOON], [E-MAIL], [IBAN], [ADRES], [GEBOORTEDATUM]) before the
message reaches the tracker store, the logs or analytics. Postcodes alone,
place names, times, prices, ages, years and the national help lines stay: the
search and the safety net need them.

How it finds things (each class has a test in tests/socialmap/test_privacy.py):

* The text is normalised first: NFKC (full-width digits and "＠" become ASCII),
  every Unicode decimal digit (Arabic-Indic, Devanagari, ...) becomes 0-9,
  zero-width characters and soft hyphens are removed, every dash and minus
  sign becomes "-", every kind of space becomes " ". The redacted text is the
  normalised text.
* Phone numbers: runs of digit groups joined by any separator (space, dash,
  dot, comma, colon, slash, underscore, brackets), glued to a word or not
  ("tel0612..."). Every stretch of whole groups in a run is checked with
  `phonenumbers` (libphonenumber) for the Netherlands, and for any country
  when it starts with + or 00. Stand-alone times ("10:00", "09:00-17:00") and
  dates ("06-03-1950") are not phone numbers. The national help lines in
  PUBLIC_NUMBERS and the municipal "14 0xxx" numbers stay.
* BSN: a stretch of groups with nine digits that passes the 11-proef
  (`python-stdnum`), whatever the grouping (3-3-3, 4-2-3, 2-2-2-3, one by one)
  and separator; after the word "BSN" any 8 or 9 digits.
* IBAN: two letters, two digits and the rest, with any separator, checked with
  mod-97 (`python-stdnum`); a Dutch account written without the country code
  ("91 ABNA 0417 1643 00", "ABNA 0417164300") too.
* E-mail: Unicode local parts and domains, spaces around "@", "at"/"apenstaartje"
  and "punt"/"dot" written out, IP-literal domains.
* Addresses (context rules): a street word with a known suffix and a house
  number (also glued, or with "nr."/"nummer"); after "ik woon", "adres", "woont
  op/aan", ... any capitalised street name with a house number; a postcode
  followed by a house number.
* Dates of birth (context rules): any date shape (12-03-1942, 12 03 1942,
  12031942, 1942/03/12, 12 maart 1942, March 12, 1942, 12th of March 1942) after
  or before a birth word (geboren, geb., geboortedatum, "ik ben van", born,
  date of birth, ...); a complete date with a year between 1900 and ten years
  ago also without one.

This module never imports rasa.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from stdnum import iban as std_iban
from stdnum.nl import bsn as std_bsn

# Kinds of personal data and the tag that replaces each.
BSN = "bsn"
PHONE = "telefoon"
EMAIL = "email"
IBAN = "iban"
ADDRESS = "adres"
BIRTH_DATE = "geboortedatum"

TAGS: dict[str, str] = {
    BSN: "[BSN]",
    PHONE: "[TELEFOON]",
    EMAIL: "[E-MAIL]",
    IBAN: "[IBAN]",
    ADDRESS: "[ADRES]",
    BIRTH_DATE: "[GEBOORTEDATUM]",
}

# Kinds the channel keeps in the contact vault for a callback request.
CONTACT_KINDS = (PHONE, EMAIL)

# National help and service lines that residents and the bot quote. They belong
# to organisations, never to a resident, so they are not personal data.
PUBLIC_NUMBERS: frozenset[str] = frozenset(
    {
        "113",  # 113 Zelfmoordpreventie (short number)
        "08000113",  # 113 Zelfmoordpreventie
        "0880767000",  # De Luisterlijn
        "09000767",  # Sensoor
        "08000432",  # De Kindertelefoon
        "08002000",  # Veilig Thuis
        "08005088",  # Alzheimer Telefoon
        "0307606055",  # Mantelzorglijn
        "09008844",  # Politie (geen spoed)
        "09000101",  # Slachtofferhulp Nederland
        "08008051",  # Juridisch Loket
        "09008015",  # Juridisch Loket (betaald)
        "08000543",  # Belastingtelefoon
        "112",
    }
)


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind and where it was in the (normalised) text."""

    kind: str
    start: int
    end: int
    value: str


@dataclass
class Redaction:
    """The redacted text and what was taken out of it."""

    text: str
    found: list[Found] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.found)

    def contacts(self) -> list[Found]:
        """Return the phone numbers and e-mail addresses found (for the contact vault)."""
        return [f for f in self.found if f.kind in CONTACT_KINDS]


# --- normalisation ------------------------------------------------------------

# Zero-width and invisible formatting characters (and the soft hyphen).
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070)),
    None,
)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2796\ufe58\ufe63\uff0d\u02d7\u2e3a\u2e3b"


def _char_map(ch: str) -> str:
    if ch in _DASHES:
        return "-"
    if ch.isspace() and ch not in "\n\t":
        return " "
    if not ch.isascii():
        value = unicodedata.decimal(ch, None)
        if value is not None:
            return str(value)
    return ch


def _as_text(text: Any) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    # NFC so that "e" + combining accent and "é" are one character.
    return unicodedata.normalize("NFC", text)


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Return the normalised text and, per normalised character, the index of its original character."""
    if text.isascii():
        return text, list(range(len(text) + 1))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        mapped = "".join(_char_map(c) for c in unicodedata.normalize("NFKC", ch).translate(_INVISIBLE))
        out.append(mapped)
        where.extend([i] * len(mapped))
    where.append(len(text))
    return "".join(out), where


def normalize(text: Any) -> str:
    """Return `text` as a string in the form the patterns match (see module docstring)."""
    return _normalized_with_map(_as_text(text))[0]


# --- validators -------------------------------------------------------------


def digits_of(value: str) -> str:
    """Return only the ASCII digits of `value`."""
    return "".join(ch for ch in value if "0" <= ch <= "9")


def _eleven_test(digits: str) -> bool:
    if len(digits) != 9 or digits == "000000000":
        return False
    # python-stdnum's 11-proef; it refuses numbers with leading zeros that the proef itself accepts.
    if std_bsn.is_valid(digits):
        return True
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def is_valid_bsn(value: str) -> bool:
    """Return True when `value` holds exactly 9 digits that pass the 11-proef."""
    return _eleven_test(digits_of(normalize(value)))


def _iban_check(compact: str) -> bool:
    try:
        std_iban.validate(compact, check_country=False)
    except ValueError:  # stdnum's ValidationError subclasses ValueError
        return False
    return True


def is_valid_iban(value: str) -> bool:
    """Return True when `value` (separators allowed) is an IBAN with a correct mod-97 check."""
    compact = re.sub(r"[\s.\-_/]+", "", normalize(value)).upper()
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact)) and _iban_check(compact)


# --- digit runs (phone numbers and BSN) --------------------------------------

# A run: digit groups joined by up to three separator characters; "+" or "00" may lead.
_SEP_CHARS = " \t\\-./,:()_\\[\\]"
_RUN_RE = re.compile(r"(?<!\d)\+?\d+(?:[" + _SEP_CHARS + r"]{1,3}\d+)*")
_GROUP_RE = re.compile(r"\d+")
_TIME_RE = re.compile(r"(?<![\d:.])([01]?\d|2[0-3])[:.][0-5]\d(?![:.]?\d)")
_DATE_NUM_RE = re.compile(
    r"(?<![\d\-/.])(0?[1-9]|[12]\d|3[01])([-/.])(0?[1-9]|1[0-2])\2(\d{4}|\d{2})(?![\-/.]?\d)"
)
# A phone number has at most 15 digits, so at most 15 groups: longer stretches are never checked.
_MAX_GROUPS = 15


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str


def _runs(text: str) -> Iterable[tuple[int, list[_Group], str]]:
    for m in _RUN_RE.finditer(text):
        groups = [
            _Group(m.start() + g.start(), m.start() + g.end(), g.group())
            for g in _GROUP_RE.finditer(m.group())
        ]
        yield m.start(), groups, m.group()


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    """Spans of stand-alone times and dates: never part of a phone number."""
    spans = [(m.start(), m.end()) for m in _TIME_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _DATE_NUM_RE.finditer(text)]
    return spans


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _municipal(digits: str) -> bool:
    # "14 0592": the municipality's own number (14 + area code).
    return len(digits) in (5, 6) and digits.startswith("140")


def _is_public_number(digits: str) -> bool:
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif digits.startswith("31") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits in PUBLIC_NUMBERS or _municipal(digits)


def _phone_ok(raw: str, digits: str, international: bool) -> bool:
    if len(digits) < 7 or len(digits) > 15:
        return False
    if _is_public_number(digits):
        return False
    if international:
        candidate = "+" + (digits[2:] if digits.startswith("00") else digits)
        # "+31 (0)6 ...": the trunk zero in brackets is not dialled.
        if candidate.startswith("+310"):
            candidate = "+31" + candidate[4:]
        region = None
    else:
        if not digits.startswith("0") or digits.startswith("00"):
            return False
        candidate, region = digits, "NL"
    # Every Dutch number outside the service ranges has ten digits: 0 + area/mobile/088 + number.
    # Accept those even when the range is not (yet) assigned: a typo is still somebody's number.
    if region == "NL" and re.fullmatch(r"0[1-9]\d{8}", digits):
        return True
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(number):
        return True
    return international and len(digits) >= 10 and bool(phonenumbers.is_possible_number(number))


def _candidates_runs(text: str, phones: bool = True, mobile_only: bool = False) -> Iterable[Found]:
    blocked = _blocked_spans(text)
    for _start, groups, _raw in _runs(text):
        i = 0
        while i < len(groups):
            hit: Found | None = None
            for j in range(min(len(groups), i + _MAX_GROUPS), i, -1):
                first, last = groups[i], groups[j - 1]
                digits = "".join(g.digits for g in groups[i:j])
                if len(digits) > 15:
                    continue
                if len(digits) < 7:
                    break
                start, end = first.start, last.end
                international = False
                if start > 0 and text[start - 1] == "+":
                    start -= 1
                    international = True
                elif digits.startswith("00") and len(digits) >= 11:
                    international = True
                segment = text[start:end]
                # The separators inside must be short: "06 1234 5678" yes, "06, 7 en 8" is not a run anyway.
                if len(digits) == 9 and text[start] != "+" and _eleven_test(digits):
                    if not re.search(r"[,:()]", segment):
                        hit = Found(BSN, start, end, segment)
                        break
                if not phones or _overlaps(first.start, last.end, blocked):
                    continue
                if _phone_ok(segment, digits, international):
                    national = digits if not international else "0" + digits[-9:]
                    if mobile_only and not national.startswith("06"):
                        continue
                    # "(0592) 123456": take the opening bracket along.
                    if start > 0 and text[start - 1] == "(" and ")" in segment:
                        start -= 1
                        segment = text[start:end]
                    hit = Found(PHONE, start, end, segment)
                    break
            if hit is not None:
                yield hit
                i = next(
                    k for k in range(i, len(groups) + 1) if k == len(groups) or groups[k].start >= hit.end
                )
            else:
                i += 1


_BSN_CONTEXT_RE = re.compile(
    r"(?<!\[)\b(?:bsn|burger\s*service\s*nummer|sofi[\s-]?nummer)(?:\s*-?\s*nummer)?\b[^\d\n]{0,25}?"
    r"(?P<num>\d(?:[ .\-/_]?\d){7,8})(?!\d)",
    re.IGNORECASE,
)


def _candidates_bsn_context(text: str) -> Iterable[Found]:
    for m in _BSN_CONTEXT_RE.finditer(text):
        yield Found(BSN, m.start("num"), m.end("num"), m.group("num"))


# --- IBAN ---------------------------------------------------------------------

_IBAN_SEP = r"[ .\-_/]?"
# With a country code: 2 letters, 2 digits, then 10-30 alphanumerics with optional single separators.
# Inside a lookahead, so candidates may overlap: "AA00 NL54AAAA0000000000" must not let the
# invalid stretch from "AA00" hide the valid IBAN that starts inside it.
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])(?=(?P<iban>[A-Za-z]{2}"
    + _IBAN_SEP
    + r"\d"
    + _IBAN_SEP
    + r"\d(?:"
    + _IBAN_SEP
    + r"[A-Za-z0-9]){10,30})"
    r"(?![A-Za-z0-9]))"
)
# A Dutch account without the country code: [2 check digits] + 4-letter bank code + 10 digits.
_NL_ACCOUNT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<acc>(?:(?P<check>\d" + _IBAN_SEP + r"\d)" + _IBAN_SEP + r")?"
    r"(?P<bank>[A-Za-z]{4})" + _IBAN_SEP + r"(?P<num>\d(?:" + _IBAN_SEP + r"\d){9}))(?![A-Za-z0-9])"
)
_NL_IBAN_SHAPE_RE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")


def _compact(value: str) -> str:
    return re.sub(r"[ .\-_/]", "", value).upper()


def _candidates_iban(text: str) -> Iterable[Found]:
    for m in _IBAN_RE.finditer(text):
        value = m.group("iban")
        # Walk back from the longest stretch: "NL91ABNA0417164300 t.n.v." must not eat "t".
        for cut in range(len(value), 0, -1):
            part = value[:cut]
            c = _compact(part)
            if len(c) < 14:
                break
            if _iban_check(c) or _NL_IBAN_SHAPE_RE.fullmatch(c):
                part = part.rstrip(" .-_/")
                yield Found(IBAN, m.start("iban"), m.start("iban") + len(part), part)
                break
    for m in _NL_ACCOUNT_RE.finditer(text):
        bank = m.group("bank").upper()
        check = m.group("check")
        compact = _compact(m.group("acc"))
        if check is not None and _iban_check("NL" + compact):
            yield Found(IBAN, m.start("acc"), m.end("acc"), m.group("acc"))
        elif bank in DUTCH_BANK_CODES:
            start = m.start("bank") if check is None else m.start("acc")
            yield Found(IBAN, start, m.end("acc"), text[start : m.end("acc")])


# The bank codes of Dutch IBANs (positions 5-8), for accounts written without "NL" and check digits.
DUTCH_BANK_CODES = frozenset(
    "ABNA RABO INGB TRIO SNSB ASNB KNAB BUNQ RBRB FVLB FRBK HAND NNBA AEGO ARBN BICK DEUT NWAB VOWA ISBK "
    "ADYB BOFA BOTK CITI COBA DHBN DLBK FBHL GILL HHBA HSBC ICBK INSI KRED LOYD LPLN MHCB NICK RABO REVO "
    "SOGE UGBI UBSW ZWLB BITS".split()
)


# --- e-mail -------------------------------------------------------------------

_LOCAL = r"[\w.%+\-']+"
_AT = r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|apenstaartje|ad)\s*[)\]}>]\s*|\s+(?:at|apenstaartje)\s+)"
_LABEL = r"[^\W_](?:[\w\-]{0,62}[^\W_])?"
_DOT = r"(?:\.|\s*[(\[{<]\s*(?:dot|punt)\s*[)\]}>]\s*|\s+(?:dot|punt)\s+)"
_TLD = r"[^\W\d_]{2,24}"
_IP_DOMAIN = r"\[?(?:IPv6:[0-9a-fA-F:.]+|\d{1,3}(?:\.\d{1,3}){3})\]?"
EMAIL_RE = re.compile(
    r"(?<![\w.%+\-])"
    + _LOCAL
    + _AT
    + r"(?:"
    + _IP_DOMAIN
    + r"|(?:"
    + _LABEL
    + _DOT
    + r")+"
    + _TLD
    + r")(?![\w\-])",
    re.IGNORECASE,
)
# A real "@" with a host without a dot ("jan@localhost") is still an address.
_EMAIL_PLAIN_RE = re.compile(r"(?<![\w.%+\-])" + _LOCAL + r"@" + _LABEL + r"(?![\w\-:/])")
# Spaces around the dots of a domain ("jan @ ziggo . nl"): only before a common top-level domain,
# so "jan@gmail.com. Ik kom" does not take the next word along.
_COMMON_TLDS = r"(?:nl|com|net|org|be|de|eu|info|nu|io|co|uk|fr|biz|me|online|email)"
_EMAIL_SPACED_RE = re.compile(
    r"(?<![\w.%+\-])" + _LOCAL + r"\s*@\s*(?:" + _LABEL + r"\s*\.\s*)+" + _COMMON_TLDS + r"(?![\w\-])",
    re.IGNORECASE,
)


def _candidates_email(text: str) -> Iterable[Found]:
    for regex in (EMAIL_RE, _EMAIL_PLAIN_RE, _EMAIL_SPACED_RE):
        for m in regex.finditer(text):
            value = m.group(0)
            # A spelled-out "at" needs a spelled-out or real dot domain; "ik ben at home" has none.
            yield Found(EMAIL, m.start(), m.end(), value)


# --- addresses ----------------------------------------------------------------

STREET_SUFFIXES = (
    "straat|str\\.|weg|laan|plein|dijk|dyk|dreef|kade|gracht|singel|hof|park|pad|steeg|ring|baan|"
    "markt|brink|diep|einde|wijk|veld|erf|akker|kamp|horst|zoom|wal|oord|haven|kanaal|vaart|allee|"
    "boulevard|dwarsstraat|esch|es|stroom|hoeve|lanen|landen|weide|heem|tuin|hout|burg|stede|wierde|"
    "hoek|gaarde|pas|lei|dam|loop|veen|vlakte|zijl|tocht|wetering|schans|berg|straße|strasse|"
    "plantsoen|promenade|poort|rade|donk|bosch|bos|dal|meer|molen|hei|heide|hoven|borg|drift|kamp|"
    "weer|dreve|wold|velden|akkers|weiden|gaarden|hoeven|lande|land|vennen|ven|zand|laar|lo|beek"
)
_SUFFIX_WORDS = frozenset(s.rstrip("\\.").replace("\\", "") for s in STREET_SUFFIXES.split("|"))
_WORD = r"[^\W\d_][\w'\-]*\.?"
_PARTICLE = r"(?:van|de|der|den|ter|ten|het|'t|op|in|aan|la|le|du|von|dr\.|mr\.|st\.)"
_PREFIX = r"(?:(?:[^\W\d_a-z][\w'\-]*\.?|" + _PARTICLE + r")\s+){0,4}"
_NR = r"(?:\s*(?:nr\.?|no\.?|nummer|huisnummer|huisnr\.?|#)\s*|\s+|(?<=[^\W\d_]))"
_HOUSE_NO = (
    r"(?P<no>[1-9]\d{0,4})(?:-?[A-Za-z](?![\w])|\s[A-Za-z](?![\w]))?(?:\s?[-/]\s?\d{1,4}[A-Za-z]?|\s?(?:bis|hs|huis|rd|zw)\b)?"
)
# What follows a number that makes it a price, age, duration or count, not a house number.
_NOT_HOUSE = (
    r"(?!\s*(?:euro|eur\b|€|uur\b|u\b|jaar|jr\b|keer|x\b|km|kilometer|meter|m\b|min\b|minuten|dagen|dag\b|"
    r"weken|week\b|maanden|maand\b|personen|mensen|kinderen|deelnemers|plaatsen|plekken|%|procent|[.,:]\d|\d))"
)
_SUFFIX_ADDRESS_RE = re.compile(
    r"(?<![\w\-])(?P<street>"
    + _PREFIX
    + r"[^\W\d_]*(?i:"
    + STREET_SUFFIXES
    + r")(?:\s+(?:ZZ|NZ|OZ|WZ))?)"
    + _NR
    + _HOUSE_NO
    + _NOT_HOUSE
)
# After "ik woon", "adres", ... any capitalised street name with a house number.
_ADDRESS_CONTEXT = (
    r"(?:(?:ik|wij|we|hij|zij|ze|moeder|vader|zoon|dochter|oma|opa)\s+(?:woon|woont|wonen)(?:\s+(?:nu|sinds\s+kort|al\s+jaren))?"
    r"|woonachtig|wonend|woonadres|adres(?:\s+is)?|postadres|bezoekadres|huisadres|address|i\s+live)"
    r"\s*(?::|is)?\s*(?:(?:op|aan|in|at|on)\s+)?(?:(?:de|het|'t|the)\s+)?"
)
_CONTEXT_ADDRESS_RE = re.compile(
    r"(?i:"
    + _ADDRESS_CONTEXT
    + r")(?P<street>(?:"
    + _WORD
    + r"\s+){0,4}?"
    + _WORD
    + r")"
    + _NR
    + _HOUSE_NO
    + _NOT_HOUSE
)
_POSTCODE = r"[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}"
_POSTCODE_HOUSE_RE = re.compile(
    r"(?<![\w])(?P<pc>" + _POSTCODE + r")(?![A-Za-z])[\s,]*(?:(?:huisnummer|huisnr\.?|nummer|nr\.?)\s*)?"
    r"(?P<no>[1-9]\d{0,4})(?:\s?[a-z](?![\w]))?(?![\d:.,]\d|\d)" + _NOT_HOUSE
)
# Words that end a sentence about something else but look like streets.
_PREFIX_WORDS_TO_DROP = {
    "op",
    "in",
    "aan",
    "Op",
    "In",
    "Aan",
    "Ik",
    "We",
    "Wij",
    "Mijn",
    "Ons",
    "Onze",
    "U",
    "Uw",
}


def _is_place_with_pc4(words: str, number: str) -> bool:
    """Return True when `words` name a town (Drenthe or elsewhere in NL) and `number` is a four-digit postcode."""
    if not (len(number) == 4 and number[0] != "0"):
        return False
    from socialmap import geo  # lazily: the gazetteer is read once, on the first address-like text

    key = geo.normalise(words)
    return key in geo.load_gazetteer().by_name or key in geo.dutch_places()


def _candidates_address(text: str) -> Iterable[Found]:
    for m in _SUFFIX_ADDRESS_RE.finditer(text):
        street = m.group("street")
        words = street.split()
        if _is_place_with_pc4(" ".join(w for w in words if w not in _PREFIX_WORDS_TO_DROP), m.group("no")):
            continue
        number = int(m.group("no"))
        street_word = words[-1]
        # "zomerkamp 2024", "de ring 1990": a lower-case street-like word before a year is not an address.
        if street_word[:1].islower() and 1900 <= number <= 2100:
            continue
        # A bare suffix word ("weg 3", "park 2") is only an address when capitalised.
        if street_word.lower().rstrip(".") in _SUFFIX_WORDS and not street_word[:1].isupper():
            continue
        start = m.start()
        while words and words[0] in _PREFIX_WORDS_TO_DROP and len(words) > 1:
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        yield Found(ADDRESS, start, m.end(), text[start : m.end()])
    for m in _CONTEXT_ADDRESS_RE.finditer(text):
        street = m.group("street")
        if _is_place_with_pc4(street, m.group("no")):
            continue  # "ik woon in Emmen 7811": a town and its postcode area, not a street address
        first = street.split()[0]
        if not first[:1].isupper() and first.lower() not in _SUFFIX_WORDS:
            # "ik woon in 7741 AB": no street; "ik woon al 3 jaar": not capitalised, not a street.
            if not any(w[:1].isupper() for w in street.split()):
                continue
        yield Found(ADDRESS, m.start("street"), m.end(), text[m.start("street") : m.end()])
    for m in _POSTCODE_HOUSE_RE.finditer(text):
        yield Found(ADDRESS, m.start("pc"), m.end(), text[m.start("pc") : m.end()])


# --- dates of birth -----------------------------------------------------------

MONTHS_NL = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|febr|mrt|maa|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
MONTHS_EN = "january|february|march|april|may|june|july|august|september|october|november|december|mar|oct"
MONTHS = r"(?:" + MONTHS_NL + "|" + MONTHS_EN + r")\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_D = r"(?:0?[1-9]|[12]\d|3[01])"
_M = r"(?:0?[1-9]|1[0-2])"
_DSEP = r"\s*[-/._ ]\s*"
DATE = (
    r"(?:" + _D + _DSEP + _M + _DSEP + r"(?:" + _YEAR + r"|'?\d{2})(?!\d)"  # 12-03-1942, 12 03 1942, 1.3.'42
    r"|" + _YEAR + _DSEP + _M + _DSEP + _D + r"(?!\d)"  # 1942/03/12, 1942-03-12
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:1[89]|20)\d\d(?!\d)"  # 12031942
    r"|"
    + _D
    + r"(?:e|ste|de|st|nd|rd|th)?\s*(?:of\s+|van\s+)?"
    + MONTHS
    + r"\s*,?\s*(?:"
    + _YEAR
    + r"|'\d{2})(?!\d)"
    r"|" + MONTHS + r"\s+" + _D + r"(?:st|nd|rd|th)?\s*,?\s*" + _YEAR + r"(?!\d))"
)
BIRTH_KEY = (
    r"(?:geboren|geb\.?|geboortedatum|geboorte\s*datum|geb\.?\s*datum|geboortedag|geboortejaar|"
    r"date\s+of\s+birth|birth\s*date|birthday|born|dob|d\.o\.b\.?|"
    r"(?:ik|hij|zij|ze|moeder|vader|zoon|dochter|man|vrouw)\s+(?:ben|is)\s+van|jarig\s+op|verjaardag)"
)
# After a birth word a month and year are enough ("geboren in maart 1942"); a year alone stays.
BIRTH_BEFORE_RE = re.compile(
    r"(?<!\[)\b" + BIRTH_KEY + r"(?![a-z])[^\d\n\[]{0,30}?(?P<date>" + DATE + r"|" + MONTHS + r"\s+" + _YEAR
    + r"(?!\d))",
    re.IGNORECASE,
)
BIRTH_AFTER_RE = re.compile(
    r"(?<!\d)(?P<date>" + DATE + r")[^\d\n]{0,12}?\b(?:geboren|born)\b", re.IGNORECASE
)
# A complete date without a birth word: a birth date when its year is at least ten years ago.
_FULL_DATE_RE = re.compile(r"(?<![\d\w])(?P<date>" + DATE + r")", re.IGNORECASE)


def _year_of(value: str) -> int | None:
    years = re.findall(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", value)
    if years:
        return int(years[-1])
    compact = digits_of(value)
    if len(compact) == 8:
        return int(compact[4:])
    return None


def _candidates_birth(text: str) -> Iterable[Found]:
    for regex in (BIRTH_BEFORE_RE, BIRTH_AFTER_RE):
        for m in regex.finditer(text):
            yield Found(BIRTH_DATE, m.start("date"), m.end("date"), m.group("date"))
    limit = date.today().year - 10
    for m in _FULL_DATE_RE.finditer(text):
        value = m.group("date")
        year = _year_of(value)
        # Compact 12031942 and two-digit years need a birth word; a full year decides here.
        if year is None or not re.search(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", value):
            continue
        if len(digits_of(value)) == 8 and value.isdigit():
            continue
        if 1900 <= year <= limit:
            yield Found(BIRTH_DATE, m.start("date"), m.end("date"), value)


# --- putting it together -----------------------------------------------------

# Earlier wins when two findings overlap and are equally long.
_PRIORITY = {EMAIL: 0, IBAN: 1, BIRTH_DATE: 2, BSN: 3, PHONE: 4, ADDRESS: 5}


def _apply(original: str, norm: str, where: list[int], candidates: list[Found]) -> Redaction:
    """Replace the chosen findings in the original text; `where` maps normalised to original positions."""
    chosen: list[Found] = []
    for cand in sorted(candidates, key=lambda f: (-(f.end - f.start), _PRIORITY[f.kind], f.start)):
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    chosen.sort(key=lambda f: f.start)
    # Outside the findings the resident's text stays exactly as typed (dashes, digits, spaces).
    found = [Found(f.kind, where[f.start], where[f.end - 1] + 1, f.value) for f in chosen]
    parts: list[str] = []
    pos = 0
    for f in found:
        parts.append(original[pos : f.start])
        parts.append(TAGS[f.kind])
        pos = f.end
    parts.append(original[pos:])
    return Redaction("".join(parts), found)


def _redact_with(text: Any, finder: Callable[[str], list[Found]], quick: Callable[[str], bool]) -> Redaction:
    original = _as_text(text)
    norm, where = _normalized_with_map(original)
    if not norm or not quick(norm):
        return Redaction(original, [])
    result = _apply(original, norm, where, finder(norm))
    # Further passes catch data that only became visible once a neighbour was replaced
    # (rare; keeps redact idempotent).
    for _ in range(3):
        if not result.found:
            break
        norm, where = _normalized_with_map(result.text)
        again = _apply(result.text, norm, where, finder(norm))
        if not again.found:
            break
        result = Redaction(again.text, result.found + again.found)
    return result


def _all_candidates(text: str) -> list[Found]:
    out: list[Found] = []
    for finder in (
        _candidates_email,
        _candidates_iban,
        _candidates_birth,
        _candidates_bsn_context,
        _candidates_address,
    ):
        out.extend(finder(text))
    out.extend(_candidates_runs(text))
    return out


def _worth_looking(text: str) -> bool:
    return any(ch.isdigit() or ch == "@" for ch in text) or bool(
        re.search(r"\b(?:at|apenstaartje)\b", text, re.IGNORECASE)
    )


def redact(text: Any) -> Redaction:
    """Return the resident's text with personal data replaced by tags, and what was found.

    Outside the tags the text stays as typed (NFC). `Found.start/end` index the
    original text; `Found.value` is the normalised value (ASCII digits), ready
    for a callback. Never raises: anything that is not a string is turned into one first.
    """
    return _redact_with(text, _all_candidates, _worth_looking)


def _bot_candidates(text: str) -> list[Found]:
    candidates: list[Found] = []
    for finder in (_candidates_iban, _candidates_birth, _candidates_bsn_context):
        candidates.extend(finder(text))
    candidates.extend(_candidates_runs(text, mobile_only=True))
    return candidates


def redact_bot_text(text: Any) -> Redaction:
    """Return a bot answer with only a resident's own data replaced (BSN, IBAN, birth date, mobile number).

    Bot answers quote organisations: their phone numbers, e-mail addresses and
    street addresses stay readable.
    """
    return _redact_with(text, _bot_candidates, lambda t: any(ch.isdigit() for ch in t))


def strip_accents(text: str) -> str:
    """Return `text` without diacritics ("suïcide" -> "suicide")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
