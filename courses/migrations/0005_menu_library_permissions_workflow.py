"""Set up what a fresh production install needs before anyone logs in:

- the five module categories of the menu (editable afterwards as snippets);
- the training menu page (slug ``menu``) and the case review library page (slug ``cases``) under the home page;
- the staff groups' Wagtail permissions: lecturers may add pages under the menu and the library and edit the pages
  they own (Wagtail's "add" permission), bureau staff may edit and publish any of them; both may upload and choose
  images and documents;
- a moderation workflow ("司法局审核", bureau review: one approval task for the Bureau staff group) on both pages, so what a
  lecturer submits waits for bureau approval."""

from django.db import migrations

CATEGORIES = [
    ("A", "基础", "Foundations", "法律法规与职业规范"),
    ("B", "实体法", "Substantive law", "调解常用的民事实体法"),
    ("C", "技能", "Skills", "调解技巧、沟通与排查预警"),
    ("D", "程序与文书", "Procedure & documents", "调解程序、文书卷宗与诉调对接"),
    ("E", "实践", "Practice", "案例评析、模拟调解与庭审观摩"),
]
LECTURERS, BUREAU_STAFF = "Lecturers", "Bureau staff"
REVIEW = "司法局审核"  # shown to lecturers as "提交给司法局审核"
STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_child_path(Page, parent):
    last = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("-path").first()
    number = 1
    if last:
        number = 0
        for char in last.path[-STEPLEN:]:
            number = number * len(ALPHABET) + ALPHABET.index(char)
        number += 1
    digits = ""
    while number:
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return parent.path + digits.rjust(STEPLEN, "0")


def _child_page(apps, home, model_name, title, slug, **fields):
    Page = apps.get_model("wagtailcore", "Page")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Model = apps.get_model("courses", model_name)
    existing = Model.objects.first()
    if existing:
        return existing
    content_type, _ = ContentType.objects.get_or_create(app_label="courses", model=model_name.lower())
    page = Model.objects.create(
        title=title, draft_title=title, slug=slug, content_type=content_type,
        path=_next_child_path(Page, home), depth=home.depth + 1, numchild=0,
        url_path=f"{home.url_path}{slug}/", locale_id=home.locale_id, live=True, **fields,
    )
    Page.objects.filter(pk=home.pk).update(numchild=Page.objects.filter(
        path__startswith=home.path, depth=home.depth + 1).count())
    home.refresh_from_db()
    return page


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                                     defaults={"name": name})
    return permission


def forwards(apps, schema_editor):
    ModuleCategory = apps.get_model("courses", "ModuleCategory")
    HomePage = apps.get_model("courses", "HomePage")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Collection = apps.get_model("wagtailcore", "Collection")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    for code, name, name_en, description in CATEGORIES:
        ModuleCategory.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "description": description})

    home = HomePage.objects.first()
    if home is None:
        return
    menu = _child_page(apps, home, "CourseMenuPage", "培训菜单", "menu",
                       intro="司法局菜单式轮训课程：按需选学，学完计入年度培训学时。")
    library = _child_page(apps, home, "CaseReviewLibraryPage", "案例评析", "cases",
                          intro="经过匿名处理的真实调解案例，附调解过程、法律依据与讲师点评。")

    lecturers, _ = Group.objects.get_or_create(name=LECTURERS)
    bureau, _ = Group.objects.get_or_create(name=BUREAU_STAFF)
    page_perm = {kind: _permission(apps, "wagtailcore", "page", f"{kind}_page", f"Can {kind} page")
                 for kind in ("add", "change", "publish")}
    for page in (menu, library):
        for group, kinds in ((lecturers, ["add"]), (bureau, ["add", "change", "publish"])):
            for kind in kinds:
                GroupPagePermission.objects.get_or_create(group=group, page_id=page.pk, permission=page_perm[kind])

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection:
        for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
            for action in ("add", "change", "choose"):
                permission = _permission(apps, app_label, model, f"{action}_{model}", f"Can {action} {model}")
                for group in (lecturers, bureau):
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=permission)

    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=REVIEW).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW, content_type=task_type, active=True)
        task.groups.set([bureau])
    workflow, created = Workflow.objects.get_or_create(name=REVIEW, defaults={"active": True})
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for page in (menu, library):
        WorkflowPage.objects.update_or_create(page_id=page.pk, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_learning_records"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
