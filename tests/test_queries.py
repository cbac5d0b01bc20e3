from django.urls import reverse
from pacte.commitments.models import Theme
from pacte.stakeholders.models import Stakeholder


def test_scratch(client, territory_a, territory_b, alice, bob):
    Theme.objects.create(territory=territory_b, code="secret", name="Thème secret de Dunkerque")
    client.force_login(alice)
    r = client.get(reverse("admin:commitments_commitment_changelist"))
    c = r.content.decode()
    print("secret theme leak:", "Thème secret de Dunkerque" in c, "Dunkerque" in c)
    r = client.get(reverse("admin:stakeholders_contact_changelist"))
    print("contact changelist Dunkerque:", "Dunkerque" in r.content.decode())
    r = client.get(reverse("admin:index"))
    print("index Dunkerque:", "Dunkerque" in r.content.decode())
    Stakeholder.objects.create(territory=territory_a, name="Association Nouvelle", category="societe_civile", group="Société civile", acknowledged=True)
    client.logout()
    r = client.get(reverse("public:pact", args=[territory_a.slug]))
    c = r.content.decode()
    print("Société civile headings:", c.count(">Société civile<"))
