"""The default criteria grid of a land call, derived from the pact's commitments.

Source, "Exemple d'application du pacte : le foncier industriel": the commitments are "à la fois des critères de
sélection mais aussi des attentes formulées au porteur de projet". Each default criterion is one of the newcomer's
expectations, linked to the commitment of the territory that best matches it (by theme code, then by words of its
title), with a weight, a written descriptor for each level 0 to 5, and for one or two of them an eliminatory
threshold. The legal minimums are pass/fail screening, never points.
"""

# Each entry: name, theme codes to look in (in order of preference), words looked for in the commitment's title,
# weight, six level descriptors (0 → 5), eliminatory threshold (None when not eliminatory).
DEFAULT_CRITERIA = [
    {
        "name": "Densité et verticalisation du projet",
        "themes": ["environnement", "implantation-mutualisation"],
        "words": ["immobilier", "sobre", "architecture"],
        "weight": 3,
        "levels": [
            "Aucune recherche de densité : bâtiment de plain-pied, stationnement et stockage en surface.",
            "Densité faible, justifiée seulement par le procédé.",
            "Emprise réduite sur une partie du programme (bureaux ou stockage en étage).",
            "Emprise optimisée : étages, stationnement mutualisé ou en ouvrage.",
            "Programme compact et vertical, réserve foncière rendue à la collectivité.",
            "Densité exemplaire, emprise au sol minimale au regard des emplois créés.",
        ],
        "threshold": 1,
    },
    {
        "name": "Réemploi de friches ou de bâti existant",
        "themes": ["environnement"],
        "words": ["immobilier", "sobre"],
        "weight": 2,
        "levels": [
            "Aucun réemploi : artificialisation de terres naturelles ou agricoles.",
            "Réemploi envisagé sans engagement.",
            "Réemploi partiel de matériaux ou de surfaces déjà artificialisées.",
            "Implantation majoritairement sur surface déjà artificialisée.",
            "Reconversion d'une friche ou d'un bâtiment existant.",
            "Reconversion complète d'une friche, avec dépollution et désimperméabilisation.",
        ],
        "threshold": None,
    },
    {
        "name": "Part de surfaces végétalisées et intégration paysagère",
        "themes": ["environnement"],
        "words": ["architecture", "paysage"],
        "weight": 2,
        "levels": [
            "Aucune surface végétalisée au-delà des obligations.",
            "Moins de 10 % de surfaces végétalisées.",
            "10 à 20 % de surfaces végétalisées.",
            "20 à 30 % de surfaces végétalisées, essences locales.",
            "Plus de 30 % de surfaces végétalisées, toitures ou façades végétalisées.",
            "Plus de 40 %, continuités écologiques et gestion différenciée des espaces.",
        ],
        "threshold": None,
    },
    {
        "name": "Récupération et gestion des eaux de pluie",
        "themes": ["environnement"],
        "words": ["développement durable", "pratiques"],
        "weight": 1,
        "levels": [
            "Aucune gestion des eaux pluviales à la parcelle.",
            "Gestion réglementaire minimale.",
            "Infiltration à la parcelle d'une partie des eaux pluviales.",
            "Récupération pour des usages non potables (arrosage, sanitaires).",
            "Récupération pour le procédé industriel et infiltration du reste.",
            "Zéro rejet d'eaux pluviales, réutilisation maximale.",
        ],
        "threshold": None,
    },
    {
        "name": "Matériaux bas carbone et locaux",
        "themes": ["environnement"],
        "words": ["bas carbone", "bas-carbone", "immobilier"],
        "weight": 2,
        "levels": [
            "Aucun choix de matériaux bas carbone ou locaux.",
            "Intention sans engagement chiffré.",
            "Une part des matériaux biosourcés, de réemploi ou locaux.",
            "Structure ou enveloppe majoritairement bas carbone.",
            "Bilan carbone de la construction réalisé et optimisé.",
            "Construction exemplaire (biosourcés, réemploi, filières locales), bilan carbone publié.",
        ],
        "threshold": None,
    },
    {
        "name": "Part d'énergie renouvelable",
        "themes": ["environnement", "implantation-mutualisation"],
        "words": ["développement durable", "mutualis"],
        "weight": 2,
        "levels": [
            "Aucune énergie renouvelable.",
            "Moins de 10 % des besoins couverts par des énergies renouvelables.",
            "10 à 25 % des besoins.",
            "25 à 50 % des besoins, production sur site.",
            "50 à 75 % des besoins, autoconsommation ou réseau de chaleur.",
            "Plus de 75 % des besoins, surplus partagé avec les voisins.",
        ],
        "threshold": None,
    },
    {
        "name": "Achats et sous-traitance locaux",
        "themes": ["innovation", "implantation-mutualisation"],
        "words": ["sous-traitance", "filières"],
        "weight": 2,
        "levels": [
            "Aucun achat ni sous-traitance local.",
            "Achats locaux ponctuels.",
            "Une part identifiée des achats confiée à des entreprises du territoire.",
            "Politique d'achats locaux avec objectifs chiffrés.",
            "Partenariats durables avec des sous-traitants du territoire.",
            "Structuration d'une filière locale autour du projet.",
        ],
        "threshold": None,
    },
    {
        "name": "Mutualisation avec les voisins et écologie industrielle",
        "themes": ["implantation-mutualisation"],
        "words": ["mutualis", "synergies"],
        "weight": 2,
        "levels": [
            "Aucune mutualisation envisagée.",
            "Ouverture de principe à la mutualisation.",
            "Une mutualisation identifiée (services, équipements, achats).",
            "Participation à la démarche d'écologie industrielle de la zone.",
            "Plusieurs flux mutualisés (matières, déchets, énergie, eau).",
            "Projet moteur de la mutualisation de la zone (réseau de chaleur, structure commune).",
        ],
        "threshold": None,
    },
    {
        "name": "Formation et recrutement local",
        "themes": ["formation-emploi"],
        "words": ["emploi", "formation"],
        "weight": 3,
        "levels": [
            "Aucun engagement de formation ni de recrutement local.",
            "Recrutement local sans démarche particulière.",
            "Partenariat avec le service public de l'emploi.",
            "Accueil d'alternants et de stagiaires du territoire.",
            "Plan de formation avec les organismes locaux et objectifs de recrutement local.",
            "Engagement chiffré de recrutement local, inclusion et école ou campus interne.",
        ],
        "threshold": 1,
    },
    {
        "name": "Information des riverains et ouverture au public",
        "themes": ["implantation-mutualisation", "attractivite"],
        "words": ["citoyens", "implantation", "informez"],
        "weight": 1,
        "levels": [
            "Aucune information prévue.",
            "Information réglementaire seulement.",
            "Panneaux d'information visibles des riverains.",
            "Réunion publique avant les travaux.",
            "Permanences ouvertes au public et communication pro-active.",
            "Concertation continue, portes ouvertes régulières et comité de riverains.",
        ],
        "threshold": None,
    },
]

DEFAULT_SCREENING = [
    "Toitures : part solarisée ou végétalisée conforme à la loi (loi Climat et résilience)",
    "Parcs de stationnement : ombrières photovoltaïques ou végétalisation conformes à la loi",
    "Compatibilité avec le document d'urbanisme et le règlement de la zone",
]


def best_commitment(entry: dict, commitments: list):
    """The commitment that best matches a default criterion: first theme code in order, then most words matched."""
    for code in entry["themes"]:
        candidates = [c for c in commitments if c.theme.code == code]
        if not candidates:
            continue

        def matches(commitment):
            text = f"{commitment.title} {commitment.short_title}".lower()
            return sum(1 for word in entry["words"] if word.lower() in text)

        return max(candidates, key=lambda c: (matches(c), -c.order, -c.pk))
    return None
