"""Roster import: reading and checking files (malformed ones included), planning, and the import services."""

from datetime import date

import pytest
from django.utils import translation

from people import roster, selectors
from people.exceptions import PeopleError
from people.models import Committee, Membership, RosterImport, User
from people.roles import StaffRole
from people.services import roster_import as roster_import_services
from people.services.organisation import person_create
from people.services.staff import staff_role_grant
from tests import factories
from tests.people.roster_files import HEADER, csv_bytes, person_id, row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def township(townships):
    return townships[0]


@pytest.fixture
def village(township):
    return township.get_children().first()


@pytest.fixture
def staff(township):
    return factories.bureau_staff(jurisdiction=township)


@pytest.fixture
def grade():
    return factories.GradeFactory(rank=3, name="三级调解员")


def counts() -> tuple[int, int, int]:
    return Committee.objects.count(), User.objects.count(), Membership.objects.count()


def upload(user, data: bytes, name: str = "名册.csv", **kwargs) -> RosterImport:
    return roster_import_services.roster_import_upload(user=user, file_name=name, data=data, **kwargs)


def run(record: RosterImport, user, capture) -> RosterImport:
    with capture(execute=True):
        roster_import_services.roster_import_confirm(roster_import=record, user=user)
    record.refresh_from_db()
    return record


def messages(record: RosterImport) -> list[tuple[int, str, str]]:
    return [(e["line"], e["column"], e["message"]) for e in record.errors]


# --- Malformed files: clear errors, nothing imported --------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "expected"), [
    ("名册.csv", b"", "文件是空的"),
    ("名册.csv", b"   \r\n  ", "文件是空的"),
    ("名册.csv", ",".join(HEADER).encode(), "只有标题行"),
    ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("名册.xlsx", b"not a zip at all", "不是有效的 .xlsx"),
    ("名册.pdf", b"%PDF-1.4 ...", "CSV 或 XLSX"),
    ("名册.csv", b"\x81\x30\xff\xfe\x80\x80\xff" * 10, "无法识别"),
    ("名册.csv", b"abc\x00def", "不是文本 CSV"),
    ("名册.xlsx", b"PK\x03\x04broken zip", "无法打开"),
])
def test_unreadable_files_are_refused_with_a_clear_chinese_message(staff, name, data, expected):
    before = counts()
    record = upload(staff, data, name)
    assert record.status == RosterImport.Status.REFUSED
    assert expected in record.errors[0]["message"], record.errors
    assert counts() == before


def test_a_file_over_the_size_limit_is_refused(staff):
    record = upload(staff, b"a" * (roster.MAX_FILE_BYTES + 1))
    assert "5 MB" in messages(record)[0][2] and record.status == RosterImport.Status.REFUSED


def test_a_file_over_the_row_limit_is_refused(staff, township, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 20)
    data = csv_bytes([row(township, name=f"成员{i}", phone=f"139{i:08d}") for i in range(21)])
    record = upload(staff, data)
    assert messages(record) == [(0, "", "文件超过 20 行，请拆分成几个较小的文件。")]


def test_wrong_columns_are_named(staff, township):
    header = [h for h in HEADER if h != "姓名"] + ["备注", "手机号"]
    record = upload(staff, csv_bytes([row(township)], header=header))
    found = {(column, message) for _line, column, message in messages(record)}
    assert ("备注", "未知的列“备注”。请使用模板中的列名。") in found
    assert ("phone", "“手机号”列出现了两次。") in found
    assert ("name", "缺少必填列“姓名”。") in found


def test_a_gbk_csv_from_chinese_excel_is_read(staff, village):
    record = upload(staff, csv_bytes([row(village, name="张建国", gender="男")], encoding="gbk"))
    assert record.status == RosterImport.Status.VALIDATED, record.errors
    assert record.preview["people_new"][0]["name"] == "张建国"


def test_utf8_without_bom_and_tab_separated_utf16_are_read(staff, village):
    data = csv_bytes([row(village)], encoding="utf-8")
    assert upload(staff, data).status == RosterImport.Status.VALIDATED
    text = data.decode("utf-8").replace(",", "\t")
    assert upload(staff, text.encode("utf-16")).status == RosterImport.Status.VALIDATED


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "＝1+1"])
def test_formula_and_csv_injection_cells_are_refused(staff, village, value):
    before = counts()
    record = upload(staff, csv_bytes([row(village), row(village, name=value, phone="13900000001")]))
    assert record.status == RosterImport.Status.REFUSED
    assert messages(record)[0][:2] == (3, "name")
    assert "公式" in messages(record)[0][2]
    assert counts() == before


def test_an_xlsx_formula_cell_is_refused(staff, village):
    values = row(village)
    values["name"] = "=CONCAT(\"王\",\"秀兰\")"
    record = upload(staff, xlsx_bytes([values]), "名册.xlsx")
    assert record.status == RosterImport.Status.REFUSED
    assert messages(record)[0][:2] == (2, "name") and "公式" in messages(record)[0][2]


def test_duplicate_rows_are_refused_and_point_at_the_first(staff, village):
    record = upload(staff, csv_bytes([row(village), row(village, name="李四", phone="13900000002"), row(village)]))
    assert messages(record) == [(4, "", "重复：第 2 行已列出此人在该调委会中。")]
    assert Membership.objects.count() == 0


@pytest.mark.parametrize(("fields", "column", "expected"), [
    ({"phone": "1390477123"}, "phone", "手机号码为 11 位"),
    ({"phone": "", "national_id": ""}, "phone", "手机号码或身份证号"),
    ({"national_id": "150621198001011234"}, "national_id", "校验位"),
    ({"national_id": "1.50621E+17"}, "national_id", "设置为文本"),
    ({"committee_kind": "居委会"}, "committee_kind", "村（嘎查）、社区"),
    ({"committee_kind": "行业性专业性"}, "specialty", "需要填写专业领域"),
    ({"specialty": "医疗"}, "specialty", "只有行业性专业性"),
    ({"role": "主任"}, "role", "调解员、信息员"),
    ({"joined_on": "2021-02-30"}, "joined_on", "不是真实的日期"),
    ({"joined_on": "三月一日"}, "joined_on", "2024-03-01"),
    ({"joined_on": "2999-01-01"}, "joined_on", "未来"),
    ({"left_on": "2020-01-01"}, "left_on", "早于加入日期"),
    ({"name": ""}, "name", "此列必填"),
    ({"region_code": "15062A"}, "region_code", "只含数字"),
    ({"grade": "五级调解员"}, "grade", "三级调解员"),
])
def test_each_bad_cell_is_reported_by_row_and_column(staff, village, grade, fields, column, expected):
    record = upload(staff, csv_bytes([row(village, **fields)]))
    assert record.status == RosterImport.Status.REFUSED
    line, found_column, message = messages(record)[0]
    assert (line, found_column) == (2, column) and expected in message, messages(record)


def test_regions_outside_the_jurisdiction_are_refused_without_saying_what_they_are(staff, townships):
    outside = townships[1].get_children().first()
    record = upload(staff, csv_bytes([row(outside)]))
    line, column, message = messages(record)[0]
    assert (line, column) == (2, "region_code")
    assert outside.code in message and outside.name not in message and staff.jurisdiction.name in message
    assert Committee.objects.count() == 0


def test_a_person_with_two_names_in_one_file_is_refused(staff, village):
    number = person_id(1)
    record = upload(staff, csv_bytes([
        row(village, national_id=number),
        row(village, committee="乌兰村人民调解委员会", national_id=number, name="王秀", phone="13904771234")]))
    assert (3, "name") in [error[:2] for error in messages(record)]


def test_errors_are_shown_in_english_to_an_english_user(staff, village):
    with translation.override("en"):
        record = upload(staff, csv_bytes([row(village, phone="123")]))
    assert "11 digits" in messages(record)[0][2]


# --- A correct file: preview, then an atomic import -------------------------------------------------------------

def test_a_roster_is_previewed_then_imported(staff, village, grade, django_capture_on_commit_callbacks):
    number = person_id(7)
    data = csv_bytes([
        row(village, national_id=number, grade="三级调解员"),
        row(village, name="张建国", gender="男", phone="13800000001", role="信息员", employment="兼职"),
        row(village, committee="乌兰村人民调解委员会", national_id=number),
    ])
    record = upload(staff, data)
    assert record.status == RosterImport.Status.VALIDATED, record.errors
    assert record.preview["counts"] == {"committees_new": 2, "committees_updated": 0, "people_new": 2,
                                        "people_updated": 0, "memberships_opened": 3, "memberships_updated": 0,
                                        "memberships_ended": 0}
    assert counts()[0] == 0  # nothing written before confirmation

    record = run(record, staff, django_capture_on_commit_callbacks)
    assert record.status == RosterImport.Status.DONE and record.result["memberships_opened"] == 3
    wang = User.objects.get(name="王秀兰")
    assert wang.memberships.count() == 2 and wang.national_id_masked == number[:6] + "********" + number[-4:]
    assert wang.memberships.filter(grade=grade, employment=Membership.Employment.FULL_TIME).count() == 1
    zhang = User.objects.get(name="张建国")
    assert zhang.memberships.get().role == Membership.Role.INFORMANT and not zhang.has_usable_password()
    assert [h["status"] for h in record.history] == ["validated", "queued", "running", "done"]
    assert record.history[1]["by"] == staff.pk


def test_raw_national_ids_are_stored_nowhere(staff, village, django_capture_on_commit_callbacks):
    number = person_id(3)
    record = run(upload(staff, csv_bytes([row(village, national_id=number)])), staff,
                 django_capture_on_commit_callbacks)
    assert record.status == RosterImport.Status.DONE
    assert number not in str(RosterImport.objects.values_list("rows", "preview", "result", "errors").get())
    assert number not in str(User.objects.values().get(name="王秀兰"))


def test_reimporting_the_same_file_changes_nothing(staff, village, grade, django_capture_on_commit_callbacks):
    data = csv_bytes([
        row(village, national_id=person_id(1), grade="三级调解员"),
        row(village, name="张建国", gender="男", phone="13800000001", role="信息员"),
        row(village, name="刘海燕", phone="13800000002", joined_on="2015-01-01", left_on="2020-06-30"),
    ])
    run(upload(staff, data), staff, django_capture_on_commit_callbacks)
    before = (counts(), list(Membership.objects.values().order_by("pk")), list(User.objects.values().order_by("pk")))
    again = upload(staff, data)
    assert again.status == RosterImport.Status.VALIDATED
    assert set(again.preview["counts"].values()) == {0}
    assert run(again, staff, django_capture_on_commit_callbacks).status == RosterImport.Status.DONE
    assert (counts(), list(Membership.objects.values().order_by("pk")),
            list(User.objects.values().order_by("pk"))) == before


def test_an_updated_file_updates_people_instead_of_duplicating_them(staff, village, grade,
                                                                     django_capture_on_commit_callbacks):
    number = person_id(2)
    run(upload(staff, csv_bytes([
        row(village, national_id=number),
        row(village, name="张建国", gender="", phone="13800000001"),
    ])), staff, django_capture_on_commit_callbacks)
    people = User.objects.count()

    updated = upload(staff, csv_bytes([
        # found by ID hash: a new phone and grade
        row(village, national_id=number, phone="13911112222", grade="三级调解员", employment="兼职"),
        # found by name + phone in the committee: gender filled in, and now with an ID number
        row(village, name="张建国", gender="男", phone="13800000001", national_id=person_id(5)),
    ]))
    assert updated.preview["counts"]["people_new"] == 0
    assert updated.preview["counts"]["people_updated"] == 2
    assert updated.preview["counts"]["memberships_updated"] == 1
    run(updated, staff, django_capture_on_commit_callbacks)
    assert User.objects.count() == people
    wang = User.objects.get(national_id_masked__endswith=number[-4:])
    assert wang.phone == "13911112222"
    assert wang.memberships.get().grade == grade and wang.memberships.get().employment == "part_time"
    zhang = User.objects.get(name="张建国")
    assert zhang.gender == User.Gender.MALE and zhang.national_id_hash


def test_empty_optional_cells_keep_what_is_stored(staff, village, django_capture_on_commit_callbacks):
    number = person_id(4)
    run(upload(staff, csv_bytes([row(village, national_id=number, gender="女", phone="13800000009")])), staff,
        django_capture_on_commit_callbacks)
    again = upload(staff, csv_bytes([row(village, national_id=number, gender="", phone="")]))
    assert set(again.preview["counts"].values()) == {0}


def test_a_left_date_marks_the_member_as_left_without_deleting(staff, village, django_capture_on_commit_callbacks):
    data = [row(village), row(village, name="张建国", gender="男", phone="13800000001")]
    run(upload(staff, csv_bytes(data)), staff, django_capture_on_commit_callbacks)
    data[1]["left_on"] = "2025-01-31"
    record = run(upload(staff, csv_bytes(data)), staff, django_capture_on_commit_callbacks)
    assert record.result["memberships_ended"] == 1
    zhang = User.objects.get(name="张建国")
    assert zhang.memberships.get().left_on == date(2025, 1, 31)
    assert Membership.objects.count() == 2  # kept, with its history
    # and the same file once more changes nothing
    assert set(upload(staff, csv_bytes(data)).preview["counts"].values()) == {0}


def test_a_full_list_marks_absent_members_as_left(staff, village, django_capture_on_commit_callbacks):
    data = [row(village), row(village, name="张建国", gender="男", phone="13800000001")]
    run(upload(staff, csv_bytes(data)), staff, django_capture_on_commit_callbacks)
    other = factories.CommitteeFactory(region=village)
    bystander = factories.mediator(committee=other)  # a committee not in the file is not touched

    partial = upload(staff, csv_bytes(data[:1]))
    assert set(partial.preview["counts"].values()) == {0}  # without "full list", absence means nothing
    record = run(upload(staff, csv_bytes(data[:1]), full_list=True), staff, django_capture_on_commit_callbacks)
    assert record.preview["memberships_ended"][0]["person_name"] == "张建国"
    assert record.preview["memberships_ended"][0]["absent"] is True
    assert User.objects.get(name="张建国").memberships.get().left_on is not None
    assert User.objects.get(name="王秀兰").memberships.get().left_on is None
    assert bystander.memberships.get().left_on is None


def test_an_existing_committee_changes_kind(staff, village, django_capture_on_commit_callbacks):
    committee = factories.CommitteeFactory(region=village, name="林原村人民调解委员会")
    record = upload(staff, csv_bytes([row(village, committee_kind="行业性专业性", specialty="劳动争议")]))
    assert record.preview["committees_updated"][0]["changes"]["kind"] == ["village", "industry"]
    run(record, staff, django_capture_on_commit_callbacks)
    committee.refresh_from_db()
    assert (committee.kind, committee.specialty) == ("industry", "labor")


def test_the_import_is_all_or_nothing(staff, village, monkeypatch, django_capture_on_commit_callbacks):
    record = upload(staff, csv_bytes([row(village, name=f"成员{i}", phone=f"1390000000{i}") for i in range(5)]))
    calls = []
    real = roster_import_services.membership_start

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise PeopleError("磁盘已满")
        return real(**kwargs)

    monkeypatch.setattr(roster_import_services, "membership_start", failing)
    before = counts()
    record = run(record, staff, django_capture_on_commit_callbacks)
    assert record.status == RosterImport.Status.FAILED and record.failure == "磁盘已满"
    assert counts() == before


def test_a_database_constraint_failing_mid_import_marks_it_failed_with_nothing_written(
        staff, village, monkeypatch, django_capture_on_commit_callbacks):
    record = upload(staff, csv_bytes([row(village, name=f"成员{i}", phone=f"1390000000{i}") for i in range(5)]))
    calls = []
    real = roster_import_services.membership_start

    def duplicate_on_the_fourth(**kwargs):
        membership = real(**kwargs)
        calls.append(1)
        if len(calls) == 4:  # a second open membership of the same person: the database's constraint refuses it
            Membership.objects.create(person=membership.person, committee=membership.committee,
                                      role=membership.role, joined_on=membership.joined_on)
        return membership

    monkeypatch.setattr(roster_import_services, "membership_start", duplicate_on_the_fourth)
    before = counts()
    record = run(record, staff, django_capture_on_commit_callbacks)
    assert len(calls) == 4
    assert record.status == RosterImport.Status.FAILED and record.failure
    assert [h["status"] for h in record.history][-2:] == ["running", "failed"]
    assert counts() == before


def test_an_import_left_running_by_a_crashed_worker_runs_again(staff, village, django_capture_on_commit_callbacks):
    record = upload(staff, csv_bytes([row(village, name=f"成员{i}", phone=f"1390000000{i}") for i in range(3)]))
    roster_import_services.roster_import_set_status(roster_import=record, status=RosterImport.Status.QUEUED)
    # The worker marked it running, then died before its import transaction committed (so nothing was written).
    roster_import_services.roster_import_set_status(roster_import=record, status=RosterImport.Status.RUNNING)
    assert Membership.objects.count() == 0
    record = roster_import_services.roster_import_run(import_id=record.pk)  # the task delivered again
    assert record.status == RosterImport.Status.DONE and Membership.objects.count() == 3
    assert [h["status"] for h in record.history].count("running") == 1  # not moved to running a second time
    roster_import_services.roster_import_run(import_id=record.pk)  # and once done, left alone
    assert Membership.objects.count() == 3


def test_the_data_is_checked_again_when_the_import_runs(staff, village, django_capture_on_commit_callbacks):
    record = upload(staff, csv_bytes([row(village)]))
    staff_role_grant(user=staff, role=StaffRole.BUREAU_STAFF,
                              jurisdiction=factories.region(name="别的旗"))
    record = run(record, staff, django_capture_on_commit_callbacks)
    assert record.status == RosterImport.Status.FAILED and "辖区" in record.failure
    assert counts()[0] == 0


def test_confirming_twice_or_running_twice_imports_once(staff, village, django_capture_on_commit_callbacks):
    record = upload(staff, csv_bytes([row(village)]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        roster_import_services.roster_import_confirm(roster_import=record, user=staff)
        roster_import_services.roster_import_confirm(roster_import=record, user=staff)
    assert len(callbacks) == 1
    roster_import_services.roster_import_run(import_id=record.pk)  # a redelivered task
    assert Membership.objects.count() == 1
    record.refresh_from_db()
    assert [h["status"] for h in record.history].count("done") == 1


def test_a_refused_file_cannot_be_confirmed(staff, village):
    record = upload(staff, csv_bytes([row(village, phone="1")]))
    with pytest.raises(PeopleError):
        roster_import_services.roster_import_confirm(roster_import=record, user=staff)


def test_the_plan_is_computed_in_a_constant_number_of_queries(staff, village, django_assert_num_queries):
    for i in range(4):
        factories.mediator(committee=factories.CommitteeFactory(region=village, name=f"第{i}调委会"))
    small = [roster.RosterRow.from_json({**row_json(village, i)}) for i in range(3)]
    large = [roster.RosterRow.from_json({**row_json(village, i)}) for i in range(60)]
    for rows in (small, large):
        with django_assert_num_queries(3):
            snapshot = selectors.roster_snapshot(rows=rows)
    assert len(snapshot.committees) == 4 and len(snapshot.memberships) == 4


def row_json(village, i: int) -> dict:
    return {
        "line": i + 2, "region_code": village.code, "committee_name": f"第{i % 4}调委会", "committee_kind": "village",
        "specialty": "", "name": f"成员{i}", "gender": "female", "phone": f"139{i:08d}", "id_hash": "",
        "id_masked": "", "role": "mediator", "employment": "part_time", "grade": "", "joined_on": "2020-01-01",
        "left_on": None,
    }


def test_templates_have_chinese_headers_and_read_back(staff, village):
    csv_template = roster.template_csv()
    assert csv_template.startswith(b"\xef\xbb\xbf") and "地区代码,调委会名称" in csv_template.decode("utf-8-sig")
    table = roster.read_table("模板.xlsx", roster.template_xlsx())
    assert [str(cell) for cell in table[0][1]][:3] == ["地区代码", "调委会名称", "调委会类型"]
    with pytest.raises(roster.FileRefused, match="只有标题行"):
        roster.read_rows(table, today=date.today())


def test_the_example_file_in_docs_reads_without_errors():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "roster-example.csv"
    rows, errors = roster.read_rows(roster.read_table(example.name, example.read_bytes()), today=date.today())
    assert errors == [] and len(rows) == 4
    assert {row.committee_kind for row in rows} == {"village", "township", "industry"}


def test_a_person_found_by_id_elsewhere_is_linked_but_not_edited(staff, village, townships,
                                                                  django_capture_on_commit_callbacks):
    number = person_id(9)
    elsewhere = factories.CommitteeFactory(region=townships[1])
    person = person_create(username="far", name="外镇的人", phone="13700000000", national_id_number=number)
    factories.MembershipFactory(person=person, committee=elsewhere)
    record = upload(staff, csv_bytes([row(village, national_id=number, name="改过的名字", phone="13911111111")]))
    assert record.preview["counts"]["people_new"] == 0 and record.preview["counts"]["people_updated"] == 0
    run(record, staff, django_capture_on_commit_callbacks)
    person.refresh_from_db()
    assert (person.name, person.phone) == ("外镇的人", "13700000000") and person.memberships.count() == 2
    assert "外镇的人" not in str(record.preview)
