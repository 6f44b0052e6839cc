"""Rule-based safety net in two tiers: suicidality (crisis) and distress without it.

The NLU model classifies crisis messages too, but a model can miss a phrase
it never saw. `assess` backs it up with hand-written patterns:

* CRISIS, explicit suicidality or self-harm, said directly or indirectly:
  113 first. The ways people in the Netherlands (and in Drenthe, in Drents)
  say it: "ik wil dood", "iedereen is
beter af zonder mij", "mijn moeder zegt dat ze dood wil", "ik beschadig
mezelf", "ik wil mijn man achterna".
* DISTRESS, hopelessness without suicidality: "ik kan niet meer", "het hoeft
  voor mij niet meer", "ik zie het niet meer zitten", "alles is zwart", "ik ben
  zo moe van alles", "'t hoeft veur mij nait meer". 113 / De Luisterlijn with
  care, and the assistant keeps helping.
* CARER_FATIGUE: the same exhaustion in a message about caring for someone
  ("ik kan het niet meer aan, de zorg voor mijn man"): respite care, no 113.
  Hopelessness (the DISTRESS patterns) counts as distress also from a carer.

`is_crisis` keeps its old promise to callers that decide whether 113 is owed
(the channel's turn guard): True for CRISIS and DISTRESS.

Design choices:
* Recall first. A false alarm shows the 113 numbers and offers a medewerker,
  which does no harm; a missed crisis can. So "ik wil dood, graag koffie" is
  flagged, and so is a worry about someone else ("mijn dochter snijdt
  zichzelf"), because 113 helps the people around someone at risk too.
* Grief is not a crisis: "de dood van mijn man", "mijn vader is overleden",
  "sinds mijn vrouw er niet meer is", "ik ben doodmoe" are not flagged. Only a
  wish to follow the dead ("ik wil naar mijn overleden man toe") is.
* "zelfmoordpreventie" / "suïcidepreventie" on its own (someone who wants to
  volunteer there) is not flagged; any other mention of suicide is, also when
  it concerns someone else ("mijn zoon heeft zelfmoord gepleegd"), because
  113 supports the bereaved too.
* Patterns may detect method words ("pillen sparen") so that the person gets
  help; the replies elsewhere never name a method.

Matching runs on normalised text (see `normalise`) in two ways:
* `_ANYWHERE` patterns search the whole message, punctuation removed;
* `_WHOLE_CLAUSE` patterns must fill a clause on their own (text between
  , . ; ! ? and line breaks). Short phrases such as "ik wil niet meer" are a
  crisis when said on their own, but not in "ik wil niet meer wachten".

No model, no I/O: precompiled regexes, about 0.1 ms for a chat message and
10 ms for the longest (5000 characters) on one core.
"""

from __future__ import annotations

import re
import unicodedata

# Reflexive "myself" (and "himself/herself", so worries about others count).
# Bare "zelf" is left out on purpose: "ik heb zelf pijn", "de groenten zelf
# snijden".
_ME = r"(?:mezelf|mijzelf|me zelf|mij zelf|m zelf|mn zelf|zichzelf|zich zelf|haarzelf|hemzelf)"
# Words that may stand between a self-harm verb and "mezelf" ("ik doe mezelf
# expres pijn"); a closed list, so "ik snij taart voor mezelf" stays out.
_SH_ADV = (
    r"(?:weer|vaak|soms|expres|express|opzettelijk|bewust|steeds|nog|al|echt|regelmatig"
    r"|telkens|ook|dan|wel|eens|zo|elke dag|iedere dag)"
)
_MY = r"(?:mijn|m|mn|me)"
# Who the message is about: the writer, or someone close to them.
_SUBJECT = r"(?:ik|ze|zij|hij|je|u)"
# Adverbs that may stand between "wil" and "dood" without changing the meaning
# (a closed list: "ik wil weten of hij dood is" must not match).
_ADV = (
    r"(?:graag|gewoon|echt|eigenlijk|het liefst|liefst|liever|soms|nu|zo|al|ook|maar|dan"
    r"|vaak|steeds|best|gewoonweg|wel|zelf|morgen|vandaag|vanavond|vannacht)"
)
_DIE = r"(?:dood|doodgaan|dood gaan|sterven|dood zijn|overlijden)"
_DEAD_PERSON = (
    r"(?:vrouw|man|partner|moeder|vader|mama|papa|ma|pa|zoon|dochter|kind|ouders"
    r"|broer|zus|opa|oma|vriend|vriendin|maatje)"
)

_ANYWHERE: list[str] = [
    # --- Suicide named, with frequent misspellings -------------------------
    # suïcide, suicde, sucide, zuicide, suicidaal, suicidale, suicidaliteit
    r"\b[sz]u[iy]?[cs]i?d(?:e|aal|ale|aliteit|ai)",
    r"\bsuicidal",
    # zelfmoord, zelfmoort, zelmoord, zelfmord, selfmoord, zelf moord
    r"\b[sz]e?l[fv]? ?mo+r[dt]",
    r"\bzelfdod(?:ing|en)",
    r"\bzelfdoding",
    r"\bdoodswens\b",
    r"\blevensmoe\b",
    r"\bafscheidsbrie(?:f|ven)\b",
    # --- Wanting to die (any person) ----------------------------------------
    # "ik wil dood", "mijn vader wil dood", "ik wil gewoon sterven";
    # "(?! van)" keeps "ik wil de dood van mijn moeder verwerken" out.
    r"\b(?:wil|wilt|wou|wilde|willen|zou willen) (?:" + _ADV + r" )*" + _DIE + r"\b(?! van)",
    # Subordinate word order: "mijn moeder zegt dat ze dood wil".
    r"\b(?:ik|ze|zij|hij|je|u) (?:" + _ADV + r" )*(?:dood|sterven) (?:wil|wilt|wou|wilde|willen)\b",
    # Freer word order ("ik zou het liefst dood zijn"), but not a question
    # about someone else: "ik wil weten of hij dood is".
    r"\b(?:ik|k) (?:wil|wou|wilde|zou)\b(?! (?:\w+ )?(?:weten|vragen|horen|zien|zeker)\b)(?: \w+){0,3}? "
    r"(?:dood|doodgaan|dood gaan|sterven|dood zijn)\b(?! (?:van|is|was)\b)",
    r"\b(?:wil|wou|zou) ik (?:\w+ ){0,3}?(?:dood|doodgaan|sterven)\b(?! van)",
    r"\bniet erg (?:vinden )?(?:om )?(?:dood te gaan|als ik dood ga|te sterven)\b",
    r"\b(?:liefst|liever|beter) dood\b",
    r"\b(?:wou|wilde|wens|zou willen) dat ik (?:dood|nooit geboren) (?:was|ben)\b",
    r"\bwas ik (?:maar )?(?:dood|nooit geboren)\b",
    r"\bnooit geboren (?:te )?(?:zijn|was|wezen)\b",
    r"\bdood willen\b",
    # "ik denk steeds aan de dood", but not "aan de dood van mijn man".
    r"\bdenk\w* (?:\w+ ){0,2}?aan de dood\b(?! van)",
    # --- Not wanting to live ------------------------------------------------
    # "ik wil/hoef/kan niet meer (te/verder) leven", "niet langer leven".
    # "(?! van)": "ik kan niet meer leven van mijn pensioen" is about money.
    r"\bniet (?:meer|langer) (?:zo )?(?:te |verder |door )?(?:willen |wil |wilt |kunnen |kan )?(?:te )?leven\b"
    r"(?! van\b)",
    r"\b(?:wil|wilt|willen|hoef|hoeft|kan|kun|kunnen) (?:\w+ ){0,2}?niet (?:meer|langer) (?:verder |zo )?(?:te )?leven\b(?! van\b)",
    r"\b(?:wil|wilt|wou) niet (?:meer )?leven\b",
    r"\bwil (?:niet meer|nooit meer) (?:verder leven|wakker worden)\b",
    r"\b(?:stoppen|ophouden|kappen|klaar) (?:\w+ )?met (?:het |mijn |zijn |haar )?leven\b",
    r"\bklaar (?:is |ben |zijn )?met (?:het |mijn |zijn |haar )?leven\b",
    # "ik ben het leven zat", but not "mijn leven zat vol zorgen" (zitten).
    r"\b(?:ben|is|zijn|was|raak|raakt) (?:\w+ )?(?:het|mijn|zijn|haar) leven (?:echt |zo )?(?:zat|beu|moe)\b"
    r"(?! (?:vol|tegen|in|op|er|mee)\b)",
    r"\bverdien (?:het )?(?:niet|niet meer) (?:om )?te leven\b",
    r"\bwaarom (?:zou|moet) ik (?:nog )?(?:\w+ )?(?:leven|doorgaan)\b",
    r"\bwat heeft (?:het|mijn) leven (?:nog )?(?:voor )?zin\b",
    r"\b(?:weg|ontsnappen|vertrekken) uit (?:dit|het|mijn) leven\b",
    r"\b(?:wil|wens|verlang|verlangen) (?:\w+ ){0,2}?(?:de |naar de )?eeuwige (?:rust|slaap)\b",
    r"\bmijn leven (?:stopt|eindigt|houdt op|is voorbij)\b(?! niet)",
    # Not waking up: "ik hoop dat ik niet meer wakker word", "ik wou dat ik
    # niet meer wakker werd". First person only: "hij werd nooit meer wakker"
    # is grief.
    r"\b(?:wil|wilde|hoop|wou|wens)(?: \w+){0,4}? (?:niet|nooit) meer wakker\b",
    r"\bniet meer wakker (?:worden|te worden|wil worden)\b",
    # Not being here any more, said of oneself: "als ik er niet meer ben",
    # "ik er niet meer zal zijn", "ik wil er niet meer zijn". Third person
    # ("sinds mijn moeder er niet meer is") is grief, so "ik" is required.
    r"\bik er (?:\w+ ){0,2}?niet meer (?:ben|was|zal zijn|zou zijn|wil zijn|kan zijn|wezen)\b",
    # At the end only: "kan ik er niet meer tegen" is a different idiom.
    r"\b(?:ben|zal) ik er (?:\w+ )?niet meer(?: zijn)?$",
    r"\bwil ik er (?:\w+ )?niet meer zijn\b",
    r"\b(?:binnenkort|straks|gauw|snel|bijna) ben ik er niet meer\b",
    r"\bben (?:ik )?er (?:binnenkort|straks|gauw|snel|bijna) niet meer\b",
    r"\bik (?:wil|kan|kon|zou) (?:er|hier) (?:\w+ ){0,2}?niet meer (?:bij )?(?:zijn|wezen)\b",
    r"\b(?:ik|wil|wilde|willen) er (?:echt )?niet meer (?:bij )?(?:zijn|wezen)\b",
    r"\ber niet meer (?:bij )?(?:willen|wil) (?:zijn|wezen)\b",
    r"\bwil(?:de)? (?:gewoon |het liefst )?verdwijnen\b(?! uit)",
    # --- Ending one's life ---------------------------------------------------
    r"\b(?:eind|einde) (?:maken )?aan (?:mijn|m|mn|me|het|zijn|haar) leven\b",
    r"\ber (?:\w+ )?een (?:eind|einde) aan (?:\w+ ){0,2}?(?:maken|te maken|maak|maakt|gemaakt)\b",
    r"\b(?:maak|maakt|maken) (?:ik |hij |ze |zij )?(?:\w+ )?er (?:\w+ )?een (?:eind|einde) aan\b",
    r"\bpunt achter (?:mijn leven|het leven|alles) (?:zetten|zet)\b",
    r"\bpunt achter (?:zetten|zet) met (?:alles|het leven|mijn leven)\b",
    r"\b" + _MY + r" leven (?:beeindigen|beindigen|nemen|afmaken)\b",
    r"\bvan het leven (?:te )?beroven\b",
    r"\buit het leven (?:\w+ )?(?:stappen|te stappen|gaan|stap|stapt|stapte|gestapt)\b",
    r"\bwil (?:\w+ )?(?:er ?uit|eruit) stappen$",
    r"\bvan kant (?:maken|te maken|maak)\b",
    r"\b" + _ME + r" (?:ophangen|doden|vermoorden|verdrinken|van kant)\b",
    r"\bvoor de trein (?:springen|te springen|gaan liggen|spring)\b",
    r"\bvan (?:een |het |de )?(?:flat|brug|dak|gebouw) (?:springen|te springen|af springen|spring)\b",
    r"\b(?:alle |al mijn |een hoop )?pillen (?:innemen|in te nemen|slikken|te slikken) (?:en|om|zodat)\b",
    # Collecting means is a warning sign in itself: "ik spaar slaappillen".
    r"\b(?:slaap)?(?:pillen|tabletten|medicijnen) (?:\w+ )?(?:sparen|spaar|opsparen|gespaard|verzamelen|verzamel|verzameld)\b",
    r"\b(?:spaar|sparen|verzamel|verzamelen) (?:\w+ ){0,2}?(?:slaap)?(?:pillen|tabletten|medicijnen)\b",
    r"\boverdosis\b",
    # "het is op, ik maak het vanavond af": only together with "het is op",
    # because "ik maak het morgen af" alone is about a form or a craft.
    r"^het is (?:helemaal )?op\b.*\bmaak (?:het|er) (?:\w+ )?af\b",
    # "mijn vader heeft een poging gedaan" (at the end: not "een poging gedaan
    # om te bellen").
    r"\b(?:heb|heeft|hebben|had|hadden|deed|doet)(?: \w+){0,3}? een poging(?: gedaan| gewaagd)?$",
    # Saying goodbye for good.
    r"\bafscheid (?:\w+ ){0,2}?(?:genomen|nemen|te nemen) van iedereen\b"
    r"(?! (?:\w+ ){0,3}?(?:werk|pensioen|collega\w*|baan|school|club|vereniging)\b)",
    r"\bmijn (?:eigen )?afscheid (?:\w+ ){0,2}?(?:voorbereid|voorbereiden|geregeld|regelen)\b",
    # Following the dead: "ik wil mijn vrouw achterna", "ik wil naar de
    # hemel", "ik wil bij mijn overleden zoon zijn". "Mijn vrouw is in de
    # hemel" alone is grief and stays out.
    r"\b(?:wil|wou|ga|zou) (?:ik )?(?:graag )?(?:" + _MY + r" \w+|hem|haar|ze) (?:\w+ )?achterna\b",
    r"\b(?:ik wil|wil ik|ik wou|wou ik|was ik|ik zou)(?: \w+){0,4}? (?:naar|in) de hemel\b",
    r"\bwil (?:ik )?naar boven (?:naar|bij)\b",
    r"\b(?:wil|wou|zou) (?:ik )?(?:\w+ ){0,2}?(?:naar|bij) " + _MY + r" overleden " + _DEAD_PERSON + r"\b",
    # --- Self-harm (oneself or someone else) -------------------------------
    r"\b"
    + _ME
    + r" (?:iets |wat )?(?:\w+ )?(?:aan ?doen|aan ?te doen|aandoe|aandoet|aan gedaan|aangedaan)\b",
    r"\b(?:doe|doet|deed|ga|gaat|zal|zou) (?:ik |hij |ze |zij )?" + _ME + r" (?:iets |wat )aan\b",
    r"\bik (?:\w+ ){0,2}?me (?:iets|wat) (?:\w+ )?(?:aandoen|aandoe|aan te doen|aan doen)\b",
    r"\b" + _ME + r" (?:" + _SH_ADV + r" )*(?:pijn|beschadig\w*|verwond\w*|gesneden|snijden|te snijden"
    r"|gekrast|krassen|branden|gebrand)\b",
    r"\b(?:beschadig|beschadigt|beschadigde|verwond|verwondt|verwondde|snij|snijd|snijdt|sneed"
    r"|kras|krast|kraste|brand|brandt) (?:ik |hij |ze |zij )?(?:" + _SH_ADV + r" )*" + _ME + r"\b",
    # Plain "me" only with words that mean harm on purpose: "het doet me pijn
    # dat..." and "ik heb me pijn gedaan bij het vallen" stay out.
    r"\bik (?:" + _SH_ADV + r" |wil |ga |zal )*me (?:" + _SH_ADV + r" )*(?:beschadigen|beschadig|verwonden"
    r"|verwond|pijn doen|pijn te doen|snijden|te snijden)\b",
    r"\b(?:doe|doet|deed) (?:ik |hij |ze |zij )?" + _ME + r" (?:\w+ )?pijn\b",
    # "ik beschadig me", "ik heb me weer gesneden"; a cut alone in a longer
    # sentence ("ik heb me gesneden aan een mes") is an accident.
    r"\b(?:beschadig|beschadigt|beschadigde|verwond|verwondt|verwondde) (?:ik |hij |ze |zij )?"
    r"(?:" + _SH_ADV + r" )*(?:me|zich)\b",
    r"\b(?:snij|snijd|snijdt|sneed|kras|krast|kraste) (?:ik |hij |ze |zij )?(?:me|zich)"
    r"(?: (?:" + _SH_ADV + r"))*$",
    r"\b(?:me|zich) (?:" + _SH_ADV + r" )*(?:gesneden|gekrast)$",
    r"\b(?:me|zich) (?:weer|expres|express|opzettelijk|bewust) (?:\w+ )?(?:gesneden|gekrast|beschadigd|verwond)\b",
    r"\b(?:me|zich) (?:" + _SH_ADV + r" )*beschadigd\b",
    r"\bsnij(?:d|den|dt)? (?:ik )?(?:in )?" + _ME + r"\b",
    r"\bsnijden in (?:" + _ME + r"|" + _MY + r" (?:arm|armen|pols|polsen|benen|been|huid))\b",
    r"\b(?:in|op) " + _MY + r" (?:arm|armen|pols|polsen|benen) (?:snijden|krassen|kerven)\b",
    r"\b(?:kras|krast|krassen|kerf|kerven|snij|snijd|snijden) (?:ik )?(?:in|op) "
    + _MY
    + r" (?:arm|armen|pols|polsen|benen|been|huid)\b",
    r"\bzelfbeschadiging\b",
    r"\bzelfverwonding\b",
    r"\bautomutilatie\b",
    # --- Hopelessness and feeling a burden -----------------------------------
    # "(de wereld|iedereen|mijn familie) is/zou beter (af) (zijn) zonder mij"
    # "me" only at the end: "ik zie beter zonder me bril".
    r"\bbeter (?:af )?(?:zijn |wezen )?zonder (?:mij\b|me$)",
    r"\bbeter (?:af )?(?:\w+ ){0,3}?(?:als|wanneer|dat|zonder dat) ik (?:er )?(?:niet|nooit) (?:meer )?"
    r"(?:ben|was|zou zijn|besta)\b",
    r"\bbeter (?:\w+ ){0,3}?(?:als|wanneer|dat) ik (?:\w+ )?(?:doodga|dood ga|dood ben|dood was|sterf|stierf)\b",
    r"\bniemand (?:zal|zou|gaat) (?:mij|me) (?:\w+ )?missen\b",
    r"\bniemand hoeft zich (?:straks|dan|binnenkort|nooit) (?:\w+ )?(?:meer |nog )?zorgen (?:om|over) (?:mij|me)\b",
    # Life itself not wanted any more: "het leven hoeft voor mij niet meer", "ik zie het
    # leven niet meer zitten". Without "leven" ("het hoeft voor mij niet meer") it is
    # the distress tier below.
    r"\bhet leven hoeft (?:\w+ ){0,3}?niet meer\b",
    r"\bvoor (?:mij|me|hem|haar) hoeft het leven (?:allemaal |echt )?niet meer\b",
    r"\bdat het leven (?:voor (?:mij|me|hem|haar) |allemaal )*niet meer hoeft\b",
    r"\bzie het leven (?:\w+ )?niet meer zitten\b",
    r"\bhet leven (?:niet meer zien zitten|heeft geen zin|is zinloos|heeft (?:voor mij )?geen zin meer)\b",
    r"\b(?:alles|het leven|mijn leven) is (?:\w+ )?zinloos\b",
    r"\bgeen zin meer in (?:het|mijn|m|mn) leven\b",
    r"\bgeen (?:reden|zin) (?:meer )?om (?:nog )?(?:te leven|door te gaan|verder te gaan)\b",
    r"\bleef liever niet\b",
    r"\bweet niet (?:meer )?(?:hoe ik )?verder (?:te leven|met (?:mijn|m|mn) leven)\b",
    r"\b(?:ik|en) wil niet meer$",
]

# Short phrases that signal risk only when they stand alone as a clause.
_WHOLE_CLAUSE: list[str] = [
    # "ik wil niet meer", "ik wol nait meer", "ik wil niet meer verder"
    r"^(?:ik |en )?(?:wil|wol) (?:" + _ADV + r" )*niet meer(?: verder)?$",
    r"^" + _SUBJECT + r" wil (?:echt )?niet meer verder$",
    r"^(?:ik )?(?:wil|ga|zal) (?:\w+ )?een (?:eind|einde) maken$",
]

# --- Second tier: distress without suicidality ------------------------------------
# Hopelessness: 113 / De Luisterlijn with care, then the assistant keeps helping. These
# count whatever else the message says, also from a carer ("ik zie het niet meer zitten
# met de zorg voor mijn man").
_DISTRESS: list[str] = [
    # "het hoeft (voor mij) niet meer" ends the message; "het hoeft niet meer, ik heb het
    # al gevonden" cancels a request instead.
    r"\b(?:het hoeft|hoeft het)(?: \w+){0,3}? niet meer$",
    r"\bik hoef (?:het )?(?:allemaal )?niet meer$",
    r"\b(?:het|alles) hoeft (?:voor (?:mij|me|hem|haar) |allemaal |echt )+niet meer\b",
    r"\bvoor (?:mij|me|hem|haar) hoeft (?:het|alles) (?:allemaal |echt )?niet meer\b",
    r"\bdat het (?:voor (?:mij|me|hem|haar) |allemaal )+niet meer hoeft\b",
    r"\bzie het (?:allemaal |echt |gewoon |helemaal |even )*niet meer zitten\b",
    # "geen uitweg uit/met de schulden" is a money question for this helpdesk.
    r"\bzie (?:\w+ )?geen (?:uitweg|licht|hoop|toekomst)\b(?! (?:meer )?(?:uit|met|voor|in|bij)\b)",
    r"\b(?:alles|het|mijn leven|het leven|mijn hoofd|de wereld) is (?:\w+ )?(?:zwart|donker|uitzichtloos|hopeloos)\b",
    r"\balles is (?:zo |heel |echt )?(?:zwart|donker)\b",
    r"\b(?:zwart|donker) in mijn hoofd\b",
    r"\b(?:heeft|het heeft) (?:het )?allemaal geen zin meer\b",
    r"\b(?:niks|niets|alles) heeft (?:nog |meer )?(?:zin|nut)(?: meer)?$",
    r"\b(?:niks|niets) heeft (?:nog |meer )?(?:zin|nut)\b",
    r"\bheeft (?:allemaal |toch )?geen zin meer$",
    r"\b(?:wanhopig|hopeloos|uitzichtloos|radeloos)\b",
    r"\bmoe van (?:alles|het leven|het bestaan)\b",
    r"\b(?:ben|word) (?:het )?(?:allemaal|alles) (?:zo |echt |helemaal )?(?:zat|beu|moe)\b",
    r"\bik weet het (?:allemaal|echt allemaal) niet meer\b",
    r"\bik (?:ben|voel me) (?:zo |heel |echt )?(?:somber|depressief|leeg en|hopeloos)\b",
    r"\b(?:te|ten) einde raad\b",
    r"\bis (?:allemaal |alles |echt |toch )?zinloos\b",
    r"\bhet hoeft (?:\w+ ){0,2}?niet meer voor (?:mij|me)\b",
    r"\bzie (?:ik |hij |ze |zij )?het (?:\w+ )?niet meer zitten\b",
    r"\bhet (?:\w+ )?niet meer (?:ziet|zien|zag) zitten\b",
    r"\bweet (?:me|mij|mezelf) geen raad meer\b",
    r"\b(?:sta|stond) op instorten\b",
    r"\bleeg van binnen\b",
    r"\bzie (?:alles|het allemaal|het) (?:zo |heel )?(?:somber|donker|zwart) in\b",
    r"\bnergens meer zin in\b",
    r"\bweet (?:het )?niet meer hoe (?:ik )?(?:verder moet|verder kan|door moet)$",
    r"\bzwarte wolk\b",
    r"\bin een diep (?:dal|gat)\b",
    r"\bik verzuip\b|\bgevoel dat ik verzuip\b",
]

# Exhaustion: distress when said on its own ("ik kan niet meer"), but a carer's tiredness
# when the message is about caring ("ik kan het niet meer aan, de zorg voor mijn vrouw"):
# then the model answers with respite care (find_carer_support), not with 113.
_EXHAUSTION: list[str] = [
    r"(?:^|\bik )(?:kan|kon) (?:echt |gewoon |bijna |het )?niet meer$",
    r"\bik kan (?:het|dit|alles) (?:echt |gewoon )?niet meer aan\b",
    r"\bik (?:trek|hou|houd) (?:het|dit) (?:echt |gewoon )?niet (?:meer|langer)(?: vol| uit)?\b",
    r"\bik red het (?:echt |gewoon )?niet (?:meer|langer)\b",
    r"\bik (?:hou|houd) (?:het|dit) (?:echt |gewoon )?niet (?:meer |langer )?vol\b",
    r"\bik ben (?:helemaal |echt |zo |compleet |totaal )?(?:op|kapot|uitgeput|opgebrand|leeg)$",
    r"\bik zit (?:er )?(?:helemaal |echt |totaal )?(?:doorheen|aan de grond|stuk)\b",
    r"\b(?:het leven|alles) is (?:zo |echt |veel )?(?:zwaar|te zwaar|te veel)\b",
    r"\b(?:huil|huilen|lig \w+ \w+ te huilen)\b.*\b(?:elke|iedere|de hele) (?:dag|nacht)\b",
    r"\b(?:elke|iedere|de hele) (?:dag|nacht) (?:\w+ ){0,2}?(?:te huilen|aan het huilen)\b",
    r"\bik (?:ben|voel me) (?:zo |heel |echt )?(?:somber|leeg)\b",
]

# Caring for someone: makes exhaustion a carer's tiredness, not distress.
_CARE_CONTEXT = re.compile(
    r"\b(?:zorg|zorgen|verzorg\w*|mantelzorg\w*|dementie|dement|alzheimer|parkinson|ms|nah|beroerte"
    r"|hersenbloeding|beperking|handicap|gehandicapt\w*|autisme|ziek|zieke|ziekte|respijt\w*"
    r"|logeeropvang|dagbesteding|verpleeg\w*|thuiszorg|woont bij (?:ons|mij) in)\b"
    r"|\bvoor (?:mijn|mn|onze|haar|zijn) (?:moeder|vader|man|vrouw|partner|ouders|zoon|dochter|kind"
    r"|kinderen|broer|zus|schoonmoeder|schoonvader|oma|opa|buurman|buurvrouw)\b"
)

# Words that contain a crisis stem but are about something else.
_EXCEPTIONS: list[str] = [
    r"\b(?:zelfmoord|suicide|zelfdoding)(?:-| )?preventie\b",
    r"\b113 ?(?:zelfmoord|suicide)preventie\b",
]

_ANYWHERE_RE = re.compile("|".join(f"(?:{p})" for p in _ANYWHERE))
_WHOLE_CLAUSE_RE = re.compile("|".join(f"(?:{p})" for p in _WHOLE_CLAUSE))
_EXCEPTION_RE = re.compile("|".join(f"(?:{p})" for p in _EXCEPTIONS))
_DISTRESS_RE = re.compile("|".join(f"(?:{p})" for p in _DISTRESS))
_EXHAUSTION_RE = re.compile("|".join(f"(?:{p})" for p in _EXHAUSTION))
_CLAUSE_SPLIT_RE = re.compile(r"[,.;:!?\n]+")

# Light repair before matching: frequent typos, chat spellings and Drents /
# Gronings words ("'t hoeft veur mij nait meer", "ik wil d'r nait meer bie
# wezen"), so the patterns above only need standard Dutch.
_SPELLING = [
    (re.compile(r"\bmezelv\b|\bmeself\b|\bmezef\b|\bmzelf\b|\bmezlef\b|\bmezel\b"), "mezelf"),
    (re.compile(r"\bmijself\b|\bmijzelv\b|\bmijzef\b|\bmijzel\b"), "mijzelf"),
    (re.compile(r"\bzichzelv\b|\bzichzef\b|\bzichzel\b"), "zichzelf"),
    (re.compile(r"\bnait\b|\bniej\b|\bnit\b|\bnt\b"), "niet"),
    (re.compile(r"\bniet meet\b|\bnie meer\b|\bniemeer\b|\bniet mee\b|\bniet mer\b"), "niet meer"),
    (re.compile(r"\bdoot\b"), "dood"),
    (re.compile(r"\bwill\b|\bwl\b"), "wil"),
    (re.compile(r"\bk\b"), "ik"),
    (re.compile(r"\bt\b"), "het"),
    (re.compile(r"\bdr\b"), "er"),
    (re.compile(r"\bveur\b|\bvor\b"), "voor"),
    (re.compile(r"\bbie\b"), "bij"),
    (re.compile(r"\bbin\b"), "ben"),
    (re.compile(r"\bleve\b|\blevn\b"), "leven"),
    (re.compile(r"\baandoen\b|\baan doen\b"), "aandoen"),
    (re.compile(r"\beinden\b"), "einde"),
]


def normalise(text: str) -> str:
    """Return lower-case text without diacritics, punctuation or long letter repeats."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("’", "")  # "m'n" -> "mn", "d'r" -> "dr"
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "dooooood" -> "dod"; repaired below
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\bdod\b", "dood", text)
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return text


CRISIS = "crisis"
DISTRESS = "distress"
CARER_FATIGUE = "carer_fatigue"


def _clauses(text: str) -> list[str]:
    clauses = (_EXCEPTION_RE.sub(" ", normalise(c)).strip() for c in _CLAUSE_SPLIT_RE.split(text))
    return [c for c in clauses if c]


def is_explicit_crisis(text: str) -> bool:
    """Return True when the message speaks of suicide or self-harm (said directly or indirectly)."""
    if not text or not isinstance(text, str):
        return False
    text = text[:5000]  # bounds the work; a crisis is said early enough
    norm = _EXCEPTION_RE.sub(" ", normalise(text))
    if not norm:
        return False
    if _ANYWHERE_RE.search(norm):
        return True
    return any(_WHOLE_CLAUSE_RE.search(clause) for clause in _clauses(text))


def assess(text: str) -> str | None:
    """Return CRISIS, DISTRESS, CARER_FATIGUE or None for a message.

    CRISIS: suicidality or self-harm (113 first). DISTRESS: hopelessness or exhaustion
    without suicidality (113 / De Luisterlijn with care, then keep helping). CARER_FATIGUE:
    exhaustion in a message about caring for someone (respite care, no 113). None: nothing
    of the kind.
    """
    if is_explicit_crisis(text):
        return CRISIS
    if not text or not isinstance(text, str):
        return None
    text = text[:5000]
    clauses = _clauses(text)
    whole = " ".join(clauses)
    # On the whole message: "het hoeft niet meer" must end it ("het hoeft niet meer, ik heb
    # het al gevonden" cancels a request).
    if _DISTRESS_RE.search(whole):
        return DISTRESS
    if any(_EXHAUSTION_RE.search(c) for c in clauses) or _EXHAUSTION_RE.search(whole):
        return CARER_FATIGUE if _CARE_CONTEXT.search(whole) else DISTRESS
    return None


def is_distress(text: str) -> bool:
    """Return True for distress without suicidality (see `assess`)."""
    return assess(text) == DISTRESS


def is_crisis(text: str) -> bool:
    """Return True when the message needs 113 now: a crisis or distress (see `assess`)."""
    return assess(text) in (CRISIS, DISTRESS)
