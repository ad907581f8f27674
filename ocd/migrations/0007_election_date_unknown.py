# An election named by a Form 501's year and type whose date is not in the statewide calendar
# (a special election, a local election off the statewide dates) is kept without a date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ocd', '0006_pipeline'),
    ]

    operations = [
        migrations.AlterField(
            model_name='election',
            name='date',
            field=models.DateField(help_text='Date when eligible voters cast their ballots (empty: not known).', null=True),
        ),
    ]
