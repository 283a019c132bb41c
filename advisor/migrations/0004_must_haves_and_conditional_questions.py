"""Must-haves (a hard requirement an option asks for, one per criterion) and conditional
questions (a question asked only after some answers to earlier ones)."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('advisor', '0003_consultation_content_hash'),
        ('comparisons', '0007_explorer_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='question',
            name='shown_when',
            field=models.ManyToManyField(blank=True, help_text='Ask this question only when the visitor picked one of these options of earlier questions; leave it empty to always ask it. Visitors whose browser runs scripts see the question appear when they pick one; the others see every question, with a note. Answers to a question that should not have been asked are ignored.', related_name='reveals', to='advisor.option', verbose_name='asked only after'),
        ),
        migrations.AlterField(
            model_name='consultation',
            name='result',
            field=models.JSONField(default=dict, editable=False, help_text='Everything the result page shows (advisor.schema.Snapshot, versioned).'),
        ),
        migrations.CreateModel(
            name='HistoricalMustHave',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('label', models.CharField(help_text='The requirement as the result page names it, e.g. “Must support async”.', max_length=100)),
                ('minimum', models.DecimalField(decimal_places=1, default=Decimal('1.0'), help_text='From -2.0 to +2.0. A framework is excluded when its evidence on the criterion (its published claims that are not refuted, weighed as everywhere on the site) is below this: +1.0 means the evidence must say it does; 0.0 that it must not say it does not. A framework with no such evidence is never excluded: the result page says it is unknown.', max_digits=2, validators=[django.core.validators.MinValueValidator(-2), django.core.validators.MaxValueValidator(2)], verbose_name='lowest evidence accepted')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('criterion', models.ForeignKey(blank=True, db_constraint=False, help_text="The criterion whose evidence decides it. One must-have per criterion: the result page's address names it by the criterion.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='comparisons.criterion')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('option', models.ForeignKey(blank=True, db_constraint=False, help_text='The answer that asks for it, e.g. “We cannot do without async” under a question “Is anything a must?”.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='advisor.option')),
            ],
            options={
                'verbose_name': 'historical must-have',
                'verbose_name_plural': 'historical must-haves',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='MustHave',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(help_text='The requirement as the result page names it, e.g. “Must support async”.', max_length=100)),
                ('minimum', models.DecimalField(decimal_places=1, default=Decimal('1.0'), help_text='From -2.0 to +2.0. A framework is excluded when its evidence on the criterion (its published claims that are not refuted, weighed as everywhere on the site) is below this: +1.0 means the evidence must say it does; 0.0 that it must not say it does not. A framework with no such evidence is never excluded: the result page says it is unknown.', max_digits=2, validators=[django.core.validators.MinValueValidator(-2), django.core.validators.MaxValueValidator(2)], verbose_name='lowest evidence accepted')),
                ('criterion', models.OneToOneField(help_text="The criterion whose evidence decides it. One must-have per criterion: the result page's address names it by the criterion.", on_delete=django.db.models.deletion.PROTECT, related_name='must_have', to='comparisons.criterion')),
                ('option', models.OneToOneField(help_text='The answer that asks for it, e.g. “We cannot do without async” under a question “Is anything a must?”.', on_delete=django.db.models.deletion.CASCADE, related_name='must_have', to='advisor.option')),
            ],
            options={
                'verbose_name': 'must-have',
                'ordering': ['option__question__order', 'option__order', 'option_id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('minimum__gte', -2), ('minimum__lte', 2)), name='musthave_minimum_range')],
            },
        ),
    ]
