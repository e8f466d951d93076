# The type of cooperation (issue 21): existing rows keep an empty value, shown as "not
# recorded"; forms, services and the API require it on every new row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0005_stored_rates'),
    ]

    operations = [
        migrations.AddField(
            model_name='offer',
            name='cooperation_type',
            field=models.CharField(blank=True, choices=[('north_south', 'North-South'), ('south_south', 'South-South'), ('triangular', 'Triangular'), ('regional', 'Regional'), ('multilateral', 'Multilateral (through a UN entity or fund)')], help_text='North-South, South-South, triangular (a third partner supports cooperation between two countries of the South), regional, or multilateral (through a UN entity or fund).', max_length=20, verbose_name='type of cooperation'),
        ),
        migrations.AddConstraint(
            model_name='offer',
            constraint=models.CheckConstraint(condition=models.Q(('cooperation_type__in', ['north_south', 'south_south', 'triangular', 'regional', 'multilateral', ''])), name='offer_cooperation_type_valid', violation_error_message='Choose a type of cooperation from the list.'),
        ),
    ]
