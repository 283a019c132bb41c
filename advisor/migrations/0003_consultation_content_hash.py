"""Consultations become content-addressed: a unique SHA-256 of answers + knowledge + engine version.

Rows saved before this keep a null hash: the knowledge version they were computed on was not
recorded, so it cannot be computed for them. The constraint allows any number of nulls.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("advisor", "0002_editors_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="content_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of the answers, the knowledge version and the engine version: the same three give the same consultation. Empty for consultations saved before it existed.",
                max_length=64,
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.UniqueConstraint(
                fields=("content_hash",), name="consultation_unique_content"
            ),
        ),
    ]
