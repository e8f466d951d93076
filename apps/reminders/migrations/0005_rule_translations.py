"""Names and messages of the seeded reminder rules in the five other UN languages. UNODA can
edit them (and add rules) in the admin."""

from django.db import migrations

# code: {language suffix: (name, message)}
RULES = {
    "submitted-not-triaged": {
        "ar": ("طلب مقدَّم لم يُفرز بعد",
               "قُدِّم هذا الطلب وهو في انتظار أن يبدأ مكتب شؤون نزع السلاح استعراضه."),
        "zh_hans": ("已提交但尚未分类", "此请求已提交，正在等待裁军事务厅开始审查。"),
        "fr": ("Soumise mais non triée",
               "Cette demande a été soumise et attend que le Bureau des affaires de "
               "désarmement en commence l'examen."),
        "ru": ("Представлена, но не рассмотрена",
               "Эта просьба представлена и ожидает, когда Управление по вопросам "
               "разоружения начнет ее рассмотрение."),
        "es": ("Presentada pero sin clasificar",
               "Esta solicitud se presentó y está a la espera de que la Oficina de Asuntos "
               "de Desarme comience a examinarla."),
    },
    "revision-not-answered": {
        "ar": ("طلب التنقيح لم يُرَد عليه",
               "أعاد مكتب شؤون نزع السلاح هذا الطلب للتنقيح. يُرجى الإجابة عن الأسئلة "
               "وإعادة تقديمه."),
        "zh_hans": ("修订要求未获答复", "裁军事务厅已退回此请求以作修订。请回答问题并重新提交。"),
        "fr": ("Révision sans réponse",
               "Le Bureau des affaires de désarmement a renvoyé cette demande pour révision. "
               "Veuillez répondre aux questions et la soumettre à nouveau."),
        "ru": ("Нет ответа на просьбу о доработке",
               "Управление по вопросам разоружения вернуло эту просьбу на доработку. "
               "Пожалуйста, ответьте на вопросы и представьте ее повторно."),
        "es": ("Revisión sin respuesta",
               "La Oficina de Asuntos de Desarme devolvió esta solicitud para su revisión. "
               "Responda a las preguntas y vuelva a presentarla."),
    },
    "published-no-interest": {
        "ar": ("طلب منشور دون اهتمام من المانحين",
               "لم يُبدِ أي مانح اهتمامه بهذا الطلب المنشور حتى الآن. يُرجى البحث بنشاط "
               "عن مانحين: عرضه على المانحين المناسبين أو في اجتماع المطابقة المقبل."),
        "zh_hans": ("已发布但无捐助方表示兴趣",
                    "尚无捐助方对这项已发布的请求表示兴趣。请积极寻找捐助方：向匹配的捐助方"
                    "介绍该请求，或在下一次配对会议上提出。"),
        "fr": ("Publiée sans intérêt des donateurs",
               "Aucun donateur n'a encore manifesté d'intérêt pour cette demande publiée. "
               "Veuillez rechercher activement des donateurs : présentez-la aux donateurs "
               "correspondants ou à la prochaine réunion de mise en relation."),
        "ru": ("Опубликована, но доноры не проявили интереса",
               "Ни один донор пока не проявил интереса к этой опубликованной просьбе. "
               "Пожалуйста, активно ищите доноров: представьте ее подходящим донорам или "
               "на следующем совещании по подбору партнеров."),
        "es": ("Publicada sin interés de los donantes",
               "Ningún donante ha manifestado aún interés en esta solicitud publicada. "
               "Busque donantes activamente: preséntela a los donantes adecuados o en la "
               "próxima reunión de vinculación."),
    },
    "interest-without-agreement": {
        "ar": ("اهتمام دون اتفاق",
               "أبدى أحد المانحين اهتمامه بهذا الطلب، ولكن لم يُسجَّل أي اتفاق بعد."),
        "zh_hans": ("有兴趣但无协议", "一个捐助方已对此请求表示兴趣，但尚未记录任何协议。"),
        "fr": ("Intérêt sans accord",
               "Un donateur a manifesté son intérêt pour cette demande, mais aucun accord n'a "
               "encore été enregistré."),
        "ru": ("Интерес без соглашения",
               "Донор проявил интерес к этой просьбе, но соглашение еще не зарегистрировано."),
        "es": ("Interés sin acuerdo",
               "Un donante manifestó interés en esta solicitud, pero aún no se ha registrado "
               "ningún acuerdo."),
    },
    "agreement-not-started": {
        "ar": ("اتفاق موقَّع دون بدء التنفيذ", "سُجِّل اتفاق، ولكن التنفيذ لم يبدأ."),
        "zh_hans": ("协议已签署，执行尚未开始", "已记录一项协议，但执行尚未开始。"),
        "fr": ("Accord signé, mise en œuvre non commencée",
               "Un accord a été enregistré, mais la mise en œuvre n'a pas commencé."),
        "ru": ("Соглашение подписано, осуществление не начато",
               "Соглашение зарегистрировано, но его осуществление не началось."),
        "es": ("Acuerdo firmado, ejecución no iniciada",
               "Se registró un acuerdo, pero la ejecución no ha comenzado."),
    },
    "feedback-pending": {
        "ar": ("تقييم معلَّق بعد الإنجاز",
               "اكتمل التنفيذ. يُرجى تقديم تقييمكم لفعالية المساعدة."),
        "zh_hans": ("完成后反馈待提交", "执行已完成。请就援助的有效性提供反馈。"),
        "fr": ("Évaluation attendue après achèvement",
               "La mise en œuvre est achevée. Veuillez donner votre appréciation de "
               "l'efficacité de l'assistance."),
        "ru": ("Ожидается отзыв после завершения",
               "Осуществление завершено. Пожалуйста, оцените эффективность помощи."),
        "es": ("Evaluación pendiente tras la finalización",
               "La ejecución ha concluido. Dé su opinión sobre la eficacia de la asistencia."),
    },
    "pledge-not-converted": {
        "ar": ("تعهد لم يتحول إلى التزام",
               "تجاوز هذا التعهد التاريخ المتوقع للالتزام. يُرجى تأكيد الالتزام أو تحديث "
               "التاريخ المتوقع."),
        "zh_hans": ("认捐未转为承付", "此项认捐已超过预期承付日期。请确认承付或更新预期日期。"),
        "fr": ("Annonce de contribution non convertie en engagement",
               "Cette annonce de contribution a dépassé sa date d'engagement prévue. "
               "Veuillez confirmer l'engagement ou mettre à jour la date prévue."),
        "ru": ("Объявленный взнос не превращен в обязательство",
               "Срок ожидаемого принятия обязательства по этому объявленному взносу истек. "
               "Пожалуйста, подтвердите обязательство или обновите ожидаемую дату."),
        "es": ("Promesa no convertida en compromiso",
               "Esta promesa ha superado la fecha prevista de compromiso. Confirme el "
               "compromiso o actualice la fecha prevista."),
    },
    "commitment-not-disbursed": {
        "ar": ("التزام لم يُصرف",
               "بعد ستة أشهر من تقديم هذا الالتزام، لم يُصرف بالكامل. يُرجى تسجيل المبالغ "
               "المصروفة أو التواريخ المتوقعة."),
        "zh_hans": ("承付款未支付", "此项承付作出六个月后仍未全额支付。请记录已支付的款项或预期日期。"),
        "fr": ("Engagement non décaissé",
               "Six mois après cet engagement, il n'est pas entièrement décaissé. Veuillez "
               "enregistrer les décaissements effectués ou les dates prévues."),
        "ru": ("Обязательство не выплачено",
               "Через шесть месяцев после принятия этого обязательства оно выплачено не "
               "полностью. Пожалуйста, зарегистрируйте произведенные выплаты или ожидаемые "
               "даты."),
        "es": ("Compromiso no desembolsado",
               "Seis meses después de contraído este compromiso, no se ha desembolsado en su "
               "totalidad. Registre los desembolsos efectuados o las fechas previstas."),
    },
    "progress-report-due": {
        "ar": ("موعد تقديم تقرير مرحلي",
               "انتهت فترة إبلاغ. يُرجى تقديم التقرير المرحلي عنها."),
        "zh_hans": ("进度报告到期", "一个报告期已结束。请提交该期的进度报告。"),
        "fr": ("Rapport d'étape attendu",
               "Une période de rapport est terminée. Veuillez soumettre le rapport d'étape "
               "correspondant."),
        "ru": ("Срок представления доклада о ходе работы",
               "Отчетный период закончился. Пожалуйста, представьте доклад о ходе работы за "
               "этот период."),
        "es": ("Informe sobre la marcha de los trabajos pendiente",
               "Ha terminado un período de presentación de informes. Presente el informe "
               "sobre la marcha de los trabajos correspondiente."),
    },
    "progress-report-overdue": {
        "ar": ("تقرير مرحلي متأخر",
               "تأخر التقرير المرحلي عن فترة إبلاغ منتهية أسبوعين."),
        "zh_hans": ("进度报告逾期", "一个已结束报告期的进度报告已逾期两周。"),
        "fr": ("Rapport d'étape en retard",
               "Le rapport d'étape d'une période de rapport terminée a deux semaines de "
               "retard."),
        "ru": ("Доклад о ходе работы просрочен",
               "Доклад о ходе работы за закончившийся отчетный период задерживается на две "
               "недели."),
        "es": ("Informe sobre la marcha de los trabajos atrasado",
               "El informe sobre la marcha de los trabajos de un período ya terminado lleva "
               "dos semanas de retraso."),
    },
}  # fmt: skip


def translate(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for code, languages in RULES.items():
        fields = {}
        for suffix, (name, message) in languages.items():
            fields[f"name_{suffix}"] = name
            fields[f"message_{suffix}"] = message
        ReminderRule.objects.filter(code=code).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0004_record_rules")]

    operations = [migrations.RunPython(translate, migrations.RunPython.noop)]
