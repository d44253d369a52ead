"""Issue #18's fixes to the coverage pages: phone cards, per-person facts, fixed-size charts, drill-down from home."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard import charts, selectors, tables
from tests import factories

from .test_views import county_staff  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _get(client, url):
    with translation.override("zh-hans"):
        return client.get(url).content.decode()


def test_each_area_is_a_card_with_its_key_figures(world, county_staff, client):  # noqa: F811
    page = _get(client, reverse("coverage:region", args=[world["county"].code]))
    cards = re.search(r'<ul class="row-cards" data-cards="coverage">(.*?)</ul>', page, re.S).group(1)
    jia = cards.split("<li")[1]
    assert reverse("coverage:region", args=[world["jia"].code]) in jia and "甲镇" in jia
    # 甲镇: two committees, each with one certified woman of three members → 33 %; one expires within 60 days.
    front = re.search(r'<dl class="card-figures">(.*?)</dl>', jia, re.S).group(1)
    assert "持证率" in front and "33%" in front and "60天内到期" in front and "达到年度学时" in front
    assert "<details>" in jia and "全部数据" in jia  # the other figures, on tap


def test_a_committee_lists_each_member_with_own_facts(world, county_staff, client, today):  # noqa: F811
    committee = world["committees"][0]
    page = _get(client, reverse("coverage:committee", args=[committee.pk]))
    table = re.search(r'data-table="coverage".*?</table>', page, re.S).group(0)
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert heads[:4] == ["姓名", "身份", "所持证书", "有效期至"] and "本年学时" in heads
    woman = re.search(r"<tr><th scope=\"row\"><a[^>]*>甲镇0村调解员甲</a></th>(.*?)</tr>", table, re.S).group(1)
    expires = (today + datetime.timedelta(days=30)).strftime("%Y-%m-%d")
    assert "人民调解员" in woman and "人民调解员培训合格证书" in woman and expires in woman
    man = re.search(r"<tr><th scope=\"row\"><a[^>]*>甲镇0村调解员乙</a></th>(.*?)</tr>", table, re.S).group(1)
    assert "已过期" in man
    assert "人数" not in heads  # no totals of one person


def test_charts_keep_their_type_size(world, county_staff, client):  # noqa: F811
    page = _get(client, reverse("coverage:region", args=[world["county"].code]))
    svgs = re.findall(r"<svg [^>]*>", page)
    chart_svgs = [s for s in svgs if "role=\"img\"" in s]
    assert len(chart_svgs) == 2
    for svg in chart_svgs:
        # No viewBox: the drawing is not scaled with the page, so its text keeps the CSS sizes (14/13 px).
        assert "viewBox" not in svg and 'width="100%"' in svg
    trend = charts.trend_chart(selectors.coverage_trend(region=world["county"], filters=selectors.Filters()))
    assert len(trend.segments) == len(trend.points) - 1
    assert all(0 < p["x"] < 100 for p in trend.points)  # percent of the width
    assert [p["minor"] for p in trend.points][-2:] == [True, False]  # the latest month always labelled


def test_the_bureau_home_drills_down_by_area_with_certified_percent(world, client):
    client.force_login(factories.bureau_staff(jurisdiction=world["county"]))
    page = _get(client, reverse("people:bureau_home"))
    start = page.index('data-testid="coverage-panel"')
    section = page[start:page.index('class="button"', start)]
    assert reverse("coverage:region", args=[world["jia"].code]) in section
    assert "各地区持证情况" in section and "持证率" in section and "33%" in section
    assert "export=" not in section  # a home page has no downloads


def test_export_links_say_what_each_format_is(world, county_staff, client):  # noqa: F811
    page = _get(client, reverse("coverage:region", args=[world["county"].code]))
    assert "Excel 表格（XLSX）" in page and "纯文本表格（CSV）" in page


def test_overview_table_cards_follow_the_summary_columns(world, county_staff):  # noqa: F811
    level = selectors.region_rows(user=county_staff, region=world["county"], filters=selectors.Filters(),
                                  figures=selectors.region_figures_compute(
                                      region=world["county"], filters=selectors.Filters(),
                                      targets=selectors.Targets(annual_hours=20, prejob_hours=10)).figures)
    table = tables.overview_table(level)
    card = table.cards()[0]
    assert [column.label for column, _value in card["front"]] == [table.columns[i].label for i in table.summary]
    assert len(card["front"]) + len(card["more"]) == len(table.columns) - 1


def test_every_area_named_on_the_bureau_home_drills_down(world, client):
    client.force_login(factories.bureau_staff(jurisdiction=world["county"]))
    page = _get(client, reverse("people:bureau_home"))
    by_area = page[:page.index('data-testid="coverage-panel"')]  # the people app's own "by area" table
    for township in (world["jia"], world["yi"]):
        assert f'<a href="{reverse("coverage:region", args=[township.code])}">{township.name}</a>' in by_area
