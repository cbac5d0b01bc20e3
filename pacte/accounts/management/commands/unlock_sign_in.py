from django.core.management.base import BaseCommand

from pacte.accounts.forms import sign_in_unlock


class Command(BaseCommand):
    help = "Lève le blocage de la connexion par mot de passe d'un compte après trop d'échecs."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        sign_in_unlock(username=username)
        self.stdout.write(f"Connexion de « {username} » débloquée.")
