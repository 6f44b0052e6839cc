"""Generate the redaction test corpora: personal.txt and ordinary.txt.

Run `python -m tests.socialmap.corpus.make_corpus` to rewrite both files. The
output is committed, so the test does not depend on this script's randomness;
the seed is fixed anyway.

All personal data here is fake but realistic: BSNs pass the 11-proef, IBANs
pass mod-97, phone numbers have Dutch formats, streets exist in Drenthe-like
spelling but are combined with random house numbers.

personal.txt: `<class>\t<expected tags>\t<message>\t<value> | <value>` — every
value must be gone from the redacted message and every tag must appear.
ordinary.txt: `<class>\tRES\t<message>` (resident, `redact`) or
`<class>\tBOT\t<message>` (assistant answer, `redact_bot_text`); neither may change.

The classes are built from their parts, not from a list of examples: every
separator, every digit form and every wrapper is combined with every kind of
value (see CLASS GENERATORS below), so a new separator is one entry in a list.
`python -m tests.socialmap.corpus.make_corpus --report` prints, per class, how
many personal messages are redacted and how many ordinary messages stay.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240613

FIRST = [
    "Jan",
    "Anja",
    "Henk",
    "Gerda",
    "Klaas",
    "Janny",
    "Roelof",
    "Hennie",
    "Albert",
    "Wilma",
    "Fenna",
    "Bert",
    "Hilda",
    "Jannes",
    "Riek",
    "Egbert",
    "Marijke",
    "Lammert",
    "Grietje",
    "Sander",
    "Femke",
    "Daan",
    "Noor",
]
LAST = [
    "Bakker",
    "de Vries",
    "Hoving",
    "Jansen",
    "Mulder",
    "Kuipers",
    "Wolters",
    "Huizing",
    "Oosting",
    "Bos",
    "Smit",
    "Zwiers",
    "Dekker",
    "Lubbers",
    "Meijering",
    "van der Veen",
    "Hofstee",
    "Brink",
    "Schuiling",
]
STREETS = [
    "Kerkstraat",
    "Hoofdstraat",
    "Hoofdweg",
    "Stationsstraat",
    "Molenstraat",
    "Schoolstraat",
    "Dorpsstraat",
    "Beilerstraat",
    "Vaart ZZ",
    "Jan van Galenstraat",
    "Burgemeester Jollesstraat",
    "Oosterdiep",
    "Westerdiep",
    "Brink",
    "Noordeinde",
    "Zuideinde",
    "Esweg",
    "Lindelaan",
    "Eikenlaan",
    "Berkenlaan",
    "Kanaalweg",
    "Marktplein",
    "Kloosterveen",
    "Groningerstraat",
    "Asserstraat",
    "Rolderstraat",
    "Europaweg",
    "Havenkade",
    "Julianalaan",
    "Wilhelminastraat",
    "Prinses Margrietlaan",
    "Emmastraat",
    "Torenlaan",
    "Dwarsdijk",
    "Zuiderhof",
    "Kastanjehof",
    "Meidoornpad",
    "Sportpark",
    "Middenweg",
    "Hunebedweg",
    "Oude Kerkweg",
    "Burgemeester Schönfeldplein",
    "Markt",
    "Dr. Nassaulaan",
    "Van der Feltzpark",
]
TOWNS = [
    "Assen",
    "Emmen",
    "Hoogeveen",
    "Meppel",
    "Coevorden",
    "Zweeloo",
    "Beilen",
    "Westerbork",
    "Gieten",
    "Roden",
    "Borger",
    "Smilde",
    "Norg",
    "Vries",
    "Dwingeloo",
    "Havelte",
    "Klazienaveen",
    "Nieuw-Amsterdam",
]
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_SHORT = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
BANKS = ["ABNA", "RABO", "INGB", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ", "RBRB"]
MAIL_DOMAINS = [
    "gmail.com",
    "hotmail.com",
    "ziggo.nl",
    "kpnmail.nl",
    "live.nl",
    "planet.nl",
    "home.nl",
    "outlook.com",
    "xs4all.nl",
    "hetnet.nl",
]
AREA = ["0592", "0591", "0528", "0522", "0524", "050", "0599", "0593", "0521", "0597"]


def make_bsn(rng: random.Random) -> str:
    """Return a random 9-digit number that passes the 11-proef."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last <= 9:
            return "".join(map(str, digits)) + str(last)


def make_iban(rng: random.Random) -> str:
    """Return a random Dutch IBAN (compact) with a correct mod-97 check."""
    bank = rng.choice(BANKS)
    account = "".join(str(rng.randint(0, 9)) for _ in range(10))
    numeric = "".join(str(int(ch, 36)) for ch in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


def spell_iban(rng: random.Random, iban: str) -> str:
    style = rng.randint(0, 2)
    if style == 0:
        return iban
    if style == 1:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban.lower()


def spell_bsn(rng: random.Random, bsn: str) -> str:
    style = rng.randint(0, 3)
    if style == 0:
        return bsn
    if style == 1:
        return f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}"
    if style == 2:
        return f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}"
    return f"{bsn[:4]} {bsn[4:6]} {bsn[6:]}"


def make_mobile(rng: random.Random) -> str:
    n = "".join(str(rng.randint(0, 9)) for _ in range(8))
    style = rng.randint(0, 7)
    return [
        f"06-{n}",
        f"06 {n[:4]} {n[4:]}",
        f"+31 6 {n}",
        f"00316{n}",
        f"06{n}",
        f"06 {n[:2]} {n[2:4]} {n[4:6]} {n[6:]}",
        f"+316{n}",
        f"+31 (0)6 {n[:2]} {n[2:4]} {n[4:6]} {n[6:]}",
    ][style]


def make_landline(rng: random.Random) -> str:
    area = rng.choice(AREA)
    rest = "".join(str(rng.randint(0, 9)) for _ in range(10 - len(area)))
    style = rng.randint(0, 4)
    if style == 0:
        return f"{area}-{rest}"
    if style == 1:
        return f"({area}) {rest[:3]} {rest[3:]}"
    if style == 2:
        return f"{area} {rest}"
    if style == 3:
        return f"+31 {area[1:]} {rest}"
    return f"{area}{rest}"


def make_service_number(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return (
            f"0800-{rng.randint(1000, 9999)}"
            if rng.random() < 0.5
            else f"0800 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        )
    return (
        f"088 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if rng.random() < 0.5
        else f"088-{rng.randint(1000000, 9999999)}"
    )


def make_email(rng: random.Random) -> str:
    first = rng.choice(FIRST).lower()
    last = rng.choice(LAST).lower().replace(" ", "")
    style = rng.randint(0, 3)
    local = [
        f"{first}.{last}",
        f"{first[0]}{last}{rng.randint(1, 99)}",
        f"{first}_{last}",
        f"{last}.{first}{rng.randint(1950, 2005)}",
    ][style]
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def make_address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    no = str(rng.randint(1, 250))
    style = rng.randint(0, 5)
    if style == 1:
        no += rng.choice("abcd")
    elif style == 2:
        no += f"-{rng.randint(1, 4)}"
    elif style == 3:
        no += f" {rng.choice('ABC')}"
    return f"{street} {no}"


def make_birth(rng: random.Random) -> tuple[str, str]:
    """Return (phrase with the date, the date itself)."""
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1930, 2010)
    style = rng.randint(0, 5)
    date = [
        f"{d:02d}-{m:02d}-{y}",
        f"{d} {MONTHS[m - 1]} {y}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d}-{m}-{y}",
        f"{d} {MONTHS_SHORT[m - 1]} {y}",
        f"{d:02d}.{m:02d}.{y}",
    ][style]
    phrase = rng.choice(
        [
            "geboren op {date}",
            "geb. {date}",
            "mijn geboortedatum is {date}",
            "geboortedatum: {date}",
            "zij is geboren op {date}",
            "hij is op {date} geboren",
            "geb {date}",
            "Geboren {date}",
        ]
    )
    return phrase.format(date=date), date


def personal_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []

    def add(tags: list[str], message: str, values: list[str]) -> None:
        kind = {"[BSN]": "bsn", "[TELEFOON]": "telefoon", "[E-MAIL]": "e-mail", "[IBAN]": "iban"}
        kind.update({"[ADRES]": "adres", "[GEBOORTEDATUM]": "geboortedatum"})
        cls = "gemengd" if len(tags) > 1 else kind[tags[0]] + ": gewoon"
        lines.append(f"{cls}\t{' '.join(tags)}\t{message}\t{' | '.join(values)}")

    for _ in range(60):
        bsn = spell_bsn(rng, make_bsn(rng))
        msg = rng.choice(
            [
                "mijn bsn is {v}",
                "Mijn burgerservicenummer is {v}, kunt u kijken of ik recht heb op de kortingspas?",
                "bsn van mijn moeder: {v} zij woont in {town}",
                "Hierbij mijn BSN {v} voor de aanvraag",
                "ik heb een formulier met nummer {v} erop, wat moet ik daarmee",
                "{v} is mijn bsn nummer",
                "moet ik mijn bsn ({v}) doorgeven voor de mantelzorgwaardering?",
                "het burgerservicenummer van mijn vader is {v}. hij is 84",
            ]
        ).format(v=bsn, town=rng.choice(TOWNS))
        add(["[BSN]"], msg, [bsn])
    for _ in range(60):
        phone = make_mobile(rng) if rng.random() < 0.6 else make_landline(rng)
        msg = rng.choice(
            [
                "u kunt mij bellen op {v}",
                "Mijn nummer is {v}, bel maar na 10 uur",
                "bel me terug op {v} aub",
                "tel {v}",
                "Graag terugbellen: {v}. Ik ben de hele dag thuis.",
                "mijn dochter is bereikbaar op {v} voor vragen over mijn moeder in {town}",
                "{v}",
                "ik ben bereikbaar op {v} tussen 9:00 en 12:00",
                "kunt u een medewerker laten bellen naar {v}? Het gaat over vervoer naar de dagbesteding",
            ]
        ).format(v=phone, town=rng.choice(TOWNS))
        add(["[TELEFOON]"], msg, [phone])
    for _ in range(12):
        phone = make_service_number(rng)
        msg = rng.choice(
            ["mijn werk is bereikbaar op {v}", "bel mij op mijn werknummer {v}", "u kunt me op {v} bereiken"]
        ).format(v=phone)
        add(["[TELEFOON]"], msg, [phone])
    for _ in range(45):
        mail = make_email(rng)
        msg = rng.choice(
            [
                "mijn email is {v}",
                "Kunt u de informatie mailen naar {v}?",
                "stuur maar naar {v} dank u",
                "{v}",
                "E-mail: {v}. Ik woon in {town}.",
                "mail mijn zoon even, {v}, hij regelt het voor mij",
            ]
        ).format(v=mail, town=rng.choice(TOWNS))
        add(["[E-MAIL]"], msg, [mail])
    for _ in range(40):
        iban = spell_iban(rng, make_iban(rng))
        msg = rng.choice(
            [
                "mijn rekeningnummer is {v}",
                "Het geld mag naar {v} t.n.v. {name}",
                "IBAN {v}",
                "kunt u de vergoeding overmaken op {v}?",
                "rekening: {v} (op naam van mijn moeder)",
            ]
        ).format(v=iban, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        add(["[IBAN]"], msg, [iban])
    for _ in range(50):
        address = make_address(rng)
        town = rng.choice(TOWNS)
        msg = rng.choice(
            [
                "ik woon op de {v} in {town}",
                "Mijn adres is {v}, {town}",
                "mijn moeder woont aan de {v} in {town}, is er daar iets in de buurt?",
                "{v} {town}",
                "Kunt u post sturen naar {v}? Ik woon in {town}",
                "wij wonen {v} te {town}",
                "adres van mijn vader: {v}, 9401 AB {town}",
            ]
        ).format(v=address, town=town)
        add(["[ADRES]"], msg, [address])
    for _ in range(45):
        phrase, date = make_birth(rng)
        msg = rng.choice(
            [
                "mijn moeder, {p}, heeft dementie",
                "Ik ben {p} en zoek vrijwilligerswerk",
                "{p}",
                "het gaat om mijn zoon ({p}), hij zoekt een sportclub",
                "voor de kortingspas: {p}, wonend in {town}",
            ]
        ).format(p=phrase, town=rng.choice(TOWNS))
        add(["[GEBOORTEDATUM]"], msg, [date])
    for _ in range(30):
        bsn = spell_bsn(rng, make_bsn(rng))
        phone = make_mobile(rng)
        mail = make_email(rng)
        address = make_address(rng)
        town = rng.choice(TOWNS)
        style = rng.randint(0, 2)
        if style == 0:
            add(
                ["[ADRES]", "[TELEFOON]"],
                f"Ik woon {address} in {town}, mijn nummer is {phone}",
                [address, phone],
            )
        elif style == 1:
            add(["[BSN]", "[E-MAIL]"], f"bsn {bsn} en mail {mail}", [bsn, mail])
        else:
            phrase, date = make_birth(rng)
            add(
                ["[GEBOORTEDATUM]", "[TELEFOON]"],
                f"Mijn vader ({phrase}) is bereikbaar op {phone}",
                [date, phone],
            )
    return lines


ORDINARY_RESIDENT = [
    "ik zoek een koffieochtend in {town}",
    "Is er iets voor ouderen in {pc}?",
    "mijn postcode is {pc}",
    "{pc} {town}",
    "ik woon in {town}, postcode {pc}",
    "kan ik op woensdag om {time} ergens terecht?",
    "is het om {time} open?",
    "hoeveel kost het? meer dan € {price} kan ik niet betalen",
    "het mag maximaal {price} euro kosten",
    "voor mijn zoon van {age}, een sportclub",
    "mijn moeder is {age} jaar en voelt zich eenzaam",
    "ik ben {age} en wil vrijwilligerswerk doen",
    "wij zijn met {count} personen",
    "ik heb {count} kinderen, is er iets voor gezinnen?",
    "ik heb al 113 gebeld maar wil ook iemand in de buurt spreken",
    "ik heb de Luisterlijn gebeld op 088 0767 000, dat hielp",
    "ik woon aan de Kerkstraat, is er iets in de buurt?",
    "is de activiteit op de Hoofdweg in {town}?",
    "vanaf {time} tot {time2}",
    "ik ben sinds {year} mantelzorger voor mijn man",
    "in {year} ben ik met pensioen gegaan",
    "mijn kleinzoon is {age} en zit in groep {count}",
    "bus 21 rijdt niet meer naar {town}",
    "is lijn 4 bereikbaar met de rolstoel?",
    "kunt u mij meer laten zien?",
    "ik heb 113 nodig denk ik niet, ik wil gewoon praten",
    "0800-0113 heb ik opgeschreven, dank u",
    "binnen {count} km van {town}",
    "het is {count} kilometer fietsen",
    "de cursus duurt {count} weken",
    "ik kan dinsdag {date} niet",
    "op {date} ben ik jarig, mag ik dan komen?",
    "is er op {date} nog plek?",
    "om half {count} ben ik vrij",
    "de bijeenkomst is in zaal 2 van het dorpshuis",
    "ik wil graag hulp met mijn computer, ik ben {age}",
    "vervoer naar het ziekenhuis in {town} voor € {price} per rit",
    "{count} uur per week vrijwilligerswerk",
    "kamer 12 van het gemeentehuis?",
    "ik lees de krant van {date}",
    "heeft u het telefoonnummer van de mantelzorgconsulent?",
    "het huis aan het einde van de straat",
    "wij hebben een inkomen van {price} per maand, kom ik in aanmerking?",
    "mijn zoon van {age} wil op voetbal, het kost {price} per jaar",
    "wat is 14 0592 voor nummer?",
    "de activiteit begint om {time} in {pc}",
    "ik ben {age} jaar oud en woon alleen in {town}",
    "rond {time} kan ik",
    "jeugdfonds voor 2 kinderen van {age} en {age2}",
    "ik zie het wel zitten om te helpen bij de voedselbank",
    "hoeveel mensen komen er, ongeveer {count}?",
    "Hoofdstraat in {town} is dat ver van {pc}?",
    "het sportpark in {town} ligt vlakbij",
    "ik fiets 15 km per dag",
    "week 23 ben ik op vakantie",
    "ik wil graag op de ijsbaan 3 keer per week",
    "zomerkamp 2024 voor mijn dochter",
    "schooljaar 2024-2025",
    "mijn pas verloopt op 31-12-2025",
    "vanaf 1 januari 2025 krijg ik AOW",
    "is het gebouw open van 09:00 tot 17:00?",
    "kost het € 2,50 of € 5,-?",
    "ik betaal 12,50 per maand voor de sportclub",
]

ORDINARY_BOT = [
    "U kunt altijd bellen met 113 of gratis met 0800-0113. Dat is anoniem en dag en nacht bereikbaar.",
    "Chatten kan ook via 113.nl.",
    "De Luisterlijn is dag en nacht bereikbaar op 088 0767 000.",
    "Bel de gemeente {muni} op 14 0592 of kijk op www.assen.nl.",
    "{name}: {town}, {street}, {pc} {town}. Telefoon {landline}. E-mail {orgmail}.",
    "Koffieochtend in het dorpshuis. Elke woensdag {time} - {time2}. Kosten: € {price} per keer.",
    "Dit is {count} km bij u vandaan.",
    "Sensoor is bereikbaar op 0900-0767.",
    "Bel de Kindertelefoon gratis op 0800-0432.",
    "Veilig Thuis: 0800-2000, gratis en dag en nacht.",
    "Voor mensen vanaf {age} jaar.",
    "Bel de Mantelzorglijn op 030 760 60 55.",
    "Contact: {landline} of {orgmail}.",
    "Welzijnswerk {town}, {street}, {pc} {town}, telefoon {landline}.",
    "De volgende keer is op {weekday} {date} om {time}.",
    "Gratis. Aanmelden via {orgmail} of {landline}.",
    "Er staan nog {count} plekken open.",
    "Route: https://www.openstreetmap.org/directions?to=52.99{count},6.56{count}",
]

ORGS = [
    "Welzijn Assen",
    "Stichting Present Emmen",
    "Humanitas Drenthe",
    "Dorpshuis De Spil",
    "Sportclub Zweeloo",
    "Vrijwilligerscentrale Hoogeveen",
    "Mantelzorg Drenthe",
    "Bibliotheek Meppel",
    "Repair Café Beilen",
]
WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


def ordinary_lines(rng: random.Random) -> list[str]:
    def fill(template: str) -> str:
        hour = rng.randint(8, 20)
        return template.format(
            town=rng.choice(TOWNS),
            pc=f"{rng.randint(7700, 9499)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            time=f"{hour}:{rng.choice(['00', '15', '30', '45'])}",
            time2=f"{hour + 2}:{rng.choice(['00', '30'])}",
            price=rng.choice(["2,50", "5", "10,-", "12,50", "25", "1.500", "0,75", "3.50"]),
            age=rng.randint(4, 95),
            age2=rng.randint(4, 18),
            count=rng.randint(2, 9),
            year=rng.randint(1990, 2024),
            date=f"{rng.randint(1, 28)}-{rng.randint(1, 12)}"
            if rng.random() < 0.5
            else f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
            muni=rng.choice(["Assen", "Emmen", "Hoogeveen"]),
            name=rng.choice(ORGS),
            street=make_address(rng),
            landline=make_landline(rng),
            orgmail=f"info@{rng.choice(ORGS).lower().replace(' ', '')}.nl",
            weekday=rng.choice(WEEKDAYS),
        )

    lines = [f"gewoon: bewoner\tRES\t{fill(rng.choice(ORDINARY_RESIDENT))}" for _ in range(260)]
    lines += [f"gewoon: bewoner\tRES\t{fill(t)}" for t in ORDINARY_RESIDENT]  # every template at least once
    lines += [f"gewoon: assistent\tBOT\t{fill(rng.choice(ORDINARY_BOT))}" for _ in range(80)]
    lines += [f"gewoon: assistent\tBOT\t{fill(t)}" for t in ORDINARY_BOT]
    return lines


# --- CLASS GENERATORS ---------------------------------------------------------
# Each finding of the security test is a class; each class is a product of parts.

# Separators between digit groups, as residents (and their phones) type them.
SEPARATORS = {
    "spatie": " ",
    "streepje": "-",
    "en-dash": "\u2013",
    "em-dash": "\u2014",
    "minteken": "\u2212",
    "harde spatie": "\u00a0",
    "smalle harde spatie": "\u202f",
    "nulbreedte-spatie": "\u200b",
    "punt": ".",
    "komma": ",",
    "dubbele punt": ":",
    "schuine streep": "/",
    "laag streepje": "_",
    "niets": "",
    "spatie-streepje-spatie": " - ",
}
# Digit forms: ASCII and the decimal digits of other scripts (a phone keyboard may send these).
DIGIT_FORMS = {
    "ascii": "0123456789",
    "volle breedte": "".join(chr(0xFF10 + i) for i in range(10)),
    "arabisch-indisch": "".join(chr(0x0660 + i) for i in range(10)),
    "perzisch": "".join(chr(0x06F0 + i) for i in range(10)),
    "devanagari": "".join(chr(0x0966 + i) for i in range(10)),
    "wiskundig vet": "".join(chr(0x1D7CE + i) for i in range(10)),
}
# What may be glued around a number.
WRAPPERS = {
    "los": "{v}",
    "tel ervoor": "tel{v}",
    "tel: ervoor": "tel:{v}",
    "nr. ervoor": "nr.{v}",
    "haakjes": "({v})",
    "blokhaken": "[{v}]",
    "aanhalingstekens": '"{v}"',
    "punt erna": "{v}.",
    "komma erna": "{v},",
    "vraagteken erna": "{v}?",
}
PHONE_SENTENCES = [
    "u kunt mij bellen op {v}",
    "bel me terug {v} aub",
    "mijn nummer {v} na 10 uur",
    "{v} is mijn mobiel",
    "bereikbaar via {v} in {town}",
]


def _digits(value: str, form: str) -> str:
    table = DIGIT_FORMS[form]
    return "".join(table[int(ch)] if ch.isdigit() else ch for ch in value)


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


def class_personal_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []

    def add(cls: str, tag: str, message: str, value: str) -> None:
        lines.append(f"{cls}\t{tag}\t{message}\t{value}")

    def town() -> str:
        return rng.choice(TOWNS)

    mobile_groupings = [[2, 8], [2, 4, 4], [2, 2, 2, 2, 2], [4, 2, 2, 2], [3, 3, 4]]
    for sep_name, sep in SEPARATORS.items():
        for _ in range(4):
            n = "06" + "".join(str(rng.randint(0, 9)) for _ in range(8))
            v = _grouped(n, rng.choice(mobile_groupings), sep)
            add(
                f"telefoon: scheiding {sep_name}",
                "[TELEFOON]",
                rng.choice(PHONE_SENTENCES).format(v=v, town=town()),
                v,
            )
        for _ in range(2):
            area = rng.choice(AREA)
            n = area + "".join(str(rng.randint(0, 9)) for _ in range(10 - len(area)))
            v = _grouped(n, [len(area), 3, 3], sep)
            add(
                "telefoon: vast met netnummer",
                "[TELEFOON]",
                rng.choice(PHONE_SENTENCES).format(v=v, town=town()),
                v,
            )
    for form in DIGIT_FORMS:
        for _ in range(5):
            n = "06" + "".join(str(rng.randint(0, 9)) for _ in range(8))
            v = _digits(_grouped(n, rng.choice(mobile_groupings), rng.choice([" ", "-", ""])), form)
            add(
                f"telefoon: cijfers {form}",
                "[TELEFOON]",
                rng.choice(PHONE_SENTENCES).format(v=v, town=town()),
                v,
            )
    for wrap_name, wrap in WRAPPERS.items():
        for _ in range(4):
            n = rng.choice(["06", rng.choice(AREA)])
            n = n + "".join(str(rng.randint(0, 9)) for _ in range(10 - len(n)))
            inner = rng.choice([n, _grouped(n, [2, 8] if n.startswith("06") else [4, 6], "-")])
            v = wrap.format(v=inner)
            add(f"telefoon: {wrap_name}", "[TELEFOON]", f"mijn nummer is {v} graag terugbellen", inner)
    for _ in range(8):
        n = "06" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        v = " ".join(n)
        add("telefoon: cijfer voor cijfer", "[TELEFOON]", f"bel {v} alstublieft", v)
    for _ in range(8):
        n = "".join(str(rng.randint(0, 9)) for _ in range(8))
        v = rng.choice([f"+31 6 {n}", f"+31(0)6-{n}", f"0031 6 {n[:4]} {n[4:]}", f"+31\u00a06\u00a0{n}"])
        add("telefoon: landcode", "[TELEFOON]", rng.choice(PHONE_SENTENCES).format(v=v, town=town()), v)
    for _ in range(6):
        v = rng.choice(["+32 470 12 34 56", "+49 151 23456789", "+44 7700 900123", "0049 30 12345678"])
        add("telefoon: buitenland", "[TELEFOON]", f"mijn dochter in het buitenland: {v}", v)

    bsn_groupings = {
        "3-3-3": [3, 3, 3],
        "4-2-3": [4, 2, 3],
        "2-2-2-3": [2, 2, 2, 3],
        "los": [9],
        "1-1-...": [1] * 9,
    }
    bsn_seps = {
        k: v
        for k, v in SEPARATORS.items()
        if k
        in (
            "spatie",
            "streepje",
            "punt",
            "schuine streep",
            "laag streepje",
            "en-dash",
            "harde spatie",
            "nulbreedte-spatie",
        )
    }
    bsn_sentences = [
        "mijn bsn is {v}",
        "{v} is het nummer van mijn moeder",
        "het formulier heeft nummer {v}",
        "burgerservicenummer: {v}.",
        "nummer {v} voor de aanvraag",
    ]
    for group_name, sizes in bsn_groupings.items():
        for sep_name, sep in bsn_seps.items():
            if group_name == "los" and sep_name != "spatie":
                continue
            v = _grouped(make_bsn(rng), sizes, sep)
            add(f"bsn: {group_name} met {sep_name}", "[BSN]", rng.choice(bsn_sentences).format(v=v), v)
    for form in DIGIT_FORMS:
        for _ in range(2):
            v = _digits(_grouped(make_bsn(rng), [3, 3, 3], rng.choice([" ", "", "."])), form)
            add(f"bsn: cijfers {form}", "[BSN]", rng.choice(bsn_sentences).format(v=v), v)

    firsts = ["jan", "anja", "jürgen", "zoë", "renée", "çelik", "møller", "josé"]
    domains = [
        "gmail.com",
        "ziggo.nl",
        "müller.de",
        "bücher.nl",
        "hotmail.com",
        "xn--mller-kva.de",
        "café.nl",
    ]
    email_shapes = {
        "gewoon": "{l}@{d}",
        "unicode": "{l}@{d}",
        "spaties rond @": "{l} @ {d}",
        "at en punt uitgeschreven": "{l} at {h} punt {t}",
        "(at) en (punt)": "{l} (at) {h} (punt) {t}",
        "[at] en [dot]": "{l}[at]{h}[dot]{t}",
        "apenstaartje": "{l} apenstaartje {h} punt {t}",
        "volle breedte @": "{l}\uff20{d}",
        "IP-adres als domein": "{l}@[192.168.{x}.{y}]",
        "IP-adres zonder haken": "{l}@10.0.{x}.{y}",
        "hoofdletters": "{L}@{D}",
    }
    for shape, template in email_shapes.items():
        for _ in range(4):
            first = rng.choice(firsts) if shape == "unicode" else rng.choice(FIRST).lower()
            local = f"{first}.{rng.choice(LAST).lower().replace(' ', '')}{rng.randint(1, 99)}"
            domain = rng.choice(domains) if shape == "unicode" else rng.choice(MAIL_DOMAINS)
            host, tld = domain.rsplit(".", 1)
            v = template.format(
                l=local,
                d=domain,
                h=host,
                t=tld,
                L=local.upper(),
                D=domain.upper(),
                x=rng.randint(0, 255),
                y=rng.randint(1, 254),
            )
            msg = rng.choice(
                ["mail mij op {v} graag", "mijn mail: {v}", "{v}", "stuur het naar {v}, dank u"]
            ).format(v=v)
            add(f"e-mail: {shape}", "[E-MAIL]", msg, v)

    iban_seps = {
        k: v
        for k, v in SEPARATORS.items()
        if k in ("spatie", "streepje", "punt", "laag streepje", "niets", "harde spatie", "schuine streep")
    }
    iban_sentences = [
        "mijn rekeningnummer is {v}",
        "IBAN {v} t.n.v. mijn moeder",
        "overmaken op {v} graag",
        "rekening: {v}.",
    ]
    for sep_name, sep in iban_seps.items():
        for _ in range(3):
            iban = make_iban(rng)
            v = _grouped(iban, [4, 4, 4, 4], sep)
            v = v.lower() if rng.random() < 0.3 else v
            add(f"iban: scheiding {sep_name}", "[IBAN]", rng.choice(iban_sentences).format(v=v), v)
    for _ in range(6):
        iban = make_iban(rng)
        v = rng.choice(
            [_grouped(iban[2:], [2, 4, 4, 4], " "), iban[2:], _grouped(iban[4:], [4, 10], " "), iban[4:]]
        )
        add("iban: zonder landcode", "[IBAN]", rng.choice(iban_sentences).format(v=v), v)
    for _ in range(4):
        v = rng.choice(
            [
                "BE68 5390 0754 7034",
                "DE89 3704 0044 0532 0130 00",
                "be68539007547034",
                "DE89-3704-0044-0532-0130-00",
            ]
        )
        add("iban: buitenlands", "[IBAN]", rng.choice(iban_sentences).format(v=v), v)

    odd_streets = [
        "Bisschopsmolen",
        "Vlindervallei",
        "Het Want",
        "De Hondsrug",
        "Zuiderhaar",
        "Noordesch",
        "Achter de Kerk",
        "Bij de Put",
        "Kloosterhof",
        "De Vennen",
    ]
    accented = [
        "Schönfeldplein",
        "Église straat",
        "Ōsterweg",
        "Crème de la Crèmelaan",
        "Groß-Straße",
        "Łódźstraat",
        "Çarşıweg",
        "Fenêtrelaan",
    ]
    street_choices = [s for s in STREETS if " " not in s] or STREETS
    for _ in range(10):
        street, no = rng.choice(street_choices), rng.randint(1, 250)
        v = rng.choice(
            [
                f"{street} nr. {no}",
                f"{street} nummer {no}",
                f"{street} nr.{no}",
                f"{street} no. {no}",
                f"{street} huisnummer {no}",
            ]
        )
        add("adres: met nr./nummer", "[ADRES]", f"ik woon {v} in {town()}", v)
    for _ in range(8):
        street, no = rng.choice(street_choices), rng.randint(1, 250)
        v = f"{street}{no}{rng.choice(['', 'a', 'b'])}"
        add(
            "adres: nummer vast aan straat",
            "[ADRES]",
            rng.choice(["mijn adres is {v}", "post graag naar {v} {t}", "{v} {t}"]).format(v=v, t=town()),
            v,
        )
    for _ in range(8):
        pc = f"{rng.randint(7700, 9499)} {rng.choice('ABCDEGHJKLMNPRT')}{rng.choice('ABCDEGHJKLMNPRT')}"
        no = rng.randint(1, 250)
        v = rng.choice(
            [f"{pc} {no}", f"{pc.replace(' ', '')} {no}", f"{pc}, huisnummer {no}", f"{pc} nr {no}"]
        )
        add(
            "adres: postcode met huisnummer",
            "[ADRES]",
            rng.choice(["mijn postcode en huisnummer: {v}", "{v}", "ik woon op {v}"]).format(v=v),
            v,
        )
    for street in odd_streets:
        no = rng.randint(1, 150)
        v = f"{street} {no}"
        msg = rng.choice(
            ["ik woon {v} in {t}", "mijn adres is {v}, {t}", "mijn moeder woont op {v}", "adres: {v} te {t}"]
        ).format(v=v, t=town())
        add("adres: straatnaam zonder bekend achtervoegsel", "[ADRES]", msg, v)
    for street in accented:
        no = rng.randint(1, 150)
        v = f"{street} {no}"
        add(
            "adres: straatnaam niet-ASCII",
            "[ADRES]",
            rng.choice(["ik woon {v}", "mijn adres is {v}", "ik woon aan de {v} in {t}"]).format(
                v=v, t=town()
            ),
            v,
        )

    month_en = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    birth_shapes = {
        "dd mm jjjj": lambda d, m, y: f"{d:02d} {m:02d} {y}",
        "ddmmjjjj": lambda d, m, y: f"{d:02d}{m:02d}{y}",
        "jjjj/mm/dd": lambda d, m, y: f"{y}/{m:02d}/{d:02d}",
        "jjjj-mm-dd": lambda d, m, y: f"{y}-{m:02d}-{d:02d}",
        "d-m-jj": lambda d, m, y: f"{d}-{m}-'{str(y)[2:]}",
        "d maand jjjj": lambda d, m, y: f"{d} {MONTHS[m - 1]} {y}",
        "d mnd. jjjj": lambda d, m, y: f"{d} {MONTHS_SHORT[m - 1]}. {y}",
        "Engels Month d, yyyy": lambda d, m, y: f"{month_en[m - 1]} {d}, {y}",
        "Engels dth of Month yyyy": lambda d, m, y: f"{d}th of {month_en[m - 1]} {y}",
        "dd.mm.jjjj": lambda d, m, y: f"{d:02d}.{m:02d}.{y}",
        "dd_mm_jjjj": lambda d, m, y: f"{d:02d}_{m:02d}_{y}",
    }
    birth_contexts = [
        "ik ben van {v}",
        "mijn vader is van {v}",
        "geboren {v}",
        "geb. {v}",
        "geboortedatum {v}",
        "born {v}",
        "date of birth: {v}",
        "ik ben op {v} geboren",
        "{v}",
    ]
    for shape, make in birth_shapes.items():
        for ctx in birth_contexts:
            d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1925, 2010)
            if ctx == "{v}" and (shape in ("ddmmjjjj", "d-m-jj") or y > 2010):
                continue  # a bare compact number or two-digit year is no date without a birth word
            v = make(d, m, y)
            add(f"geboortedatum: {shape}", "[GEBOORTEDATUM]", ctx.format(v=v), v)
    return lines


# Ordinary messages per class: none of them may change.
ORDINARY_CLASSES: dict[str, list[str]] = {
    "tijden": [
        "om {h}:{mm}",
        "om {h}.{mm} uur",
        "is het om {h}:{mm} open?",
        "rond {h}:{mm} ben ik thuis",
        "om {h} uur",
    ],
    "openingstijden": [
        "van {h}:00 tot {h2}:00",
        "{h}:00-{h2}:30",
        "open van {h}.00 - {h2}.00 uur",
        "ma-vr {h}:00–{h2}:00",
        "{h}:{mm} – {h2}:{mm}",
    ],
    "prijzen": [
        "€ {p}",
        "het kost € {p} per keer",
        "{p} euro per maand",
        "EUR {p}",
        "€{p},-",
        "maximaal € {big}",
    ],
    "postcode alleen": [
        "{pc}",
        "mijn postcode is {pc}",
        "ik woon in {pc} {town}",
        "{pc4}",
        "postcode {pc4}",
        "is er iets in {pc4}?",
        "ik woon in {town} {pc4}",
        "Ik woon in {town} {pc4}.",
        "wij wonen in {town} {pc4} en zoeken hulp",
    ],
    "leeftijden": [
        "ik ben {age}",
        "ik ben {age} jaar",
        "mijn moeder is {age}",
        "voor mijn zoon van {age}",
        "mensen van {age} tot {age2} jaar",
    ],
    "aantallen": [
        "ik heb {n} kinderen",
        "wij zijn met {n} personen",
        "er staan {n} huizen in onze straat",
        "{n} huizen verderop",
        "we wonen met {n} gezinnen in het blok",
    ],
    "jaartallen": [
        "sinds {year}",
        "sinds {year} mantelzorger",
        "in {year} verhuisd",
        "van {year} tot {year2}",
        "schooljaar {year}-{year2}",
    ],
    "landelijke nummers": [
        "bel 113",
        "ik heb 113 gebeld",
        "0800-0113",
        "0800 0113",
        "08000113",
        "14 0592",
        "bel 14 0592",
        "112 gebeld",
        "De Luisterlijn 088 0767 000",
        "0900-0767",
    ],
    "datums zonder jaar of recent": [
        "op {d}-{m}",
        "op {d} {month}",
        "op {d}-{m}-2025",
        "vanaf {d} {month} 2026",
        "mijn pas verloopt {d}-{m}-2027",
    ],
    "afstanden en lijnen": ["binnen {n} km", "bus {n}{n}", "lijn {n}", "{n}{n} km fietsen", "kamer {n}{n}"],
    "straat zonder nummer": [
        "ik woon aan de Kerkstraat",
        "op de Hoofdweg in {town}",
        "is dat bij de Brink?",
        "in de Molenstraat is een buurthuis",
        "de ijsbaan 3 keer per week",
    ],
}


def class_ordinary_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for cls, templates in ORDINARY_CLASSES.items():
        for template in templates:
            for _ in range(4):
                h = rng.randint(7, 19)
                message = template.format(
                    h=h,
                    h2=h + rng.randint(1, 4),
                    mm=rng.choice(["00", "15", "30", "45"]),
                    p=rng.choice(["2,50", "5", "0,75", "12,50", "3.50", "25"]),
                    big=rng.choice(["1.500", "2.000", "750"]),
                    pc=f"{rng.randint(7700, 9499)} {rng.choice('ABCDEGHJKLMNPRT')}{rng.choice('ABCDEGHJKLMNPRT')}",
                    pc4=str(rng.randint(7700, 9499)),
                    town=rng.choice(TOWNS),
                    age=rng.randint(4, 99),
                    age2=rng.randint(4, 99),
                    n=rng.randint(2, 9),
                    year=rng.randint(1990, 2026),
                    year2=rng.randint(1990, 2026),
                    d=rng.randint(1, 28),
                    m=rng.randint(1, 12),
                    month=rng.choice(MONTHS),
                )
                lines.append(f"gewoon: {cls}\tRES\t{message}")
    return lines


def report(corpus_dir: Path = HERE) -> str:
    """Return a table: per class, how many personal messages are redacted and ordinary ones stay."""
    from socialmap.redaction import normalize, redact, redact_bot_text

    rows: dict[str, list[int]] = {}
    for line in (corpus_dir / "personal.txt").read_text(encoding="utf-8").splitlines():
        cls, tags, message, values = line.split("\t")
        out = redact(message).text
        ok = personal_ok(out, tags, values, normalize)
        row = rows.setdefault(cls, [0, 0])
        row[0] += int(ok)
        row[1] += 1
    for line in (corpus_dir / "ordinary.txt").read_text(encoding="utf-8").splitlines():
        cls, who, message = line.split("\t")
        out = (redact if who == "RES" else redact_bot_text)(message).text
        row = rows.setdefault(cls, [0, 0])
        row[0] += int(out == message)
        row[1] += 1
    width = max(len(c) for c in rows)
    out = [f"{'class'.ljust(width)}  ok/total"]
    out += [f"{cls.ljust(width)}  {ok}/{total}" for cls, (ok, total) in sorted(rows.items())]
    return "\n".join(out)


def personal_ok(out: str, tags: str, values: str, normalize: object) -> bool:
    """Return True when no value is left in `out` and every expected tag is there."""
    norm = normalize  # type: ignore[assignment]
    for value in values.split(" | "):
        if value in out or norm(value) in out:  # type: ignore[operator]
            return False
    return all(out.count(t) >= tags.split().count(t) for t in tags.split())


def main() -> None:
    if "--report" in sys.argv[1:]:
        print(report())
        return
    rng = random.Random(SEED)
    personal = personal_lines(rng) + class_personal_lines(random.Random(SEED + 1))
    ordinary = ordinary_lines(rng) + class_ordinary_lines(random.Random(SEED + 2))
    (HERE / "personal.txt").write_text("\n".join(personal) + "\n", encoding="utf-8")
    (HERE / "ordinary.txt").write_text("\n".join(ordinary) + "\n", encoding="utf-8")
    print(f"personal.txt: {len(personal)} lines, ordinary.txt: {len(ordinary)} lines")


if __name__ == "__main__":
    main()
