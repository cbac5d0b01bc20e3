"""What a company gains by adhering to the pact, in the words of the method (ANCT, 2025: "Quels sont les
bénéfices d'un pacte industrie-territoire ?"). Shown on the invitation email and on the adhesion page."""

from django.utils.translation import gettext_lazy as _

BENEFITS = [
    _(
        "Valoriser les dispositifs que le Territoire d'industrie met en œuvre en réponse aux enjeux stratégiques "
        "des entreprises industrielles"
    ),
    _("Célébrer vos fiertés industrielles locales et améliorer l'image de l'industrie auprès des citoyens"),
    _(
        "Engager plus efficacement l'ensemble des industriels, là où ils ont le meilleur impact territorial ; "
        "éventuellement, élargir la communauté industrielle locale"
    ),
    _("Piloter, avec des indicateurs acceptés par tous, les résultats de vos actions"),
    _("Gagner du temps dans votre gouvernance industrielle locale et associer de nouveaux partenaires"),
    _("Créer de nouvelles opportunités de collaboration entre industriels mais aussi avec les partenaires locaux"),
]
