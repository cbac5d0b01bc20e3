"""Generate the missing PDF and PowerPoint files of published versions (they are otherwise made at publication,
or at the first download). `manage.py pact_documents` after loading data that froze versions without them."""

import time

from django.core.management.base import BaseCommand

from pacte.core.models import ncount
from pacte.publications.models import PactDocument, PactVersion
from pacte.publications.services import pact_documents_generate


class Command(BaseCommand):
    help = "Produit et garde les documents (PDF, PowerPoint) des versions publiées qui ne les ont pas encore."

    def add_arguments(self, parser):
        parser.add_argument("--territory", help="Slug d'un territoire (tous par défaut)")
        parser.add_argument("--latest", action="store_true", help="Seulement la dernière version de chaque territoire")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Refaire aussi les documents déjà gardés (après une mise à jour qui change leur rendu)",
        )

    def handle(self, *args, territory=None, latest=False, regenerate=False, **options):
        versions = PactVersion.objects.select_related("territory").defer("content", "changes")
        if territory:
            versions = versions.filter(territory__slug=territory)
        versions = versions.order_by("territory__slug", "-number")
        done = set()
        for version in versions:
            if latest and version.territory_id in done:
                continue
            done.add(version.territory_id)
            if regenerate:
                PactDocument.objects.filter(version=version).delete()
            before = PactDocument.objects.filter(version=version).count()
            start = time.perf_counter()
            documents = pact_documents_generate(version=version)
            made = len(documents) - before
            self.stdout.write(
                f"{version.territory.name} v{version.number} : "
                + (
                    ncount("%(n)s document produit", "%(n)s documents produits", made)
                    + f" en {time.perf_counter() - start:.1f} s"
                    if made
                    else "à jour"
                )
            )
