import pytest

from certificates.models import Program
from tests import factories


@pytest.fixture
def program(db):
    return Program.objects.create(name="人民调解员培训合格证书", slug="mediator", for_mediators=True,
                                  validity_months=36)


@pytest.fixture
def informant_program(db):
    return Program.objects.create(name="矛盾纠纷信息员合格证", slug="informant", for_mediators=False,
                                  for_informants=True, validity_months=24)


@pytest.fixture
def village(townships):
    """The first township's village (under the county ``测试旗``)."""
    return townships[0].get_children().get()


@pytest.fixture
def committee(village):
    return factories.CommitteeFactory(region=village, name="一村人民调解委员会")


@pytest.fixture
def holder(committee):
    return factories.mediator(committee=committee, name="张晓明")
