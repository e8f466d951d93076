"""The actuals of the results framework are chased too: when the latest progress report of a
case in implementation gives no value for one or more of its indicators, the requesting State
and the implementing partner are reminded (to give them, with their evidence, in the next
report), and UNODA is told a month later if they are still missing. Its name and message in
the six UN languages."""

from django.db import migrations, models

NAMES = {
    "en": ("Results not reported",
           "The latest progress report gives no value for one or more indicators of the case's "
           "results framework. Please give the values reached, with their evidence, in the next "
           "progress report."),
    "fr": ("Résultats non communiqués",
           "Le dernier rapport d'avancement ne donne aucune valeur pour un ou plusieurs "
           "indicateurs du cadre de résultats du dossier. Veuillez indiquer les valeurs "
           "atteintes, avec leurs justificatifs, dans le prochain rapport d'avancement."),
    "es": ("Resultados no comunicados",
           "El último informe de progreso no da ningún valor para uno o más indicadores del "
           "marco de resultados del caso. Indique los valores alcanzados, con sus pruebas, en "
           "el próximo informe de progreso."),
    "ru": ("Результаты не представлены",
           "В последнем отчете о ходе работы не указано значение одного или нескольких "
           "показателей системы результатов по этому делу. Пожалуйста, укажите достигнутые "
           "значения с подтверждающими документами в следующем отчете о ходе работы."),
    "zh_hans": ("未报告成果",
                "最近一份进展报告没有提供此案成果框架中一项或多项指标的数值。请在下一份进展报告中"
                "提供已达到的数值及其证明。"),
    "ar": ("النتائج غير مبلَّغ عنها",
           "لا يتضمن آخر تقرير مرحلي أي قيمة لمؤشر واحد أو أكثر من مؤشرات إطار النتائج لهذه "
           "الحالة. يُرجى تقديم القيم المحققة، مع ما يثبتها، في التقرير المرحلي التالي."),
}  # fmt: skip


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    defaults = {
        "name": NAMES["en"][0],
        "message": NAMES["en"][1],
        "watch": "indicator_actuals",
        "status": "",
        "delay_days": 0,
        "notify_case_officer": False,
        "notify_recipient": True,
        "notify_donors": False,
        "notify_partner": True,
        "escalate_after_days": 30,
    }
    for suffix, (name, message) in NAMES.items():
        defaults[f"name_{suffix}"] = name
        defaults[f"message_{suffix}"] = message
    ReminderRule.objects.update_or_create(code="indicator-actuals-missing", defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0006_milestone_rule"), ("followup", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="reminderrule",
            name="watch",
            field=models.CharField(
                choices=[
                    ("case_status", "A case staying in one status"),
                    ("pledge_not_converted", "A pledge not committed by its date"),
                    (
                        "commitment_not_disbursed",
                        "A commitment not fully disbursed some days after it was committed",
                    ),
                    ("progress_report", "A reporting period ended without a progress report"),
                    ("milestone", "A milestone not done by its due date"),
                    (
                        "indicator_actuals",
                        "A progress report without values for the indicators of the results "
                        "framework",
                    ),
                ],
                max_length=30,
                verbose_name="watches",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
