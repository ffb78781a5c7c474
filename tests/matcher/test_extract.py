"""Tests for matcher.extract on short policy sentences, one case each, and on the demo policies' headers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from matcher.criteria import Criteria
from matcher.extract import (
    collapse_codes,
    default_qualifications,
    extract_criteria,
    split_sentences,
    valid_until,
)

REPO = Path(__file__).resolve().parents[2]


def body(*lines: str) -> str:
    return "\n".join(lines)


def criteria(text: str, title: str = "", issuer: str | None = "滨州市工业和信息化局") -> Criteria:
    return extract_criteria(title, text, issuer)


# --- all means all ----------------------------------------------------------------------------


def test_no_mention_means_no_restriction() -> None:
    c = criteria(body("一、支持对象", "本市行政区域内依法登记注册的企业均可申报。"))
    assert c.industries == c.excluded_industries == c.sizes == c.qualifications == ()
    assert c.above_scale_only is False
    assert c.to_dict()["industries"] == []


@pytest.mark.parametrize(
    "sentence",
    [
        "本市行政区域内依法登记注册的各类企业，不限所属行业和企业规模，均可申请。",
        "本措施适用于在本市依法登记注册的各类经营主体，不区分所有制、行业和规模。",
        "本市行政区域内生产经营正常的各类企业，不分行业、规模和所有制，均可参与。",
    ],
)
def test_stated_all_means_all(sentence: str) -> None:
    c = criteria(body("二、支持对象", sentence), title="滨州市中小企业服务券实施细则")
    assert c.industries == () and c.sizes == ()


def test_empty_text() -> None:
    c = extract_criteria("", "", None)
    assert c == Criteria()
    assert c.to_dict() == {
        "industries": [],
        "excluded_industries": [],
        "sizes": [],
        "regions": [],
        "qualifications": [],
        "above_scale_only": False,
        "evidence": [],
        # Nothing read means everyone everywhere: the editor is asked to confirm both.
        "review": [
            {"field": "industries", "message": "未识别到行业限制，将推送给全部行业的企业，请确认或补充行业。"},
            {"field": "regions", "message": "未识别到适用地区，将推送给全部地区的企业，请确认或补充地区。"},
        ],
    }


# --- sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "sizes"),
    [
        ("适用对象为本市的中小微企业。", ("medium", "small", "micro")),
        ("支持对象为在本市注册的中小企业。", ("medium", "small", "micro")),
        ("本办法贴息对象为本市的小型、微型企业。", ("small", "micro")),
        ("补助对象为本市小微企业。", ("small", "micro")),
        ("适用对象为符合条件的小型微利企业。", ("small", "micro")),
        ("本细则适用于从事化学原料和化学制品制造的中型、小型和微型企业。", ("medium", "small", "micro")),
        ("奖励对象为本市大型企业。", ("large",)),
        ("支持对象为大中型工业企业。", ("large", "medium")),
    ],
)
def test_sizes(sentence: str, sizes: tuple[str, ...]) -> None:
    assert criteria(sentence).sizes == sizes


def test_size_negation_removes_large() -> None:
    c = criteria(body("一、扶持对象", "本办法扶持对象为本县企业。大型企业不在本办法支持范围之内。"))
    assert c.sizes == ("medium", "small", "micro")
    c = criteria("支持对象为中型、小型和微型企业，大型企业除外。")
    assert c.sizes == ("medium", "small", "micro")


def test_citing_the_size_standard_is_not_a_size() -> None:
    c = criteria(body("一、适用对象", "本市企业均可申报。企业规模依据国家统计部门大中小微型企业划分标准确定。"))
    assert c.sizes == ()


def test_size_in_background_does_not_count() -> None:
    text = body(
        "为进一步缓解中小企业融资难问题，结合我市实际，制定本办法。",
        "一、支持对象",
        "本市行政区域内依法登记注册的企业。",
    )
    assert criteria(text).sizes == ()


def test_sub_item_condition_does_not_limit_the_policy() -> None:
    text = body(
        "一、适用对象",
        "本市的纺织企业均可按照本措施申报。其中，第二项中关于降低门槛的规定，仅适用于中小微工业企业。",
    )
    c = criteria(text)
    assert c.sizes == ()
    assert c.industries == ("17",)


def test_size_from_title_when_the_body_is_silent() -> None:
    c = criteria("对符合条件的企业给予贴息。", title="滨州市关于对中小粮油加工企业技术改造贷款给予贴息的通知")
    assert c.sizes == ("medium", "small", "micro")


# --- industries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "codes"),
    [
        ("支持对象为从事铝冶炼的企业。", ("3216",)),
        ("支持对象为本市铝产业企业。", ("3216", "3252")),
        ("本措施支持对象为从事铝板带箔、工业铝型材、铝合金门窗及幕墙结构件生产的企业。", ("3252", "331")),
        ("适用对象为本市纺织企业和纺织服装、服饰企业。", ("17", "18")),
        ("奖励对象为从事床上用品、毛巾类制品等家纺生产的企业。", ("177",)),
        ("支持对象为本市化工企业。", ("26",)),
        ("支持对象为从事石油加工、化学原料和化学制品制造的企业。", ("25", "26")),
        ("支持对象为从事谷物磨制、食用植物油加工的粮油加工企业。", ("131", "133")),
        ("补助对象为本市畜牧企业。", ("03",)),
        ("补助对象为生猪、肉牛、肉羊等牲畜养殖场和蛋鸡、肉鸭等家禽养殖场。", ("031", "032")),
        ("补助对象为从事海水养殖、内陆养殖的企业。", ("041",)),
        ("适用于从事水产养殖和水产品加工的企业。", ("041", "136")),
        ("支持对象为本市软件企业。", ("65",)),
        ("奖励对象为本市餐饮企业。", ("62",)),
        ("奖励对象为本市零售企业。", ("52",)),
        ("支持对象为本市物流企业。", ("54", "58", "59", "60")),
        ("培育对象为本市小微工业企业。", ("B", "C", "D")),
        ("本通知所称制造业等行业企业，是指从事“制造业”“软件和信息技术服务业”业务的纳税人。", ("C", "65")),
        ("支持对象为行业代码为C3216的企业。", ("3216",)),
        ("适用于国民经济行业分类门类C的企业。", ("C",)),
    ],
)
def test_industries(sentence: str, codes: tuple[str, ...]) -> None:
    assert criteria(sentence).industries == codes


def test_industries_only_from_target_sentences() -> None:
    text = body(
        "我市铝产业、化工产业和纺织产业基础雄厚。",
        "一、支持对象",
        "本措施支持对象为在本市注册的软件企业。",
        "二、支持标准",
        "对为化工企业提供信息化服务的，给予奖励。",
    )
    assert criteria(text).industries == ("65",)


def test_industries_from_title_when_the_targets_name_none() -> None:
    c = criteria(body("一、支持对象", "在本市注册的企业。"), title="滨州市推动纺织家纺产业高质量发展的若干措施")
    assert c.industries == ("17", "18")


def test_lenders_and_departments_are_not_industries() -> None:
    text = "支持对象为从银行业金融机构获得贷款的企业，企业向工业和信息化主管部门提出申请。"
    assert criteria(text).industries == ()


# --- exclusions -------------------------------------------------------------------------------


def test_exclusion_with_chu_wai() -> None:
    c = criteria("本办法贴息对象为本市的小型、微型企业，房地产企业、金融类企业（含类金融企业）除外。")
    assert c.excluded_industries == ("J", "K")
    assert c.industries == ()
    assert c.sizes == ("small", "micro")


def test_exclusion_with_chu_and_wai_apart() -> None:
    c = criteria("除房地产开发经营企业外，本市各类企业均可申报。")
    assert c.excluded_industries == ("701",)


def test_exclusion_in_brackets_of_a_target_sentence() -> None:
    c = criteria("奖励对象为首次纳入规模以上工业统计的企业（房地产开发经营企业除外）。")
    assert c.excluded_industries == ("701",)
    assert c.above_scale_only


def test_exclusion_with_bu_han() -> None:
    c = criteria("支持对象为本市批发和零售企业，不含烟草制品批发企业。")
    assert c.industries == ("F",)
    assert "5126" not in c.industries


def test_excluded_entities_sentence() -> None:
    text = body("一、补助对象", "从事海水养殖的企业。", "从事水产捕捞、水产品加工的经营主体不在补助范围内。")
    c = criteria(text)
    assert c.industries == ("0411",)
    assert c.excluded_industries == ("042", "136")


def test_excluded_projects_are_not_excluded_industries() -> None:
    c = criteria("本措施适用于铝冶炼企业。新建、扩建电解铝产能的项目不在支持范围。")
    assert c.industries == ("3216",)
    assert c.excluded_industries == ()


def test_negative_list_of_the_rd_super_deduction() -> None:
    text = body(
        "二、适用范围",
        "本市行政区域内会计核算健全的居民企业，均可按规定享受研发费用加计扣除政策。",
        "下列行业的企业不适用税前加计扣除政策：",
        "（一）烟草制造业；",
        "（二）住宿和餐饮业；",
        "（三）批发和零售业；",
        "（四）房地产业；",
        "（五）租赁和商务服务业；",
        "（六）娱乐业。",
        "三、不适用加计扣除的活动",
        "市场调查研究、效率调查或管理研究等活动，不适用税前加计扣除政策。",
    )
    c = criteria(text, issuer="国家税务总局滨州市税务局")
    assert c.industries == ()
    assert set(c.excluded_industries) == {"16", "F", "H", "K", "L", "90"}
    assert c.regions == ("371600",)


# --- 规上/限上 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "above"),
    [
        ("本办法扶持对象为纳入规模以上工业统计范围的铝压延企业。", True),
        ("奖励对象为限额以上批发零售企业和限额以上住宿餐饮企业。", True),
        ("适用对象为本市规上服务业企业。", True),
        ("未纳入规模以上工业统计的企业不在本办法扶持范围之内。", True),
        ("培育对象为尚未纳入规模以上工业统计的小微工业企业。", False),
        ("支持对象为本市工业企业。", False),
    ],
)
def test_above_scale(sentence: str, above: bool) -> None:
    assert criteria(sentence).above_scale_only is above


def test_above_scale_in_background_does_not_count() -> None:
    text = body("为推动更多小微企业成长为规模以上工业企业，制定本办法。", "一、培育对象", "本市小微工业企业。")
    assert criteria(text).above_scale_only is False


# --- qualifications ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("本细则奖励对象为注册地、纳税地均在本市的高新技术企业。", ("高新技术企业",)),
        ("支持对象为已入库的科技型中小企业。", ("科技型中小企业",)),
        ("支持对象为省级以上专精特新中小企业（含国家级专精特新“小巨人”企业）。", ("专精特新中小企业",)),
        ("奖励对象为新认定的专精特新“小巨人”企业。", ('专精特新"小巨人"企业',)),
        ("奖励对象为经省级认定的瞪羚企业。", ("瞪羚企业",)),
        ("支持对象为创新型中小企业。", ("创新型中小企业",)),
    ],
)
def test_qualifications(sentence: str, names: tuple[str, ...]) -> None:
    assert criteria(sentence).qualifications == names


def test_qualification_sme_names_imply_sme_sizes() -> None:
    assert criteria("支持对象为已入库的科技型中小企业。").sizes == ("medium", "small", "micro")
    assert criteria("奖励对象为经省级认定的瞪羚企业。").sizes == ()


def test_qualification_not_required_when_negated_or_preferred() -> None:
    assert criteria("支持对象为本市化工企业，优先支持高新技术企业。").qualifications == ()
    text = body("一、支持对象", "本市化工企业。尚未取得高新技术企业资格的企业，待认定后方可申报。")
    assert criteria(text).qualifications == ()


def test_qualification_list_covers_the_enterprise_profile_list() -> None:
    profile_list = REPO / "data" / "qualifications.txt"
    if not profile_list.exists():
        pytest.skip("data/qualifications.txt is not in this tree")
    names = [
        line.strip()
        for line in profile_list.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    quals = default_qualifications()
    assert [quals.canonical(n) for n in names] == names
    assert set(names) <= set(quals.items)


def test_qualification_closure() -> None:
    quals = default_qualifications()
    assert quals.closure(['专精特新"小巨人"企业']) == {'专精特新"小巨人"企业', "专精特新中小企业", "创新型中小企业"}
    assert quals.canonical("小巨人企业") == '专精特新"小巨人"企业'


# --- regions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "title", "regions"),
    [
        ("中华人民共和国财政部", "财政部 税务总局关于中小微企业设备器具税前扣除有关政策的通知", ("100000",)),
        (None, "国务院关于进一步支持小微企业发展的通知", ("100000",)),
        ("山东省工业和信息化厅", "山东省推动铝产业高质量发展的若干措施", ("370000",)),
        ("滨州市财政局", "滨州市小微企业贷款贴息实施办法", ("371600",)),
        ("邹平市人民政府", "邹平市再生铝产业规范发展扶持政策", ("371681",)),
        ("博兴县人民政府", "支持粮油加工企业做大做强的若干政策", ("371625",)),
        ("国家税务总局滨州市税务局", "关于落实研发费用加计扣除政策的通知", ("371600",)),
        ("东营市工业和信息化局", "东营市支持石化产业发展的若干措施", ("370500",)),
    ],
)
def test_regions_from_issuer_and_title(issuer: str | None, title: str, regions: tuple[str, ...]) -> None:
    assert extract_criteria(title, "一、支持对象\n在本地注册的企业。", issuer).regions == regions


def test_region_narrowed_by_the_targets() -> None:
    text = body("一、支持对象", "在邹平市、博兴县行政区域内注册的铝加工企业。")
    c = extract_criteria("滨州市铝产业扶持办法", text, "滨州市工业和信息化局")
    assert c.regions == ("371681", "371625")


def test_region_outside_the_issuers_area_is_ignored() -> None:
    text = body("一、支持对象", "在本市注册、与东营市企业开展配套协作的企业。")
    assert extract_criteria("滨州市产业协作奖励办法", text, "滨州市工业和信息化局").regions == ("371600",)


def test_region_from_the_sign_off() -> None:
    text = body("一、支持对象", "在本县注册的企业。", "惠民县人民政府", "2025年2月20日")
    assert extract_criteria("肉牛产业扶持政策", text).regions == ("371621",)


def test_no_place_no_region_restriction() -> None:
    assert extract_criteria("企业上云行动方案", "一、支持对象\n各类企业。").regions == ()


# --- evidence, sentences, helpers -------------------------------------------------------------


def test_every_value_has_its_sentence() -> None:
    sentence = "本细则适用于本市从事化学原料和化学制品制造的中型、小型和微型企业，大型企业不在支持范围之内。"
    c = criteria(body("一、适用对象", sentence), title="滨州市中小化工企业数字化转型奖补实施细则")
    data = c.to_dict()
    assert {"field": "industries", "value": "26", "sentence": sentence, "confidence": 1.0} in data["evidence"]
    assert {"field": "sizes", "value": "micro", "sentence": sentence, "confidence": 1.0} in data["evidence"]
    assert {"field": "regions", "value": "371600", "sentence": "滨州市工业和信息化局", "confidence": 1.0} in data["evidence"]
    assert data["review"] == []
    for field in ("industries", "sizes", "regions"):
        assert {e["value"] for e in data["evidence"] if e["field"] == field} == set(data[field])


def test_split_sentences_marks_targets() -> None:
    sentences = split_sentences(
        body(
            "为推动铝产业发展，制定本措施。",
            "一、支持对象",
            "本措施支持对象为铝加工企业；申报企业近三年无重大事故。",
            "二、支持标准",
            "对设备投资给予补助！对标准制定给予奖励？",
            "三、补贴对象。本市中型、小型和微型企业，可申请补贴。",
        )
    )
    assert [(s.text, s.target) for s in sentences if not s.heading] == [
        ("为推动铝产业发展，制定本措施。", False),
        ("本措施支持对象为铝加工企业；", True),
        ("申报企业近三年无重大事故。", True),
        ("对设备投资给予补助！", False),
        ("对标准制定给予奖励？", False),
        ("本市中型、小型和微型企业，可申请补贴。", True),
    ]


def test_collapse_codes() -> None:
    assert collapse_codes(["0411", "0412"]) == ["041"]
    assert collapse_codes(["17", "1771", "171"]) == ["17"]
    assert collapse_codes(["3216", "3252"]) == ["3216", "3252"]


def test_valid_until() -> None:
    assert valid_until("本措施自2026年3月15日起施行，有效期至2028年3月14日。") == date(2028, 3, 14)
    assert valid_until("该政策执行至2027年12月31日。") == date(2027, 12, 31)
    assert valid_until("本办法自印发之日起施行。") is None


def test_demo_policies_match_their_headers() -> None:
    # The demo headers were set by hand from the bodies; the extractor must agree on all 39.
    from matcher.evaluate import load_policies

    policies = load_policies(REPO / "data" / "demo" / "policies")
    assert len(policies) == 39
    wrong = [p.key for p in policies if p.extracted() != p.gold_normalised()]
    assert wrong == []


def test_a_provinces_doc_number_names_the_province() -> None:
    text = "京政办发〔2031〕7号\n各区人民政府：\n对在本地注册的小微企业给予房租减免。"
    assert extract_criteria("关于减免小微企业房租的通知", text, department="滨州市工业和信息化局").regions == ("110000",)
    # A city's 文号 (滨政发) is not a province's, and a cited province's 文号 is not the issuer's.
    cited = "根据《若干措施》(鲁政发〔2030〕1号)，对在本地注册的企业给予奖励。"
    assert extract_criteria("企业奖励办法", cited, department="滨州市工业和信息化局").regions == ("371600",)


def test_a_page_on_a_national_scheme_with_no_place_is_national() -> None:
    text = "一、适用对象\n中小微企业\n二、政策内容\n新购置的设备、器具，单位价值在500万元以上的，可在企业所得税税前扣除。"
    c = extract_criteria("中小微企业设备器具税前扣除政策", text, department="滨州市工业和信息化局")
    assert c.regions == ("100000",)
    giant = extract_criteria("专精特新“小巨人”企业与专精特新中小企业有何区别", "小巨人企业是专精特新中小企业中的佼佼者。",
                             department="滨州市工业和信息化局")
    assert giant.regions == ("100000",)
    local = "本市中小微企业新购置设备的，可在企业所得税税前扣除。"
    assert extract_criteria("设备扣除政策", local, department="滨州市工业和信息化局").regions == ("371600",)


def test_a_title_is_not_required_when_another_item_pays_firms_without_it() -> None:
    both = ("一、支持对象\n对首次认定的高新技术企业给予20万元奖励。\n"
            "对营业收入首次突破10亿元的企业，给予100万元奖励。")
    assert extract_criteria("企业奖励办法", both, "滨州市科学技术局").qualifications == ()
    only = "一、支持对象\n对首次认定的高新技术企业给予20万元奖励。\n对重新认定的，给予10万元奖励。"
    assert extract_criteria("企业奖励办法", only, "滨州市科学技术局").qualifications == ("高新技术企业",)
    # A stated population holds for every item.
    scoped = ("一、支持对象\n本办法支持对象为经认定的高新技术企业。\n"
              "二、支持标准\n对企业购买科技成果的，按成交额的10%给予奖励，最高不超过100万元。")
    assert extract_criteria("企业奖励办法", scoped, "滨州市科学技术局").qualifications == ("高新技术企业",)


def test_classes_listed_before_a_family_of_sections_are_the_target() -> None:
    # 住宿餐饮 named before 等 narrows a family of sections; one class (家纺) after 等 stays the class.
    c = extract_criteria("关于支持住宿餐饮等生活服务业恢复发展的通知", "一、支持对象\n各类企业。")
    assert c.industries == ("H",)  # 住宿 61 and 餐饮 62 are all of section H
    assert extract_criteria("生活性服务业企业扶持办法", "一、支持对象\n本市企业。").industries == (
        "H", "O", "P", "Q", "R")
    both = extract_criteria("生产、生活性服务业增值税加计抵减", "一、适用对象\n纳税人。").industries
    assert {"58", "I", "H", "Q"} <= set(both) and "C" not in both and "G" not in both


def test_a_city_speaking_under_a_provincial_headline_is_the_city() -> None:
    text = "泰安市委书记在推进会上为上市企业颁发奖金。\n我市对新上市企业给予1000万元奖励。"
    assert extract_criteria("山东这位市委书记，奖给新上市企业1000万", text).regions == ("370900",)
    two = "泰安市、济宁市两地交流上市经验。\n我市对新上市企业给予奖励。"
    assert extract_criteria("山东推进企业上市", two).regions == ("370000",)


def test_a_report_of_support_paid_to_holders_requires_the_title() -> None:
    news = "记者从工业和信息化部获悉，今年中央财政将支持1000多家重点“小巨人”企业开展技术改造。"
    assert extract_criteria("中央财政加大对小巨人企业支持力度", news).qualifications == ('专精特新"小巨人"企业',)
    cultivate = "记者获悉，今年将加快培育一批专精特新“小巨人”企业。"
    assert extract_criteria("加快培育小巨人企业", cultivate).qualifications == ()
