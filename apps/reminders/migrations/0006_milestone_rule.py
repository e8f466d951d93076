"""Milestones are chased too: a reminder on the due day of a milestone not done, to the
requesting State, the implementing partner and the case officer, and an escalation to UNODA
a week later (the milestone is then late). Its name and message in the six UN languages."""

from django.db import migrations, models

NAMES = {
    "en": ("Milestone due",
           "A milestone of this case is due and not marked done. Please mark it done with its "
           "evidence, or agree a new date with UNODA."),
    "fr": ("Jalon à échéance",
           "Un jalon de ce dossier arrive à échéance sans être marqué comme atteint. Veuillez le "
           "marquer comme atteint avec ses justificatifs, ou convenir d'une nouvelle date avec "
           "le Bureau des affaires de désarmement."),
    "es": ("Hito vencido",
           "Un hito de este caso ha vencido y no está marcado como cumplido. Márquelo como "
           "cumplido con sus pruebas o acuerde una nueva fecha con la Oficina de Asuntos de "
           "Desarme."),
    "ru": ("Срок этапа наступил",
           "Наступил срок этапа по этому делу, но он не отмечен как выполненный. Пожалуйста, "
           "отметьте его выполнение с подтверждающими документами или согласуйте новую дату "
           "с Управлением по вопросам разоружения."),
    "zh_hans": ("里程碑到期", "此案的一个里程碑已到期但尚未标记为完成。请附上证明将其标记为完成，"
                "或与裁军事务厅商定新的日期。"),
    "ar": ("حان موعد مرحلة",
           "حان موعد إحدى مراحل هذه الحالة ولم يُؤشَّر عليها بأنها أُنجزت. يُرجى التأشير على "
           "إنجازها مع ما يثبت ذلك، أو الاتفاق على موعد جديد مع مكتب شؤون نزع السلاح."),
}  # fmt: skip


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    defaults = {
        "name": NAMES["en"][0],
        "message": NAMES["en"][1],
        "watch": "milestone",
        "status": "",
        "delay_days": 0,
        "notify_case_officer": True,
        "notify_recipient": True,
        "notify_donors": False,
        "notify_partner": True,
        "escalate_after_days": 7,
    }
    for suffix, (name, message) in NAMES.items():
        defaults[f"name_{suffix}"] = name
        defaults[f"message_{suffix}"] = message
    ReminderRule.objects.update_or_create(code="milestone-due", defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0005_rule_translations"), ("followup", "0001_initial")]

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
                ],
                max_length=30,
                verbose_name="watches",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
