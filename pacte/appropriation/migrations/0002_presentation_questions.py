"""Questions and answers of a restitution get a field each: the text once typed as "question — réponse", one per
line, is split on its first em dash (a line without one is a question still waiting for its answer)."""

import django.db.models.deletion
from django.db import migrations, models

SEPARATOR = "—"


def split_questions(apps, schema_editor):
    Presentation = apps.get_model("appropriation", "Presentation")
    PresentationQuestion = apps.get_model("appropriation", "PresentationQuestion")
    rows = []
    for presentation in Presentation.objects.exclude(questions="").only("pk", "territory_id", "questions"):
        lines = [line.strip() for line in presentation.questions.splitlines() if line.strip()]
        for order, line in enumerate(lines):
            question, _sep, answer = line.partition(SEPARATOR)
            rows.append(
                PresentationQuestion(
                    territory_id=presentation.territory_id,
                    presentation_id=presentation.pk,
                    order=order,
                    question=question.strip() or line,
                    answer=answer.strip(),
                )
            )
    PresentationQuestion.objects.bulk_create(rows, batch_size=500)


def join_questions(apps, schema_editor):
    Presentation = apps.get_model("appropriation", "Presentation")
    PresentationQuestion = apps.get_model("appropriation", "PresentationQuestion")
    texts = {}
    for q in PresentationQuestion.objects.order_by("presentation_id", "order", "pk"):
        line = f"{q.question} {SEPARATOR} {q.answer}" if q.answer else q.question
        texts.setdefault(q.presentation_id, []).append(line)
    for pk, lines in texts.items():
        Presentation.objects.filter(pk=pk).update(questions="\n".join(lines))


class Migration(migrations.Migration):
    dependencies = [
        ("appropriation", "0001_initial"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PresentationQuestion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("order", models.PositiveIntegerField(default=0, verbose_name="ordre")),
                ("question", models.TextField(verbose_name="question posée")),
                ("answer", models.TextField(blank=True, verbose_name="réponse apportée")),
                (
                    "presentation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions_set_tmp",
                        to="appropriation.presentation",
                        verbose_name="restitution",
                    ),
                ),
                (
                    "territory",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="territories.territory",
                        verbose_name="territoire",
                    ),
                ),
            ],
            options={
                "verbose_name": "question posée à une restitution",
                "verbose_name_plural": "questions posées aux restitutions",
                "ordering": ["order", "pk"],
                "abstract": False,
            },
        ),
        migrations.RunPython(split_questions, join_questions),
        migrations.RemoveField(model_name="presentation", name="questions"),
        migrations.AlterField(
            model_name="presentationquestion",
            name="presentation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="appropriation.presentation",
                verbose_name="restitution",
            ),
        ),
    ]
