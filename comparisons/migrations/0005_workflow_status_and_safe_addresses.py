# The claim's status is the editors' workflow only; addresses are http(s) only. Separate from
# 0004 so that PostgreSQL alters the tables after the data migration's transaction.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comparisons', '0004_evidence_verdicts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claim',
            name='editor_note',
            field=models.TextField(blank=True, help_text='Shown publicly beside contested and refuted claims: say plainly why the evidence disagrees.'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('retracted', 'Retracted')], db_index=True, default='draft', help_text='Your workflow. Draft and retracted claims are never public. A published claim is public once it has a citation; what its evidence says (supported, contested, refuted) is worked out from its citations.', max_length=10),
        ),
        migrations.AlterField(
            model_name='claim',
            name='weight',
            field=models.PositiveSmallIntegerField(default=3, help_text='1 to 5: how much this claim counts against other claims on the same framework and criterion, before the strength of its evidence is applied.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AlterField(
            model_name='historicalclaim',
            name='editor_note',
            field=models.TextField(blank=True, help_text='Shown publicly beside contested and refuted claims: say plainly why the evidence disagrees.'),
        ),
        migrations.AlterField(
            model_name='historicalclaim',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('retracted', 'Retracted')], db_index=True, default='draft', help_text='Your workflow. Draft and retracted claims are never public. A published claim is public once it has a citation; what its evidence says (supported, contested, refuted) is worked out from its citations.', max_length=10),
        ),
        migrations.AlterField(
            model_name='historicalclaim',
            name='weight',
            field=models.PositiveSmallIntegerField(default=3, help_text='1 to 5: how much this claim counts against other claims on the same framework and criterion, before the strength of its evidence is applied.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('verdict_override', ''), models.Q(('verdict_override_reason', ''), _negated=True), _connector='OR'), name='claim_verdict_override_has_reason', violation_error_message='Say why you set the verdict by hand.'),
        ),
        migrations.AddConstraint(
            model_name='framework',
            constraint=models.CheckConstraint(condition=models.Q(('homepage', ''), ('homepage__startswith', 'http://'), ('homepage__startswith', 'https://'), _connector='OR'), name='framework_homepage_http', violation_error_message='Enter an address that starts with http:// or https://.'),
        ),
        migrations.AddConstraint(
            model_name='framework',
            constraint=models.CheckConstraint(condition=models.Q(('repository', ''), ('repository__startswith', 'http://'), ('repository__startswith', 'https://'), _connector='OR'), name='framework_repository_http', violation_error_message='Enter an address that starts with http:// or https://.'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.CheckConstraint(condition=models.Q(('url', ''), ('url__startswith', 'http://'), ('url__startswith', 'https://'), _connector='OR'), name='source_url_http', violation_error_message='Enter an address that starts with http:// or https://.'),
        ),
    ]
