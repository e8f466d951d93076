"""Category and kind-of-help names in the five other UN languages (UN terminology; the Arabic
follows the PoA's Arabic text, e.g. إدارة المخزونات, الوسم, التعقب, السمسرة). UNODA can edit
them in the admin."""

from django.db import migrations

# code: (ar, zh-hans, fr, ru, es)
CATEGORIES = {
    "legislation": (
        "التشريعات واللوائح الوطنية",
        "国家立法和法规",
        "Législation et réglementation nationales",
        "Национальное законодательство и нормативные акты",
        "Legislación y reglamentación nacionales",
    ),
    "coordination": (
        "هيئة التنسيق الوطنية / جهة الاتصال",
        "国家协调机构/联络点",
        "Organisme national de coordination / point de contact",
        "Национальный координационный орган / контактный центр",
        "Órgano nacional de coordinación / punto de contacto",
    ),
    "stockpile": (
        "إدارة المخزونات وضمان أمنها",
        "库存管理和安全",
        "Gestion et sécurité des stocks",
        "Управление запасами и обеспечение их сохранности",
        "Gestión y seguridad de las existencias",
    ),
    "marking": (
        "الوسم وآلات الوسم",
        "标识和标识机",
        "Marquage et machines de marquage",
        "Маркировка и маркировочное оборудование",
        "Marcaje y máquinas de marcaje",
    ),
    "tracing": (
        "حفظ السجلات والتعقب",
        "记录保存和追查",
        "Enregistrement et traçage",
        "Учет и отслеживание",
        "Mantenimiento de registros y localización",
    ),
    "collection": (
        "جمع الأسلحة",
        "武器收缴",
        "Collecte d'armes",
        "Сбор оружия",
        "Recogida de armas",
    ),
    "destruction": (
        "تدمير الأسلحة الفائضة أو غير الموسومة أو غير المشروعة",
        "销毁多余、未标识或非法武器",
        "Destruction des armes excédentaires, non marquées ou illicites",
        "Уничтожение излишков, немаркированного или незаконного оружия",
        "Destrucción de armas excedentarias, sin marcar o ilícitas",
    ),
    "border": (
        "مراقبة الحدود والجمارك",
        "边境和海关管制",
        "Contrôle aux frontières et contrôle douanier",
        "Пограничный и таможенный контроль",
        "Control fronterizo y aduanero",
    ),
    "law-enforcement": (
        "التعاون والتدريب في مجال إنفاذ القوانين",
        "执法合作和培训",
        "Coopération et formation des services de détection et de répression",
        "Сотрудничество правоохранительных органов и подготовка их сотрудников",
        "Cooperación y capacitación en materia de aplicación de la ley",
    ),
    "brokering": (
        "ضوابط السمسرة",
        "中介活动管制",
        "Contrôle du courtage",
        "Контроль за брокерской деятельностью",
        "Control de la intermediación",
    ),
    "ddr": (
        "نزع السلاح والتسريح وإعادة الإدماج",
        "解除武装、复员和重返社会",
        "DDR (désarmement, démobilisation et réintégration)",
        "РДР (разоружение, демобилизация и реинтеграция)",
        "DDR (desarme, desmovilización y reintegración)",
    ),
    "awareness": (
        "توعية الجمهور وثقافة السلام",
        "提高公众意识和和平文化",
        "Sensibilisation du public et culture de paix",
        "Информирование общественности и культура мира",
        "Sensibilización pública y cultura de paz",
    ),
    "research": (
        "البحوث وجمع البيانات",
        "研究和数据收集",
        "Recherche et collecte de données",
        "Исследования и сбор данных",
        "Investigación y recopilación de datos",
    ),
    "crime-links": (
        "الصلات بالمخدرات غير المشروعة والجريمة المنظمة والإرهاب",
        "与非法药物、有组织犯罪和恐怖主义的联系",
        "Liens avec les drogues illicites, la criminalité organisée et le terrorisme",
        "Связи с незаконным оборотом наркотиков, организованной преступностью и терроризмом",
        "Vínculos con las drogas ilícitas, la delincuencia organizada y el terrorismo",
    ),
}

KINDS = {
    "financial": ("مالية", "资金", "Financière", "Финансовая", "Financiera"),
    "technical": ("تقنية", "技术", "Technique", "Техническая", "Técnica"),
    "equipment": ("معدات", "设备", "Équipement", "Оборудование", "Equipo"),
    "training": ("تدريب", "培训", "Formation", "Обучение", "Capacitación"),
    "expertise": ("خبرات", "专门知识", "Expertise", "Экспертные знания", "Conocimientos especializados"),
}

SUFFIXES = ("ar", "zh_hans", "fr", "ru", "es")


def translate(apps, schema_editor):
    for model_name, names in (("Category", CATEGORIES), ("AssistanceKind", KINDS)):
        model = apps.get_model("cases", model_name)
        for code, translations in names.items():
            model.objects.filter(code=code).update(
                **{f"name_{suffix}": text for suffix, text in zip(SUFFIXES, translations)}
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_request_original_texts")]

    operations = [migrations.RunPython(translate, migrations.RunPython.noop)]
