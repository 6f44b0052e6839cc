"""Generate the redaction test corpora: personal.txt and ordinary.txt.

Run `python -m tests.socialmap.corpus.make_corpus` to rewrite both files. The
output is committed, so the test does not depend on this script's randomness;
the seed is fixed anyway.

All personal data here is fake but realistic: BSNs pass the 11-proef, IBANs
pass mod-97, phone numbers have Dutch formats, streets exist in Drenthe-like
spelling but are combined with random house numbers.

personal.txt: `<expected tags>\t<message>\t<value> | <value>` — every value
must be gone from the redacted message and every tag must appear.
ordinary.txt: `RES\t<message>` (resident, `redact`) or `BOT\t<message>`
(assistant answer, `redact_bot_text`); neither may change.
"""

from __future__ import annotations

import random
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
        lines.append(f"{' '.join(tags)}\t{message}\t{' | '.join(values)}")

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

    lines = [f"RES\t{fill(rng.choice(ORDINARY_RESIDENT))}" for _ in range(260)]
    lines += [f"RES\t{fill(t)}" for t in ORDINARY_RESIDENT]  # every template at least once
    lines += [f"BOT\t{fill(rng.choice(ORDINARY_BOT))}" for _ in range(80)]
    lines += [f"BOT\t{fill(t)}" for t in ORDINARY_BOT]
    return lines


def main() -> None:
    rng = random.Random(SEED)
    personal = personal_lines(rng)
    ordinary = ordinary_lines(rng)
    (HERE / "personal.txt").write_text("\n".join(personal) + "\n", encoding="utf-8")
    (HERE / "ordinary.txt").write_text("\n".join(ordinary) + "\n", encoding="utf-8")
    print(f"personal.txt: {len(personal)} lines, ordinary.txt: {len(ordinary)} lines")


if __name__ == "__main__":
    main()
