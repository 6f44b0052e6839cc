"""The social-map taxonomy: stable English codes for code, Dutch labels for residents.

Categories and sub-categories are HSDS taxonomy terms of the taxonomy
`sociale-kaart`; audiences are terms of the taxonomy `doelgroep`. Services link to
them through HSDS `attribute` rows (link_type "service").
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_TAXONOMY_ID = "sociale-kaart"
AUDIENCE_TAXONOMY_ID = "doelgroep"


@dataclass(frozen=True)
class Term:
    code: str
    label: str  # Dutch, for residents
    description: str
    parent: str | None = None


CATEGORIES: dict[str, Term] = {
    t.code: t
    for t in [
        Term("meeting", "Ontmoeten", "Plekken en activiteiten om andere mensen te ontmoeten"),
        Term("volunteer", "Vrijwilligerswerk", "Vacatures voor vrijwilligers"),
        Term("carer", "Mantelzorg", "Steun voor mantelzorgers"),
        Term("youth", "Jongeren", "Sport, jongerenwerk en steun voor jongeren van 15 tot 24 jaar"),
        Term("money", "Geld en korting", "Regelingen en korting voor mensen met een laag inkomen"),
        Term("digital", "Digitale hulp", "Hulp bij computer, telefoon en DigiD"),
        Term("transport", "Vervoer", "Hulp bij vervoer"),
        Term("talk", "Iemand om mee te praten", "Luisterlijnen en hulplijnen"),
        Term("retirement", "Rond uw pensioen", "Cursussen en activiteiten rond het pensioen"),
        Term("newcomer", "Nieuw in de buurt", "Welkom en hulp voor nieuwe inwoners"),
    ]
}

SUBCATEGORIES: dict[str, Term] = {
    t.code: t
    for t in [
        # meeting
        Term("community_centre", "Buurthuis of dorpshuis", "Een huis in de buurt of het dorp om elkaar te zien", "meeting"),
        Term("coffee_morning", "Koffieochtend", "Samen koffie drinken en praten", "meeting"),
        Term("shop_coffee_corner", "Koffiehoek in een winkel", "Een koffietafel bij de bakker, supermarkt of kapper", "meeting"),
        Term("shared_meal", "Eettafel", "Samen eten met anderen", "meeting"),
        Term("walking_group", "Wandelgroep", "Samen wandelen", "meeting"),
        Term("hobby_club", "Hobby- of creatieve club", "Samen iets maken of doen", "meeting"),
        Term("library_activity", "Activiteit in de bibliotheek", "Leesclubs, lezingen en taalcafés", "meeting"),
        Term("neighbour_help", "Burenhulp en buurtinitiatief", "Buren die elkaar helpen", "meeting"),
        # volunteer
        Term("volunteer_vacancy", "Vacature vrijwilligerswerk", "Een plek waar u vrijwilliger kunt zijn", "volunteer"),
        # carer
        Term("respite_care", "Respijtzorg", "Iemand neemt de zorg even van u over, zodat u rust heeft", "carer"),
        Term("short_stay", "Logeeropvang", "Uw naaste logeert een paar dagen ergens anders", "carer"),
        Term("day_care", "Dagbesteding", "Een zinvolle dag buiten de deur voor uw naaste", "carer"),
        Term("carer_consultant", "Mantelzorgconsulent", "Iemand die met u meedenkt over de zorg", "carer"),
        Term("peer_group", "Lotgenotengroep", "Praten met mensen in dezelfde situatie", "carer"),
        Term("carer_appreciation", "Mantelzorgwaardering", "Een jaarlijks bedankje van de gemeente", "carer"),
        # youth
        Term("youth_sport", "Sportclub voor jongeren", "Sporten bij een club of in de buurt", "youth"),
        Term("youth_work", "Jongerenwerk", "Jongerenwerkers en een plek om te chillen", "youth"),
        Term("social_skills", "Sociale vaardigheden", "Trainingen zoals Kanjertraining", "youth"),
        Term("buddy", "Buddyproject", "Een maatje dat met je optrekt", "youth"),
        # money
        Term("discount_pass", "Kortingspas of meedoenregeling", "Korting op sport, cultuur en uitjes", "money"),
        Term("youth_fund", "Jeugdfonds Sport & Cultuur", "Betaalt sport of cultuur voor kinderen", "money"),
        Term("special_assistance", "Bijzondere bijstand", "Geld voor kosten die u niet zelf kunt betalen", "money"),
        # digital
        Term("digital_course", "Cursus digitale vaardigheden", "Leren werken met computer of telefoon", "digital"),
        Term("digital_walk_in", "Inloophulp digitale overheid", "Hulp bij DigiD en formulieren, zonder afspraak", "digital"),
        # transport
        Term("regiotaxi", "Regiotaxi", "Vervoer op afroep in de regio", "transport"),
        Term("volunteer_driver", "Vrijwillige chauffeurs", "Vrijwilligers rijden u voor een klein bedrag", "transport"),
        # talk
        Term("helpline", "Hulplijn", "Een telefoonlijn of chat om mee te praten", "talk"),
        # retirement
        Term("pension_course", "Cursus voorbereiding pensioen", "Nadenken over de tijd na uw werk", "retirement"),
        # newcomer
        Term("welcome_newcomer", "Welkom voor nieuwe inwoners", "Kennismaken met de buurt", "newcomer"),
        Term("welcome_vulnerable", "Kwartier maken", "Een warm welkom voor nieuwe inwoners met psychische kwetsbaarheid", "newcomer"),
    ]
}

AUDIENCES: dict[str, Term] = {
    t.code: t
    for t in [
        Term("iedereen", "Iedereen", "Voor alle inwoners"),
        Term("mantelzorgers", "Mantelzorgers", "Mensen die zorgen voor een naaste"),
        Term("jongeren", "Jongeren", "Jongeren van 15 tot 24 jaar"),
        Term("ouderen", "Ouderen", "Mensen van 65 jaar en ouder"),
        Term("gepensioneerden", "Rond pensioen", "Mensen van ongeveer 60 tot 75 jaar"),
        Term("minima", "Laag inkomen", "Mensen met een laag inkomen"),
        Term("nieuwkomers", "Nieuwe inwoners", "Mensen die net in de gemeente wonen"),
        Term("kinderen", "Kinderen", "Kinderen tot 15 jaar"),
    ]
}

# Words residents use for audiences (NLU entity values) -> audience code.
AUDIENCE_SYNONYMS: dict[str, str] = {
    "mantelzorger": "mantelzorgers",
    "mantelzorgers": "mantelzorgers",
    "jongere": "jongeren",
    "jongeren": "jongeren",
    "jongeren ": "jongeren",
    "oudere": "ouderen",
    "ouderen": "ouderen",
    "senior": "ouderen",
    "senioren": "ouderen",
    "gepensioneerd": "gepensioneerden",
    "gepensioneerde": "gepensioneerden",
    "gepensioneerden": "gepensioneerden",
    "minima": "minima",
    "laag inkomen": "minima",
    "nieuwkomer": "nieuwkomers",
    "nieuwkomers": "nieuwkomers",
    "nieuwe inwoner": "nieuwkomers",
    "kind": "kinderen",
    "kinderen": "kinderen",
}


# Sub-categories that are schemes of a municipality for its own residents (minima, bijstand,
# mantelzorgwaardering): with a municipal service area they never reach another municipality's residents.
MUNICIPAL_SCHEMES = frozenset({"discount_pass", "special_assistance", "carer_appreciation"})

# Audiences that mean "a young person": services only for them need a young resident (or a parent asking).
YOUNG_AUDIENCES = frozenset({"jongeren", "kinderen"})
# A service whose maximum age is at most this is a youth-only service.
YOUTH_MAX_AGE = 24


def category_of(code: str) -> str:
    """Return the top-level category code of a category or sub-category code."""
    if code in CATEGORIES:
        return code
    term = SUBCATEGORIES.get(code)
    if term is None or term.parent is None:
        raise KeyError(code)
    return term.parent


def label(code: str) -> str:
    """Return the Dutch label of any term code (category, sub-category or audience)."""
    for table in (SUBCATEGORIES, CATEGORIES, AUDIENCES):
        if code in table:
            return table[code].label
    raise KeyError(code)
