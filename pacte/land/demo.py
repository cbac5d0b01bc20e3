"""Demo of the industrial land allocation: the 20 hectares of the Rochefort-Charente Maritime airport.

Source, "Exemple d'application du pacte : le foncier industriel": the territory "dispose de 2 fonciers
stratégiques, dédiés à la filière aéronautique"; the interview guide adds that it "engage la commercialisation
d'un foncier de 20 hectares sur l'aéroport de Rochefort-Charente Maritime". The "Implantation et mutualisation"
group "oriente la sélection des projets à implanter sur le territoire à l'aide d'une liste de critères et d'un
comité ad hoc" whose participants are the EPCI's economic development department, ADI, a newly arrived company
head and a local ambassador.

Everything else is a reconstitution for the demo, marked "[Illustration]": the source says neither what the land
is today (agricultural by default here, the prudent case for the ZAN trajectory), nor the territory's land
envelope, nor any call, application, score or committee member. The three companies are fictitious. No opinion is
signed, so that the team can try the committee's decision.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from stdnum.fr import siren as siren_number

from pacte.commitments.models import Commitment
from pacte.territories.models import Commune, Territory

from .criteria_defaults import DEFAULT_CRITERIA, DEFAULT_SCREENING, best_commitment
from .models import (
    Application,
    ApplicationStatus,
    Availability,
    CallStatus,
    CommitteeMember,
    ConflictOfInterest,
    Criterion,
    LandCall,
    LandEnvelope,
    LandEvent,
    LandUse,
    Parcel,
    Score,
    ScreeningCheck,
    ScreeningRule,
)

ILLUSTRATION = "[Illustration]"
# Saint-Agnant (Code officiel géographique), the commune of the Rochefort-Charente Maritime airport.
AIRPORT_INSEE = "17308"
AIRPORT_COMMUNE = "Saint-Agnant"
PARCEL_NAME = "Foncier de l'aéroport de Rochefort-Charente Maritime"
CALL_TITLE = "Appel à projets — foncier aéronautique de l'aéroport"
OPENS_ON = datetime.date(2025, 9, 1)
CLOSES_ON = datetime.date(2025, 11, 28)

# The demo grid: six of the default criteria (see criteria_defaults), training and local hiring the only
# eliminatory one (threshold 1: an application with no commitment at all on it is out).
GRID = [
    ("Densité et verticalisation du projet", None),
    ("Réemploi de friches ou de bâti existant", None),
    ("Part d'énergie renouvelable", None),
    ("Achats et sous-traitance locaux", None),
    ("Mutualisation avec les voisins et écologie industrielle", None),
    ("Formation et recrutement local", 1),
]

# The "Implantation et mutualisation" group's participants, as the source lists them.
COMMITTEE = [
    ("Direction de l'Économie de l'EPCI", "Direction de l'Economie de l'EPCI"),
    ("ADI Nouvelle-Aquitaine", "ADI (Agence de développement et d'innovation) - Nouvelle-Aquitaine"),
    ("Dirigeant nouvellement arrivé", "Un dirigeant nouvellement arrivé"),
    ("Ambassadeur local", "Un ambassadeur local"),
]
CONFLICTED = (2, 1)  # the newly arrived company head (member index 2) is a client of the second applicant


def siren_build(base: str) -> str:
    """A valid SIREN from 8 digits: the 9th is the Luhn check digit (as `stdnum.fr.siren` checks it)."""
    number = base + siren_number.luhn.calc_check_digit(base)
    assert siren_number.is_valid(number), number
    return number


# Three fictitious companies; `profile` is the committee's typical score per criterion of GRID (0–5).
APPLICANTS = [
    {
        "company_name": "Aérocomposites de l'Estuaire (entreprise fictive)",
        "siren": siren_build("99917301"),
        "contact_email": "projet@aerocomposites-estuaire.example",
        "project": (
            f"{ILLUSTRATION} Usine de pièces composites pour aérostructures : un bâtiment de production de 9 000 m² "
            "avec bureaux à l'étage et un hall d'essais."
        ),
        "jobs_created": 85,
        "jobs_kept": 0,
        "surface_ha": Decimal("6.50"),
        "density": f"{ILLUSTRATION} Bureaux et locaux sociaux en R+2 au-dessus de l'atelier ; parking mutualisé.",
        "brownfield": f"{ILLUSTRATION} Pas de friche disponible à proximité de la piste ; béton concassé réemployé.",
        "vegetated_share": Decimal("25.0"),
        "rainwater": f"{ILLUSTRATION} Cuve de 300 m³ pour les sanitaires et le lavage des outillages.",
        "materials": f"{ILLUSTRATION} Charpente bois, isolation en chanvre de la filière locale.",
        "renewable_share": Decimal("45.0"),
        "local_sourcing": f"{ILLUSTRATION} Usinage et traitement de surface confiés à des sous-traitants du territoire.",
        "pooling": f"{ILLUSTRATION} Chaleur fatale des autoclaves proposée aux voisins de la zone aéroportuaire.",
        "training_hiring": f"{ILLUSTRATION} 20 alternants par an avec le lycée professionnel et la Maison des Industries.",
        "residents_information": f"{ILLUSTRATION} Réunion publique avant le permis de construire, panneaux sur site.",
        "profile": [4, 2, 4, 4, 4, 4],
    },
    {
        "company_name": "Charente Hélices Maintenance (entreprise fictive)",
        "siren": siren_build("99917302"),
        "contact_email": "contact@charente-helices.example",
        "project": (
            f"{ILLUSTRATION} Atelier de maintenance et de révision d'hélices et de trains d'atterrissage, "
            "en bord de piste."
        ),
        "jobs_created": 40,
        "jobs_kept": 25,
        "surface_ha": Decimal("4.00"),
        "density": f"{ILLUSTRATION} Atelier de plain-pied imposé par les manutentions ; bureaux en mezzanine.",
        "brownfield": f"{ILLUSTRATION} Reprise d'un hangar existant de la zone pour la première tranche.",
        "vegetated_share": Decimal("15.0"),
        "rainwater": f"{ILLUSTRATION} Infiltration à la parcelle, séparateur d'hydrocarbures.",
        "materials": f"{ILLUSTRATION} Bardage métallique recyclé.",
        "renewable_share": Decimal("30.0"),
        "local_sourcing": f"{ILLUSTRATION} Achats de pièces d'usure auprès d'un distributeur rochefortais.",
        "pooling": f"{ILLUSTRATION} Cabine de peinture ouverte aux autres entreprises de la zone.",
        "training_hiring": f"{ILLUSTRATION} Recrutements avec France Travail, deux apprentis mécaniciens par an.",
        "residents_information": f"{ILLUSTRATION} Journée portes ouvertes annuelle.",
        "profile": [2, 4, 3, 3, 4, 3],
    },
    {
        "company_name": "Drones Littoral Systèmes (entreprise fictive)",
        "siren": siren_build("99917303"),
        "contact_email": "direction@drones-littoral.example",
        "project": (
            f"{ILLUSTRATION} Assemblage et essais de drones de surveillance maritime, avec un centre de formation "
            "de télépilotes."
        ),
        "jobs_created": 30,
        "jobs_kept": 12,
        "surface_ha": Decimal("3.00"),
        "density": f"{ILLUSTRATION} Bâtiment compact en R+1, aire d'essais partagée avec l'aéroport.",
        "brownfield": f"{ILLUSTRATION} Aucun réemploi prévu.",
        "vegetated_share": Decimal("30.0"),
        "rainwater": f"{ILLUSTRATION} Récupération pour l'arrosage.",
        "materials": f"{ILLUSTRATION} Ossature bois.",
        "renewable_share": Decimal("60.0"),
        "local_sourcing": f"{ILLUSTRATION} Cartes électroniques achetées hors territoire ; intégration locale.",
        "pooling": f"{ILLUSTRATION} Centrale photovoltaïque en autoconsommation collective avec les voisins.",
        "training_hiring": f"{ILLUSTRATION} Centre de formation de télépilotes ouvert aux demandeurs d'emploi.",
        "residents_information": f"{ILLUSTRATION} Calendrier des vols d'essai publié en mairie.",
        "profile": [4, 1, 4, 2, 3, 4],
    },
]
# Members scatter around the profile: member index → offset per criterion (clipped to 0–5).
SCATTER = [
    [0, 0, 0, 0, 0, 0],
    [1, 0, -1, 0, 1, 0],
    [0, -1, 0, 1, 0, -1],
    [-1, 0, 1, 0, 0, 1],
]


def airport_commune(territory: Territory) -> Commune | None:
    """Saint-Agnant (INSEE 17308) when it is one of the territory's communes; else a commune of that name in the
    territory; else the territory's most populated commune (another territory's demo)."""
    communes = Commune.objects.filter(intercommunality__territories=territory).distinct()
    return (
        communes.filter(insee_code=AIRPORT_INSEE).first()
        or communes.filter(name__iexact=AIRPORT_COMMUNE).first()
        or communes.order_by("-population", "insee_code").first()
    )


def _grid(territory: Territory, call: LandCall) -> list[Criterion]:
    defaults = {entry["name"]: entry for entry in DEFAULT_CRITERIA}
    commitments = list(Commitment.objects.for_territory(territory).select_related("theme").order_by("order", "pk"))
    criteria = []
    for order, (name, threshold) in enumerate(GRID, 1):
        entry = defaults[name]
        criterion, _created = Criterion.objects.update_or_create(
            territory=territory,
            call=call,
            name=name,
            defaults={
                "commitment": best_commitment(entry, commitments),
                "weight": Decimal(str(entry["weight"])),
                "levels": list(entry["levels"]),
                "eliminatory": threshold is not None,
                "threshold": threshold,
                "order": order,
            },
        )
        criteria.append(criterion)
    return criteria


@transaction.atomic
def land_demo_load(*, territory: Territory) -> dict[str, int]:
    """The airport's 20 ha, an illustrative land envelope and a closed call with its grid, three complete
    applications, a committee of four that scored them all (one conflict declared) and no opinion yet.
    Idempotent: the same rows are found again and updated."""
    commune = airport_commune(territory)
    if commune is None:
        return {}
    parcel, _created = Parcel.objects.update_or_create(
        territory=territory,
        name=PARCEL_NAME,
        defaults={
            "area_ha": Decimal("20.00"),
            "commune": commune,
            "vocation": "Aéronautique",
            "constraints": (
                f"{ILLUSTRATION} Foncier en zone aéroportuaire : servitudes aéronautiques et de dégagement, "
                "accès côté piste à organiser avec le gestionnaire de l'aéroport. La source ne précise pas la "
                "nature actuelle du terrain : il est compté ici comme agricole, le cas prudent pour la trajectoire "
                "de sobriété foncière."
            ),
            "availability": Availability.RESERVED,
            "land_use": LandUse.AGRICULTURAL,
        },
    )
    LandEnvelope.objects.update_or_create(
        territory=territory,
        starts_on=datetime.date(2021, 1, 1),
        ends_on=datetime.date(2030, 12, 31),
        defaults={
            "hectares": Decimal("120.00"),
            "note": (
                f"{ILLUSTRATION} Enveloppe fictive pour la démonstration : la source ne donne pas l'enveloppe "
                "foncière du territoire (à reprendre du SRADDET et des documents d'urbanisme)."
            ),
        },
    )
    call, _created = LandCall.objects.update_or_create(
        territory=territory,
        title=CALL_TITLE,
        defaults={
            "description": (
                f"{ILLUSTRATION} Le territoire engage la commercialisation d'un foncier de 20 hectares sur l'aéroport "
                "de Rochefort-Charente Maritime, dédié à la filière aéronautique. Les engagements du pacte sont à la "
                "fois des critères de sélection et des attentes formulées aux porteurs de projet ; un comité ad hoc "
                "éclaire la décision des élus."
            ),
            "opens_on": OPENS_ON,
            "closes_on": CLOSES_ON,
            "status": CallStatus.CLOSED,
        },
    )
    call.parcels.set([parcel])
    criteria = _grid(territory, call)
    rule, _created = ScreeningRule.objects.get_or_create(
        territory=territory, call=call, text=DEFAULT_SCREENING[0], defaults={"order": 1}
    )

    applications = []
    for order, applicant in enumerate(APPLICANTS, 1):
        fields = {k: v for k, v in applicant.items() if k not in ("siren", "profile")}
        application, _created = Application.objects.update_or_create(
            territory=territory,
            call=call,
            siren=applicant["siren"],
            defaults={
                **fields,
                "land_use": LandUse.AGRICULTURAL,
                "status": ApplicationStatus.COMPLETE,
                "missing": "",
                "order": order,
            },
        )
        ScreeningCheck.objects.update_or_create(
            territory=territory,
            application=application,
            rule=rule,
            defaults={"passed": True, "note": f"{ILLUSTRATION} Vérifié sur le plan masse et la notice du projet."},
        )
        applications.append(application)

    members = []
    for order, (name, role) in enumerate(COMMITTEE, 1):
        member, _created = CommitteeMember.objects.update_or_create(
            territory=territory, call=call, name=name, defaults={"role": role, "order": order}
        )
        members.append(member)
    conflicted_member, conflicted_application = members[CONFLICTED[0]], applications[CONFLICTED[1]]
    ConflictOfInterest.objects.update_or_create(
        territory=territory,
        member=conflicted_member,
        application=conflicted_application,
        defaults={"reason": f"{ILLUSTRATION} Son entreprise est cliente de l'entreprise candidate."},
    )
    # A conflicted member never scores that application: drop any score left from before.
    Score.objects.filter(member=conflicted_member, application=conflicted_application).delete()

    scores = 0
    for applicant, application in zip(APPLICANTS, applications, strict=True):
        for index, member in enumerate(members):
            if (member, application) == (conflicted_member, conflicted_application):
                continue
            for position, criterion in enumerate(criteria):
                value = min(5, max(0, applicant["profile"][position] + SCATTER[index][position]))
                Score.objects.update_or_create(
                    territory=territory,
                    member=member,
                    application=application,
                    criterion=criterion,
                    defaults={
                        "value": value,
                        "comment": f"{ILLUSTRATION} Niveau {value} : {criterion.levels[value]}",
                    },
                )
                scores += 1
    LandEvent.objects.get_or_create(
        territory=territory,
        call=call,
        message=f"{ILLUSTRATION} Candidatures instruites et notées par le comité ad hoc (données de démonstration).",
        defaults={"data": {"applications": len(applications), "scores": scores}},
    )
    return {"parcels": 1, "calls": 1, "applications": len(applications), "members": len(members), "scores": scores}
