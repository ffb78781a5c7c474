"""Whom real texts target — sectors, 规上/限上 and titles — on short sentences quoted from dev-part texts.

Each case names the file of data/matcher/real/policies it quotes (its header has the source address);
a test checks that every one is in the dev part, since the test part is only ever scored.
"""

from __future__ import annotations

from matcher.evaluate import REAL_DIR, split_of
from matcher.extract import extract_criteria
from matcher.taxonomy import default_taxonomy

QUOTED = [
    "c-21-yingcheng-q1-industry-awards",
    "c-49-heyuan-small-micro-industry-upscale-awards-2023-news",
    "a-32-tengzhou-spring-festival-job-retention-2023-news",
    "a-34-qingdao-software-industry-fund-2025-call",
    "b-70-tourism-consumption-30-measures-interpretation-2023",
    "b-57-agri-leading-enterprise-8th-batch-2023",
    "c-38-dazhou-tourism-marketing-award",
    "b-60-travel-agency-deposit-full-refund-2022-news",
    "a-52-yantai-2020-job-agency-subsidy-guide-qa",
    "c-55-quanzhou-forward-fujian-key-tech-upgrade-2024",
    "b-37-new-tech-upgrade-city-pilot-2nd-batch-2025",
    "c-10-wenzhou-commerce-consumption",
    "c-78-huadu-specialized-sme-awards-summary",
    "a-17-zibo-sme-digital-pilot-2025",
    "b-64-agri-cold-storage-facilities-2022",
    "c-82-sanmenxia-job-retention-refund-2025",
    "a-35-shandong-culture-tourism-relief-2022-news",
    "b-36-high-skill-talent-bases-2022-news",
    "b-68-equipment-renewal-trade-in-action-plan-2024-news",
    "b-24-equipment-renewal-loan-subsidy-2026-news",
    "a-12-shandong-hitech-sme-subsidy-news",
    "b-08-little-giant-fund-2021-news",
    "a-74-shandong-digital-economy-breakthrough-plan-2022",
    "a-06-shandong-zjtx-measures-draft-2024",
    "b-09-textile-upgrade-plan-2023-news",
    "c-54-guizhou-ten-hundred-billion-industries-fund-2019",
    "c-31-huaihua-growth-consumption",
    "c-02-shanggao-upgrade-audit",
    "c-57-xiamen-software-industry-measures-2022",
]


def test_quoted_cases_are_in_the_dev_part() -> None:
    for key in QUOTED:
        assert (REAL_DIR / "policies" / f"{key}.txt").exists(), key
        assert split_of(key) == "dev", key


# --- 规上/限上 ------------------------------------------------------------------------------------


def test_a_news_report_paying_only_newly_above_scale_firms_targets_them() -> None:
    # c-21: no 支持对象 sentence; the one item that pays names 新进规 firms.
    body = ("据了解，为切实增强经济活力，省财政厅根据《2024年全省工业经济首季“开门红”若干政策措施》"
            "对新进规、稳产满产和激励工业增长点企业进行奖励。")
    criteria = extract_criteria("应城市27家企业获省级制造业高质量发展专项奖励105万元", body)
    assert criteria.above_scale_only
    # The headline says 制造业; the item pays 工业 firms (新进规、…工业增长点企业), which the union adds.
    assert set(criteria.industries) == {"B", "C", "D"}


def test_small_firms_growing_to_scale_are_above_scale_now() -> None:
    # c-49: 上规模 is 升规, read as above scale now (labelling.md's approximation).
    assert extract_criteria("河源市财政激励小微工业企业上规模发展", "").above_scale_only
    # a-34: 软件业务收入上规模 is a revenue threshold of one item, not 规上 statistics.
    assert not extract_criteria("", "（一）软件业务收入上规模项目\n1. 申报主体是在青岛市注册的企业。").above_scale_only


def test_one_item_for_any_firm_keeps_the_policy_open_to_all() -> None:
    # a-32: the money items pay 规上工业企业, but the 缓缴 item reaches any firm that deferred (the union).
    body = ("在支持企业春节期间稳产达产上，该市对2022年主营业务收入超过1亿元的规上工业企业，给予一次性奖励5万元。"
            "此外，实施缓缴社会保险费政策。对于前期申请缓缴的企业，期满后一次性缴纳缓缴费款有困难的，可实行分期缴纳。")
    assert not extract_criteria("滕州市印发《关于做好春节期间惠企稳岗工作的实施方案》", body).above_scale_only


# --- sectors in everyday words ------------------------------------------------------------------


def test_tourism_and_agricultural_industrialisation_name_their_classes() -> None:
    # b-70: 旅游业 → 住宿, 旅行社, 景区 (the classes that make the product).
    criteria = extract_criteria("《关于释放旅游消费潜力推动旅游业高质量发展的若干措施》解读", "")
    assert set(criteria.industries) == {"61", "7291", "786"}
    # b-57: 农业产业化龙头企业 grow, process or trade farm products.
    criteria = extract_criteria("第八批农业产业化国家重点龙头企业认定工作的通知", "")
    assert set(criteria.industries) == {"A", "13", "14", "15"}


def test_a_sector_word_in_the_modifier_of_a_sector_head_is_not_a_target() -> None:
    # c-38: 文旅资源产品 is what the 旅行社 promote, not what they are.
    body = "奖励对象为组织达州市外游客来达州旅游的旅社或在达州市外宣传推广达州文旅资源产品的市内旅行社。"
    assert extract_criteria("", body).industries == ("7291",)


def test_the_subject_of_a_cited_document_is_not_the_target() -> None:
    # b-60: the cited notices (and the ministry's name) speak of 旅游业; the measure is for 旅行社.
    body = ("已按照《文化和旅游部办公厅关于用好旅游服务质量保证金政策进一步支持旅行社恢复发展的通知》"
            "《文化和旅游部办公厅关于抓好促进旅游业恢复发展纾困扶持政策贯彻落实工作的通知》"
            "要求享受暂退保证金政策的旅行社，可申请将暂退比例提高至100%，补足保证金期限延至2023年3月31日。")
    assert extract_criteria("", body).industries == ("7291",)


def test_an_item_headed_with_the_targets_of_a_guide_states_them() -> None:
    # a-52 (an 经办指南): the line under "1.适用对象" is whom the subsidy is for; "2.主要内容" ends it.
    body = ("一、职业介绍补贴\n1.适用对象\n经营性人力资源服务机构。\n2.主要内容\n"
            "介绍劳动者到本市企业或个体工商户就业的，按每人120元的标准给予职业介绍补贴。")
    assert extract_criteria("烟台市2020年疫情期间就业补贴政策经办指南（职业介绍补贴）", body).industries == ("726",)


def test_technical_upgrading_is_industry_s_and_a_narrower_word_says_whose() -> None:
    # c-55: 技术改造项目 are industrial firms' projects (labelling.md: 工业 → B, C, D), when nothing else is named.
    title = "转发福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知"
    assert set(extract_criteria(title, "").industries) == {"B", "C", "D"}
    # b-37: 制造业 right before 新型技术改造 narrows it to manufacturing.
    title = "工业和信息化部办公厅 财政部办公厅关于开展第二批制造业新型技术改造城市试点工作的通知"
    assert extract_criteria(title, "").industries == ("C",)


def test_a_report_s_items_add_the_trades_they_pay_to_its_headline_s_sector() -> None:
    # c-10: the headline says 商贸业; the items pay 批发、零售、住宿、餐饮 firms, a list read in full.
    body = ("意见指出，鼓励商贸企业做大做强。对首次纳统限额以上的批发、零售、住宿、餐饮企业，给予3万元一次性奖励；"
            "对首次纳统的限额以上批发、零售、住宿、餐饮个体户，给予 3000元一次性奖励。")
    criteria = extract_criteria("温州发布政策推动商贸业提质扩容 最高一次性奖励80万元", body)
    assert set(criteria.industries) == {"F", "H"}
    # A named sector wins over the activity (the demo's grain-oil loan policy, fictional).
    body = "决定对本市行政区域内从事谷物磨制、食用植物油加工的中型、小型和微型企业，因实施技术改造项目发生的银行贷款给予贴息。"
    assert set(extract_criteria("", body).industries) == {"131", "133"}


def test_a_pilot_s_named_sectors_are_its_targets() -> None:
    # a-17: the three 试点行业 of a 中小企业数字化转型 pilot, in everyday words.
    body = ("按照“政府引导、企业主体”总体思路，充分发挥我市先进高分子材料、高效动力传动装备、"
            "新型建材及陶瓷琉璃制品三个试点行业基础和场景优势，采取“平台化支撑、轻量化改造”推进模式。")
    criteria = extract_criteria("淄博市中小企业数字化转型城市试点工作推进方案", body)
    assert set(criteria.industries) == {"265", "345", "30"}


def test_farms_and_cooperatives_supported_are_agricultural_producers() -> None:
    # b-64: 支持…等主体 names whom the measure is for; farms and cooperatives name A when no sector is named.
    body = ("支持县级以上示范家庭农场、农民专业合作社示范社、已登记的农村集体经济组织等主体在重点镇和中心村"
            "建设产地冷藏保鲜设施，不断提升设施综合利用效率。")
    assert extract_criteria("", body).industries == ("A",)


def test_employer_kinds_listed_beside_firms_name_no_sector() -> None:
    # c-82: a 稳岗返还 for every insured employer; 社会团体 and 基金会 are kinds of employer, not classes 952/953.
    body = ("适用对象：参保企业足额缴纳失业保险费12个月以上的，可以享受稳岗返还政策。"
            "社会团体、基金会、社会服务机构、律师事务所、会计师事务所、以单位形式参保的个体工商户等六类市场主体参照实施。")
    assert extract_criteria("", body).industries == ()
    listed = "稳岗返还对象为参保企业、社会团体、基金会、社会服务机构、律师事务所、会计师事务所、以单位形式参保的个体工商户。"
    assert extract_criteria("", listed).industries == ()


def test_a_list_of_service_trades_is_read_completely() -> None:
    # Fictional, in the shape of the relief notices issue 12 quotes: every trade of the list counts.
    body = "支持对象为受疫情影响较大的餐饮、零售、住宿、旅游、客运等行业企业。"
    assert set(extract_criteria("", body).industries) == {"52", "H", "7291", "786", "531", "541", "542", "551", "561"}
    # a-35: 旅游 as a field of consumption (consumer vouchers) names no trade.
    body = "支持对象为各市，支持各市发放消费券，拉动零售、餐饮、旅游领域消费。"
    assert "7291" not in extract_criteria("", body).industries


# --- titles ---------------------------------------------------------------------------------------


def test_holding_a_title_as_a_condition_of_applying_is_required() -> None:
    # Fictional, in the shape of the 小巨人 notices (b-34): applying is the invitation, 须为 the condition.
    body = "申报企业须为有效期内的省级专精特新中小企业。"
    criteria = extract_criteria("关于做好第六批专精特新“小巨人”企业培育工作的通知", body)
    assert criteria.qualifications == ("专精特新中小企业",)


def test_items_that_pay_only_holders_require_the_title() -> None:
    # c-78: the item pays firms newly recognised; an item for any 规上 firm beside it would open it to all.
    body = "对新认定的国家级专精特新“小巨人”企业、省级“专精特新”中小企业，分别给予每家50万、10万的一次性奖励。"
    assert extract_criteria("", body).qualifications == ("专精特新中小企业",)
    body += "对首次纳入规模以上统计的企业，给予10万元奖励。"
    assert extract_criteria("", body).qualifications == ()


def test_a_title_written_with_gongsi_for_qiye_is_the_same_title() -> None:
    # a-12: the news site writes 公司 for 企业 throughout; the subsidy pays holders of 高新技术企业.
    body = "记者从山东省财政厅获悉，近期向山东省级财政拨款1.9亿元，对首批被认定为高新技术公司的1858家中小公司给予财政补助。"
    assert extract_criteria("", body).qualifications == ("高新技术企业",)


def test_a_definition_of_the_firms_supported_states_their_sector_and_title() -> None:
    # b-08: the only sentence saying who is supported defines the title's holders as manufacturers.
    body = ("加快培育一批专注于细分市场、聚焦主业、创新能力强、成长性好的专精特新“小巨人”企业。\n"
            "简单讲，专精特新“小巨人”企业，就是在制造业特殊领域创新能力强并经过工信部和财政部认证的企业，会获得国家支持。")
    criteria = extract_criteria("", body)
    assert criteria.industries == ("C",)
    assert criteria.qualifications == ('专精特新"小巨人"企业',)


def test_a_plan_without_target_statements_serves_the_sectors_its_action_headings_build_up() -> None:
    # a-74: no sentence says whom the awards are for; the action and its item name the sectors.
    body = ("一、实施数字产业化引领行动，着力在新一代信息技术产业高质量发展上重点突破\n"
            "1.打造电子信息制造业增长极。实施集成电路“强芯”工程，支持企业研制高端存储芯片等产品，"
            "对高端芯片量产前首轮流片费用和符合条件的封装测试公共服务平台给予奖励补贴。")
    criteria = extract_criteria("关于印发《山东省2022年数字经济“重点突破”行动方案》的通知", body)
    assert set(criteria.industries) == {"39", "I"}
    assert any(item.field == "industries" for item in criteria.review)  # read from headings: confirm
    # A target statement wins over the headings.
    body += "\n支持对象为全省工业企业。"
    assert set(extract_criteria("", body).industries) == {"B", "C", "D"}


def test_the_firms_a_policy_cultivates_say_their_sector_but_not_their_size() -> None:
    # a-06: 新型工业化 is what the cultivated firms carry; 现代化工业体系 is no 化工.
    body = "（一）加强入库培育。聚焦“6997”现代化工业体系，培育一批承载新型工业化、新质生产力发展方向的专精特新中小企业。"
    assert set(extract_criteria("", body).industries) == {"B", "C", "D"}
    # b-09: cultivating titles among 中小企业 is one item; it does not limit the sizes of the whole plan.
    body = "支持纺织企业上市融资。\n在优质纺织中小企业中培育一批创新型中小企业、专精特新中小企业、专精特新“小巨人”企业。"
    assert extract_criteria("", body).sizes == ()
    # c-54: 现代化工 alone is the modern chemical industry.
    body = ("二、支持范围\n现代化工、先进装备制造、优质烟酒、大数据电子信息、生态特色食品、健康医药、新型建材和基础材料"
            "等八项千亿级产业振兴专项资金管理办法中明确支持的技术改造、技术创新、产业培育、产业发展等使用范围及工作事项。")
    industries = extract_criteria("", body).industries
    assert "26" in industries
    assert "16" in industries  # 优质烟酒: the list item's head 烟酒 (its 151 lies inside 特色食品's 15)


def test_without_target_statement_or_sector_in_the_title_the_paid_items_name_the_sectors() -> None:
    # c-31: the one item that pays names 商贸流通企业; the editor is asked to confirm.
    criteria = extract_criteria("怀化市促消费若干措施", "对承办市级消费促进活动的执行单位或商贸流通企业，给予3万元-5万元的资金支持。")
    assert criteria.industries == ("F",)
    assert any(item.field == "industries" for item in criteria.review)
    # An item paying any firm keeps the policy open to all (labelling.md: the union).
    body = "对承办市级消费促进活动的商贸流通企业，给予3万元的资金支持。对新增就业岗位的企业，给予1万元补贴。"
    assert extract_criteria("怀化市促消费若干措施", body).industries == ()


def test_a_fund_for_industry_s_growth_is_for_industrial_firms() -> None:
    # c-02: only the headline names whom the fund is for.
    title = "上高县对工业高质量发展奖补资金转型升级类项目进行现场审核"
    assert set(extract_criteria(title, "审核组深入企业生产车间查看项目建设情况。").industries) == {"B", "C", "D"}


def test_a_paid_item_that_names_the_firms_before_the_grant_names_their_sector() -> None:
    # c-57: the firms first, then 对其…给予奖励.
    body = ("（一）加快新市场主体成长。在本市商事登记当年纳入规上软件业的企业，对其纳统后1年内营业收入超过2000万元的部分，"
            "按1%给予奖励；")
    assert extract_criteria("厦府规〔2022〕2号（摘录：加快新市场主体成长）", body).industries == ("65",)


# --- sectors a policy prefers ----------------------------------------------------------------------


def test_the_fields_a_policy_supports_first_are_its_sectors() -> None:
    # b-36: the only sentence that says whom the bases are for lists the priority fields.
    body = ("《方案》提出，要优先支持建设先进制造业、战略性新兴产业及托育、护理、康养、家政等民生重点领域"
            "国家级高技能人才培训基地，加强相关领域急需紧缺职业（工种）高技能人才培养力度。")
    criteria = extract_criteria("", body)
    covered = {code for code in ("3216", "8010", "8020", "8512", "8514")
               if any(default_taxonomy().covers(i, code) for i in criteria.industries)}
    assert covered == {"3216", "8010", "8020", "8512", "8514"}  # 制造业, 家政, 托育, 护理, 康养
    # 优先支持 a title's holders among all applicants is a preference, not a sector or a title to hold.
    assert extract_criteria("", "面向中小企业发布中试服务资源目录，优先支持“小巨人”企业参与应用计划。").industries == ()


def test_the_fields_whose_equipment_is_renewed_are_the_sectors() -> None:
    # b-68: a list of 领域 for 设备投资; bare 工业, 农业, 建筑, 交通, 医疗 are sectors as items of it.
    body = "《行动方案》提出，到2027年，工业、农业、建筑、交通、教育、文旅、医疗等领域设备投资规模较2023年增长25%以上；"
    assert {"A", "B", "C", "D", "E", "G", "P", "84"} <= set(extract_criteria("", body).industries)


def test_a_list_run_that_begins_before_its_first_item_and_ends_after_its_last_reads_both() -> None:
    # b-24: 在支持工业、… and …老旧农机具等领域设备更新基础上: 工业 begins inside the run, 物流 ends one.
    body = ("扩展支持领域方面，《通知》提到，在支持工业、能源电力、交通运输、物流、文旅、老旧农机具等领域设备更新基础上，"
            "增加建筑和市政、用能设备、航空器材、电子信息、安全生产、设施农业、渔船、冷链设施、粮油加工等领域。")
    industries = set(extract_criteria("", body).industries)
    assert {"A", "B", "C", "D", "G", "E"} <= industries  # 老旧农机具 → A covers 设施农业 01, 渔船 04
    # An item's head ends it: 老旧农机具 is 农机具 (the farms that use it), 消费商业设施 is 商业设施.
    body = ("在支持交通运输、老旧农机具等领域设备更新基础上，增加粮油加工、消费商业设施、人工智能、养老等领域，"
            "加大对高端化、智能化、绿色化、数字化设备更新支持。")
    assert set(extract_criteria("", body).industries) == {"A", "F", "G", "I", "131", "133", "8514"}
    # 旅游消费 alone stays what consumers do: a list word needs a list with a known sector.
    assert extract_criteria("", "支持对象为开展旅游消费、设备更新的工业企业。").industries == ("B", "C", "D")
