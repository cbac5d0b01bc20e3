"""Reminders of step 5: reviews due within 30 days and memberships ending within 60 days, to both sides, once.

Run it once a day, e.g. with cron:

    # m h dom mon dow  command
    15 6 * * *  cd /srv/pacte && .venv/bin/python manage.py send_reminders >> /var/log/pacte/reminders.log 2>&1

Idempotent: each review and each end of membership is announced once (its reminder date is kept); memberships
whose term has passed are ended.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from pacte.governance.services_members import reminders_send


def counted(n: int, one: str, many: str) -> str:
    """« 0 revue », « 1 revue », « 2 revues »: French takes the singular for 0 and 1 (operator output, no catalogue)."""
    return f"{n} {many if n > 1 else one}"


class Command(BaseCommand):
    help = "Rappelle les revues annuelles et les fins d'adhésion aux entreprises et aux équipes des territoires."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Date du jour (AAAA-MM-JJ), pour rattraper un jour manqué ou tester.")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today attend une date AAAA-MM-JJ, pas « {today} ».") from error
        summary = reminders_send(today=day)
        self.stdout.write(
            "Rappels : "
            + ", ".join(
                [
                    counted(summary["reviews"], "revue", "revues"),
                    counted(summary["ends"], "fin d'adhésion", "fins d'adhésion"),
                    counted(summary["ended"], "adhésion terminée", "adhésions terminées"),
                    counted(summary["emails"], "courriel envoyé", "courriels envoyés"),
                ]
            )
            + "."
        )
