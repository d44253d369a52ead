"""Demo data for people and organisations: Dalad Banner (达拉特旗), Ordos, Inner Mongolia.

The banner, its towns and sumu are real; villages, committees and people are invented but plausible.
Deterministic (a fixed random seed) and idempotent: every row is found by its natural key before it is made."""

import random
from datetime import date

from django.db import transaction
from wagtail.models import Site

from . import national_id
from .models import BureauSettings, Committee, DisputeCategory, Grade, Membership, Region, User
from .roles import StaffRole
from .services.organisation import committee_create, membership_end, membership_start, person_create, region_add
from .services.staff import staff_role_grant

DEMO_PASSWORD = "Demo@2026"  # noqa: S105  (demo logins only, printed by seed_demo)

DISPUTE_CATEGORIES = [
    ("婚姻家庭", "Marriage & family"), ("邻里", "Neighbours"), ("房屋宅基地", "Housing & homestead"),
    ("合同", "Contract"), ("生产经营", "Business operations"), ("损害赔偿", "Damages"),
    ("山林土地", "Forest & land"), ("征地拆迁", "Land requisition & demolition"),
    ("环境污染", "Environmental pollution"), ("劳动争议", "Labor"), ("消费", "Consumer"), ("医疗", "Medical"),
    ("道路交通事故", "Road traffic"), ("物业", "Property management"), ("拖欠农民工工资", "Unpaid migrant wages"),
    ("其他", "Other"),
]
GRADES = [("一级调解员", 1), ("二级调解员", 2), ("三级调解员", 3), ("四级调解员", 4)]

COUNTY = ("达拉特旗", "Dalad Banner", "150621")
# (name, English, code, villages/gacha, communities)
TOWNSHIPS = [
    ("树林召镇", "Shulinzhao Town", "150621100", ["林原村", "乌兰村", "大纳林村", "新民堡村", "河洛图村"], ["锡尼社区", "平原社区"]),
    ("王爱召镇", "Wang'aizhao Town", "150621101", ["王爱召村", "新舍营子村", "榆林子村", "什拉召村", "长胜村"], ["王爱召社区"]),
    ("白泥井镇", "Bainijing Town", "150621102", ["白泥井村", "郝家圪卜村", "五股地村", "巴音敖包村", "三顷地村"], ["白泥井社区"]),
    ("吉格斯太镇", "Jigesitai Town", "150621103", ["吉格斯太村", "柴登村", "吴四圪堵村", "圪楞村", "二狗湾村"], ["吉格斯太社区"]),
    ("昭君镇", "Zhaojun Town", "150621104", ["昭君村", "新华村", "和胜村", "乌兰淖村", "二狗湾村"], ["昭君社区"]),
    ("恩格贝镇", "Engebei Town", "150621105", ["恩格贝村", "乌兰壕村", "道劳村", "布日嘎斯太村", "黑赖沟村"], ["恩格贝社区"]),
    ("中和西镇", "Zhonghexi Town", "150621106", ["中和西村", "五家尧村", "新民村", "城拐村", "打不素村"], ["中和西社区"]),
    ("风水梁镇", "Fengshuiliang Town", "150621107", ["风水梁村", "大圪堵村", "前营子村", "厂汉营村", "石巴圪图村"], ["风水梁社区"]),
    ("展旦召苏木", "Zhandanzhao Sumu", "150621200", ["展旦召嘎查", "哈什拉嘎查", "沙日召嘎查", "色气嘎查", "乌兰嘎查"], ["展旦召社区"]),
]
INDUSTRY_COMMITTEES = [
    ("达拉特旗劳动争议人民调解委员会", Committee.Specialty.LABOR),
    ("达拉特旗医疗纠纷人民调解委员会", Committee.Specialty.MEDICAL),
    ("达拉特旗道路交通事故纠纷人民调解委员会", Committee.Specialty.TRAFFIC),
    ("达拉特旗物业纠纷人民调解委员会", Committee.Specialty.PROPERTY),
    ("达拉特旗企业人民调解委员会", Committee.Specialty.ENTERPRISE),
]
STATIONED_ROOMS = ["达拉特旗人民法院诉调对接人民调解工作室", "树林召派出所人民调解工作室", "达拉特旗信访局人民调解工作室"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_FEMALE = ["秀兰", "桂英", "丽娟", "海燕", "春梅", "晓燕", "玉珍", "淑芬", "红霞", "萨仁", "其其格", "乌兰", "娜仁", "雪梅", "慧敏", "丽华", "美玲", "文静", "志红", "凤琴"]
GIVEN_MALE = ["建国", "志强", "永明", "海军", "文斌", "德胜", "国庆", "巴特尔", "宝力道", "朝鲁", "占军", "振华", "卫东", "俊杰", "明亮", "金山", "立新", "长青", "福林", "新民"]


def _name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_FEMALE if gender == User.Gender.FEMALE else GIVEN_MALE
    return rng.choice(SURNAMES) + rng.choice(pool)


def _phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "150", "151", "158", "187", "135"]) + f"{rng.randrange(10**8):08d}"


def _id_number(rng: random.Random, region_code: str) -> str:
    born = date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28))
    return national_id.with_check_digit(f"{region_code[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}")


def _person(username: str, name: str, gender: str, rng: random.Random, *, password: str | None = None,
            email: str = "", region_code: str = "150621") -> User:
    existing = User.objects.filter(username=username).first()
    # Draw the random values even when the person exists, so later people get the same values on a re-run.
    phone, id_number = _phone(rng), _id_number(rng, region_code)
    if existing:
        return existing
    return person_create(
        username=username, name=name, gender=gender, phone=phone, email=email, password=password,
        national_id_number=id_number,
    )


def _join(person, committee, role, **fields) -> Membership:
    # Any stint, open or ended, counts: the demo's history (a member who left) must survive a re-run.
    existing = Membership.objects.filter(person=person, committee=committee).first()
    return existing or membership_start(person=person, committee=committee, role=role, **fields)


@transaction.atomic
def seed(out) -> list[tuple[str, str, str]]:
    """Build the demo banner. Returns the demo logins as (role, username, password)."""
    rng = random.Random(150621)  # noqa: S311  (deterministic demo data, not security)
    for order, (name, name_en) in enumerate(DISPUTE_CATEGORIES):
        DisputeCategory.objects.get_or_create(name=name, defaults={"name_en": name_en, "sort_order": order})
    for name, rank in GRADES:
        Grade.objects.get_or_create(rank=rank, defaults={"name": name})
    grades = list(Grade.objects.order_by("rank"))
    categories = list(DisputeCategory.objects.all())

    city = region_add(parent=None, name="鄂尔多斯市", name_en="Ordos", code="150600", level=Region.Level.CITY)
    county = region_add(parent=city, name=COUNTY[0], name_en=COUNTY[1], code=COUNTY[2],
                                 level=Region.Level.COUNTY)

    committees: list[Committee] = []

    def committee(region, name, kind, specialty=""):
        found = Committee.objects.filter(region=region, name=name).first()
        committees.append(found or committee_create(region=region, name=name, kind=kind, specialty=specialty,
                                                             established_on=date(2011, 1, 1)))
        return committees[-1]

    townships = []
    for t_name, t_en, t_code, villages, communities in TOWNSHIPS:
        township = region_add(parent=county, name=t_name, name_en=t_en, code=t_code,
                                       level=Region.Level.TOWNSHIP)
        townships.append(township)
        committee(township, f"{t_name}人民调解委员会", Committee.Kind.TOWNSHIP)
        for i, v_name in enumerate(villages + communities):
            village = region_add(parent=township, name=v_name, code=f"{t_code}{201 + i:03d}",
                                          level=Region.Level.VILLAGE)
            kind = Committee.Kind.COMMUNITY if v_name in communities else Committee.Kind.VILLAGE
            committee(village, f"{v_name}人民调解委员会", kind)
    for name, specialty in INDUSTRY_COMMITTEES:
        committee(county, name, Committee.Kind.INDUSTRY, specialty)
    for name in STATIONED_ROOMS:
        committee(county, name, Committee.Kind.STATIONED)

    # Members: 3-7 mediators a committee, with at least one woman except in a few committees (red flags a bureau
    # must see); informants in village and community committees.
    serial = 0
    for index, com in enumerate(committees):
        size = rng.randint(3, 7)
        no_woman = index % 23 == 7
        for k in range(size):
            serial += 1
            gender = User.Gender.MALE if no_woman or (k > 0 and rng.random() < 0.55) else User.Gender.FEMALE
            person = _person(f"dlt{serial:04d}", _name(rng, gender), gender, rng)
            _join(person, com, Membership.Role.MEDIATOR,
                  employment=Membership.Employment.FULL_TIME if k == 0 or rng.random() < 0.15
                  else Membership.Employment.PART_TIME,
                  position=Membership.Position.CHAIR if k == 0 else rng.choice(
                      [Membership.Position.MEMBER, Membership.Position.MEMBER, Membership.Position.HIRED]),
                  grade=rng.choice(grades), specialties=rng.sample(categories, 2), joined_on=date(
                      rng.randint(2012, 2025), rng.randint(1, 12), 1))
        if com.kind in (Committee.Kind.VILLAGE, Committee.Kind.COMMUNITY):
            for _k in range(rng.randint(1, 3)):
                serial += 1
                gender = rng.choice([User.Gender.FEMALE, User.Gender.MALE])
                person = _person(f"dlt{serial:04d}", _name(rng, gender), gender, rng)
                _join(person, com, Membership.Role.INFORMANT, joined_on=date(rng.randint(2019, 2025), 3, 1))

    # One person who left a committee and joined another: history is kept.
    mover = User.objects.get(username="dlt0002")
    first = mover.memberships.order_by("joined_on").first()
    if first.left_on is None and not mover.memberships.filter(committee=committees[1]).exists():
        membership_end(membership=first, left_on=max(first.joined_on, date(2025, 6, 30)))
        _join(mover, committees[1], Membership.Role.MEDIATOR, joined_on=date(2025, 7, 1))

    # The demo logins.
    village_committee = Committee.objects.get(name="林原村人民调解委员会")
    mediator = _person("mediator", "张秀兰", User.Gender.FEMALE, rng, password=DEMO_PASSWORD,
                       email="mediator@example.com")
    _join(mediator, village_committee, Membership.Role.MEDIATOR, employment=Membership.Employment.FULL_TIME,
          position=Membership.Position.MEMBER, grade=grades[3], specialties=categories[:2],
          joined_on=date(2024, 3, 1))
    informant = _person("informant", "李建国", User.Gender.MALE, rng, password=DEMO_PASSWORD,
                        email="informant@example.com")
    _join(informant, village_committee, Membership.Role.INFORMANT, joined_on=date(2024, 5, 1))

    lecturers = [("lecturer", "王志强", User.Gender.MALE, "执业律师"), ("lecturer2", "刘慧敏", User.Gender.FEMALE, "退休法官"),
                 ("lecturer3", "赵振华", User.Gender.MALE, "基层法律服务工作者")]
    for username, name, gender, _title in lecturers:
        lecturer = _person(username, name, gender, rng, password=DEMO_PASSWORD, email=f"{username}@example.com")
        staff_role_grant(user=lecturer, role=StaffRole.LECTURER)

    bureau = _person("bureau", "高立新", User.Gender.MALE, rng, password=DEMO_PASSWORD, email="bureau@example.com")
    staff_role_grant(user=bureau, role=StaffRole.BUREAU_STAFF, jurisdiction=county)
    township_staff = _person("township", "白乌兰", User.Gender.FEMALE, rng, password=DEMO_PASSWORD,
                             email="township@example.com")
    staff_role_grant(user=township_staff, role=StaffRole.BUREAU_STAFF, jurisdiction=townships[0])
    admin = _person("admin", "系统管理员", User.Gender.UNSPECIFIED, rng, password=DEMO_PASSWORD,
                    email="admin@example.com")
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    staff_role_grant(user=admin, role=StaffRole.ADMINISTRATOR)

    site = Site.objects.filter(is_default_site=True).first()
    bureau = BureauSettings.for_site(site) if site else None
    if bureau and not bureau.justice_office_phones:
        # Made up, with the banner's area code: shown on the help page and the forgotten-password page.
        towns = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("path")
        bureau.justice_office_phones = "\n".join(f"{town.name}司法所 0477-39612{n:02d}" for n, town in enumerate(towns))
        bureau.save(update_fields=["justice_office_phones"])

    out.write(f"  people: {Region.objects.count()} regions, {Committee.objects.count()} committees, "
              f"{User.objects.count()} people, {Membership.objects.count()} memberships")
    return [
        ("mediator", "mediator", DEMO_PASSWORD), ("informant", "informant", DEMO_PASSWORD),
        ("lecturer", "lecturer", DEMO_PASSWORD), ("bureau staff (banner)", "bureau", DEMO_PASSWORD),
        ("bureau staff (Shulinzhao Town)", "township", DEMO_PASSWORD), ("administrator", "admin", DEMO_PASSWORD),
    ]
