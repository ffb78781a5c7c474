"""The classes of failure seen on real texts, each on short sentences quoted from a real one (dev part only).

Every case names the file of data/matcher/real/policies it quotes (its header has the source address);
a test checks that none of them is in the test part, which is only ever scored.
"""

from __future__ import annotations

from datetime import date

import pytest

from matcher.evaluate import REAL_DIR, split_of
from matcher.extract import extract_criteria
from matcher.facts import chinese_number, extract_facts, find_dates, money_wan

UPLOADER = "滨州市工业和信息化局"

REGION_CASES = [
    # A county outside Shandong named by its short form as the subject of the title; traditional script.
    ("c-12-nanan-commerce-enterprise-support", "南安出臺商貿企業扶持政策",
     "http://m.sundong.com.cn【泉州經濟網】2023-01-31\n為分行業推動大型超市、加油站、酒店賓館、電子商務等企業及時入庫納統，南安市出臺多項商貿企業扶持政策。",
     ["350583"]),
    # A ministry in a news title: nationwide, not the reporter's city, not the uploader's.
    ("b-23-miit-sme-resumption-2020-news", "工信部：引导中小企业走“专精特新”发展道路",
     "北京青年报客户端 2020-04-16 15:35\n4月16日，国务院联防联控机制召开新闻发布会，介绍民营企业、中小企业有序推进复工复产情况。",
     ["100000"]),
    # A provincial notice that never names its province: 省工业和信息化厅 in the uploader's province.
    ("a-23-shandong-first-set-insurance-compensation-2021",
     "关于开展2021年度首台(套)技术装备及关键核心零部件、新材料首批次、首版次高端软件保险补偿申报工作的通知",
     "各市工业和信息化局，省财政直管县、经济发达县工业和信息化局：\n该项工作申报事宜由省工业和信息化厅装备产业处牵头负责。",
     ["370000"]),
    # The issuing province in the title wins over the uploading department's city.
    ("c-32-shanxi-4a5a-logistics-award", "山西省工业和信息化厅关于做好2024年全省4A、5A级物流企业奖励资金申报工作的通知",
     "为做好2024年全省4A、5A级物流企业奖励资金申报工作，现将有关事项通知如下。", ["140000"]),
]


@pytest.mark.parametrize(("key", "title", "body", "regions"), REGION_CASES, ids=[c[0] for c in REGION_CASES])
def test_region_comes_from_the_text_before_the_uploader(key, title, body, regions) -> None:
    assert list(extract_criteria(title, body, department=UPLOADER).regions) == regions


def test_no_place_in_the_text_falls_back_to_the_uploader_never_to_everywhere() -> None:
    body = "对首次纳入规模以上工业统计的企业给予一次性奖励。"
    assert extract_criteria("关于支持企业发展的若干措施", body, department=UPLOADER).regions == ("371600",)
    assert extract_criteria("关于支持企业发展的若干措施", body, department="工业和信息化部").regions == ("100000",)


def test_an_invitation_to_apply_for_a_title_does_not_require_it() -> None:
    # b-33: 工业和信息化部办公厅关于开展2019年技术创新示范企业认定工作的通知
    criteria = extract_criteria("工业和信息化部办公厅关于开展2019年技术创新示范企业认定工作的通知",
                                "各省、自治区、直辖市工业和信息化主管部门：\n为深入实施创新驱动发展战略，现组织开展2019年技术创新示范企业认定工作。")
    assert criteria.qualifications == ()
    # a-12: a reward for firms that have been recognised requires the title.
    held = extract_criteria("山东对首次认定高新技术企业给予补助",
                            "对首批被认定为高新技术企业的中小企业，省级财政给予一次性补助。")
    assert held.qualifications == ("高新技术企业",)


def test_the_classes_a_sentence_names_beat_its_broad_head_noun() -> None:
    # The shape of many real 支持对象 sentences: the classes, then 农产品加工企业.
    criteria = extract_criteria("", "支持对象为从事谷物磨制、食用植物油加工的农产品加工企业。")
    assert set(criteria.industries) == {"131", "133"}
    assert set(extract_criteria("", "支持对象为农产品加工企业。").industries) == {"13", "14", "15"}


def test_everyday_sector_words_map_to_codes() -> None:
    # c-32: 物流企业 and 快递企业 → freight, warehousing and postal/express classes.
    assert set(extract_criteria("", "支持对象为本省4A、5A级物流企业。").industries) == {"54", "58", "59", "60"}
    assert set(extract_criteria("", "支持对象为化工园区内企业。").industries) == {"26"}
    tertiary = {"F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "05", "11", "43"}
    assert set(extract_criteria("", "支持对象为服务业小微企业。").industries) == tertiary


def test_a_news_opening_s_purpose_is_not_its_target() -> None:
    # c-09 (龙岩): the aim (为…推动全市服务业高质量发展，加快构建现代服务业体系) is not whom it pays.
    opening = ("东南网9月1日讯（福建日报记者 戴敏）为进一步推动全市服务业高质量发展，加快构建现代服务业体系，近日，"
               "龙岩市出台措施扶持限上商贸企业发展，批发、零售、住宿、餐饮企业销售额（营业额）分别达到2000万元、"
               "500万元、200万元、200万元，均可申报纳入限上企业统计。")
    assert set(extract_criteria("龙岩出台措施扶持限上商贸企业发展", opening).industries) == {"F", "H"}


def test_quoted_cases_are_in_the_dev_part() -> None:
    for key in [c[0] for c in REGION_CASES] + ["b-33-tech-innovation-demo-enterprise-2019",
                                               "a-12-shandong-hitech-sme-subsidy-news",
                                               "c-09-longyan-retail-above-quota"]:
        assert (REAL_DIR / "policies" / f"{key}.txt").exists(), key
        assert split_of(key) == "dev", key


# --- facts ------------------------------------------------------------------------------------------


def test_numbers_dates_and_money() -> None:
    assert chinese_number("一千五百") == 1500 and chinese_number("二十三") == 23 and chinese_number("3.5") == 3.5
    assert chinese_number("二〇二三") == 2023 and chinese_number("十") == 10 and chinese_number("两万") == 20000
    assert money_wan("500", "元") == 0.05 and money_wan("2", "亿元") == 20000 and money_wan("五十", "万元") == 50
    assert [d for _, d in find_dates("二〇二三年五月十日 至 2023-06-30，6月1日起", 2023)] == [
        date(2023, 5, 10), date(2023, 6, 30), date(2023, 6, 1)]
    assert [d for _, d in find_dates("有效期至2025年12月底")] == [date(2025, 12, 31)]


def test_facts_of_an_official_notice() -> None:
    # The shape of a-01 (滨政发〔2023〕6号) and of the notices of 滨州市工业和信息化局 (binzhou.kjzxfw.com, 2020).
    body = """滨政发〔2023〕6号
各县(市、区)人民政府，市政府各部门：
根据《关于进一步促进小微工业企业发展的通知》(滨政办字〔2018〕181号)要求，现将有关事项通知如下。
一、对认定的示范园区给予最高不超过50万元奖励，对入园企业给予最高20万元补助。
请于9月18日前将推荐文件报送市工信局，逾期不予受理。
本措施自印发之日起施行，有效期3年。
联系人：温波    电  话：2297187
滨州市人民政府
2023年4月5日"""
    facts = extract_facts("滨州市人民政府关于促进经济加快恢复发展的若干措施", body)
    assert facts.doc_number == "滨政发〔2023〕6号"
    assert facts.issuer == "滨州市人民政府"
    assert facts.issued_on == date(2023, 4, 5)
    assert facts.effective_from == date(2023, 4, 5)
    assert facts.effective_to == date(2026, 4, 4)
    assert facts.apply_until == date(2023, 9, 18)
    assert facts.max_support_wan == 50
    assert "2297187" in facts.contact
    fields = {e.field for e in facts.evidence}
    assert fields == {"doc_number", "issuer", "issued_on", "effective_from", "effective_to", "apply_until",
                      "max_support_wan", "contact"}


def test_a_fact_the_text_does_not_state_stays_empty() -> None:
    facts = extract_facts("支持企业发展", "对企业给予支持，具体办法另行制定。")
    assert facts.doc_number is None and facts.effective_to is None and facts.apply_until is None
    assert facts.max_support_wan is None and facts.contact is None and facts.evidence == ()


def test_validity_written_as_a_period() -> None:
    facts = extract_facts("", "本政策执行期限为2023年1月1日至2025年12月31日。")
    assert (facts.effective_from, facts.effective_to) == (date(2023, 1, 1), date(2025, 12, 31))


def test_two_sectors_side_by_side_both_stay() -> None:
    # c-32: 4A、5A级物流企业 and 快递企业 are both rewarded; 快递 is inside 物流, but not its modifier.
    criteria = extract_criteria("", "奖励对象为首次获评4A、5A级的物流企业和快递企业。")
    assert set(criteria.industries) == {"54", "58", "59", "60"}


def test_the_standards_notes_read_a_sector_phrase_the_keyword_list_lacks() -> None:
    from matcher.industry_index import default_industry_index

    index = default_industry_index()
    # Words of the 说明, not of any class name: 3091's note names 石墨烯, 3452's name 滑动轴承.
    assert index.lookup("石墨烯")[0].code == "3091"
    assert index.lookup("滑动轴承")[0].code == "3452"
    assert index.lookup("试点") == []
    assert all(0 < hit.score <= 1 for hit in index.lookup("集成电路"))


def test_the_editor_is_asked_to_confirm_what_is_unsure() -> None:
    everyone = extract_criteria("关于支持企业发展的若干措施", "对企业给予支持。", department=UPLOADER)
    messages = [r.message for r in everyone.review]
    assert "未识别到行业限制，将推送给全部行业的企业，请确认或补充行业。" in messages
    assert any("按发布部门（滨州市工业和信息化局）所在地区 滨州市 推送" in m for m in messages)
    [region] = [e for e in everyone.evidence if e.field == "regions"]
    assert region.confidence == 0.5
    stated = extract_criteria("滨州市支持铝加工企业发展的若干措施", "支持对象为本市铝压延加工企业。", department=UPLOADER)
    assert stated.review == () and all(e.confidence == 1.0 for e in stated.evidence)


def test_besides_is_not_except_and_sme_titles_mean_smes() -> None:
    # b-42-zjtx-vs-little-giant-qa: "除满足…条件外，还需…" adds a condition, it excludes nobody.
    text = "专精特新“小巨人”企业的认定条件：除满足专精特新中小企业条件外，还需在专业化、精细化、特色化、创新能力等方面达到更高标准。"
    criteria = extract_criteria("专精特新中小企业和专精特新“小巨人”有什么区别?", text)
    assert criteria.sizes == ("medium", "small", "micro")
    assert split_of("b-42-zjtx-vs-little-giant-qa") == "dev"


def test_industrial_framing_words_read_as_industry() -> None:
    # c-55: a 技术改造 call names no sector but is for industrial firms (工业 → B, C, D).
    call = extract_criteria("转发福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知",
                            "请根据通知要求，组织符合条件的企业申报。")
    assert set(call.industries) == {"B", "C", "D"}
    # c-41 / c-02: 新型工业化, 工业高质量发展 in the title.
    assert set(extract_criteria("阜新市支持新型工业化若干政策举措", "").industries) == {"B", "C", "D"}
    assert set(extract_criteria("上高县对工业高质量发展奖补资金转型升级类项目进行现场审核", "").industries) == {"B", "C", "D"}
    # b-37: an activity word gives way to the sector named with it: 制造业新型技术改造 is manufacturing's.
    pilot = extract_criteria("工业和信息化部办公厅 财政部办公厅关于开展第二批制造业新型技术改造城市试点工作的通知", "")
    assert pilot.industries == ("C",)
    for key in ("c-55-quanzhou-forward-fujian-key-tech-upgrade-2024", "c-41-fuxin-new-industrialization",
                "c-02-shanggao-upgrade-audit", "b-37-new-tech-upgrade-city-pilot-2nd-batch-2025"):
        assert split_of(key) == "dev", key


def test_a_city_government_s_doc_number_names_the_city() -> None:
    # c-57: the page states only the number; 厦府规 is 厦门市人民政府's (not the uploader's Binzhou).
    body = "(一)加快新市场主体成长。在本市商事登记当年纳入规上软件业的企业，按1%给予奖励。"
    assert extract_criteria("厦府规〔2022〕2号(摘录:加快新市场主体成长)", body, department=UPLOADER).regions == ("350200",)
    assert extract_criteria("穗府办函〔2020〕12号", "对本市企业给予支持。", department=UPLOADER).regions == ("440100",)
    # A province's character is the province's, never a city that starts with it (苏政发 is 江苏's, not 苏州's).
    assert extract_criteria("苏政发〔2021〕3号", "对全省企业给予支持。", department=UPLOADER).regions == ("320000",)
    # A cited number is not the text's own.
    cited = extract_criteria("关于支持企业发展的若干措施", "根据《通知》（厦府规〔2022〕2号），对企业给予支持。", department=UPLOADER)
    assert cited.regions == ("371600",)
    assert split_of("c-57-xiamen-software-industry-measures-2022") == "dev"


def test_smaller_firms_stressed_among_all_do_not_limit_sizes() -> None:
    # b-56: the headline names 小微企业, the body 企业特别是民营、小微企业: every size is meant.
    title = "国务院常务会议：建立企业应对疫情专项帮扶机制 纾解民营、小微企业困难"
    body = "会议指出，各地各部门要建立企业应对疫情专项帮扶机制，纾解企业特别是民营、小微企业困难。"
    assert extract_criteria(title, body).sizes == ()
    assert extract_criteria("", "支持对象为各类企业尤其是中小企业。").sizes == ()
    # Without the stress the headline's size still holds, and a target naming only 小微企业 limits.
    assert extract_criteria(title, "会议指出，要建立专项帮扶机制。").sizes == ("small", "micro")
    assert extract_criteria("", "支持对象为小微企业。").sizes == ("small", "micro")
    assert split_of("b-56-state-council-epidemic-enterprise-relief-2020-02-news") == "dev"


def test_an_item_for_firms_of_any_size_widens_the_sizes() -> None:
    # b-15 (国发〔2018〕39号): 稳岗返还 reaches every insured firm; 小微企业 get a further item. Union: every size.
    body = ("（一）加大稳岗支持力度。对不裁员或少裁员的参保企业，可返还其上年度实际缴纳失业保险费的50%。\n"
            "（三）小微企业当年新招用符合条件的人员并与其签订1年以上劳动合同的，可申请最高不超过300万元的创业担保贷款。")
    assert extract_criteria("国务院关于做好当前和今后一个时期促进就业工作的若干意见", body).sizes == ()
    only_small = body.splitlines()[1]
    assert extract_criteria("", only_small).sizes == ("small", "micro")
    # An item that refers back (对上述企业) or names the size itself does not widen.
    assert extract_criteria("", only_small + "\n对上述企业，可给予一次性奖励。").sizes == ("small", "micro")
    assert split_of("b-15-employment-promotion-2018-state-council") == "dev"


def test_a_news_item_paying_recognised_holders_requires_the_title() -> None:
    # a-12 (a rewritten wire item that writes 公司 for 企业): the subsidy goes to firms first recognised.
    title = "财讯：山东1858家高新技术中小微公司获1.9亿财政补助"
    body = ("记者从山东省财政厅获悉，为支持做大做强的高新技术公司，近期向山东省级财政拨款1.9亿元，"
            "对首批被认定为高新技术公司的1858家中小公司给予财政补助。")
    assert extract_criteria(title, body).qualifications == ("高新技术企业",)
    # Firms invited to apply for recognition are not required to hold it.
    invited = extract_criteria("关于组织申报高新技术企业认定的通知", "请符合条件的企业申报高新技术企业认定。")
    assert invited.qualifications == ()
    assert split_of("a-12-shandong-hitech-sme-subsidy-news") == "dev"


def test_holders_and_the_title_s_cultivated_firms_paid_alike_need_no_title() -> None:
    # a-13: 示范企业 hold the title, 培育企业 are on its cultivation list; both are paid, so none must hold it.
    title = "山东提高制造业“单项冠军”示范企业财政奖励标准"
    body = "山东省财政近日将2017年制造业\"单项冠军\"示范企业和培育企业奖励标准提高一倍，从100万元、50万元分别提高到200万元、100万元。"
    assert extract_criteria(title, body).qualifications == ()
    assert extract_criteria(title, "山东省财政近日将示范企业奖励标准提高一倍。").qualifications == ("制造业单项冠军企业",)
    assert split_of("a-13-shandong-single-champion-award-news") == "dev"


def test_only_the_clause_that_pays_holders_names_the_title() -> None:
    # b-51: the programme (专精特新支持政策) is named beside the holders it pays (重点“小巨人”企业).
    body = ("工业和信息化部副部长王江平今日在新闻发布会上表示，我们联合财政部启动了新一轮专精特新支持政策，"
            "今年将通过中央财政支持1000多家重点“小巨人”企业打造新动能、攻坚新技术。")
    assert extract_criteria("工信部副部长王江平在新闻发布会上介绍有关情况", body).qualifications == ('专精特新"小巨人"企业',)
    assert split_of("b-51-little-giant-central-funding-2024-news") == "dev"


def test_what_a_broad_subject_engages_in_is_the_target() -> None:
    # b-17 (国发〔2018〕42号): 农业企业等新型农业经营主体 (A) 从事农机作业服务 (0512) are 农机作业 firms.
    sentence = "鼓励家庭农场、农业企业等新型农业经营主体从事农机作业服务。"
    assert extract_criteria("", sentence).industries == ("0512",)
    # Without 从事 the subject stands for itself.
    assert extract_criteria("", "支持对象为农业企业。").industries == ("A",)
    assert split_of("b-17-agri-machinery-upgrade-2018") == "dev"


def test_first_batch_new_materials_are_manufacturing() -> None:
    # a-23: 首台（套）装备 (33–40), 新材料首批次 (materials makers across C), 首版次软件 (65) → C and 65.
    title = "关于开展2021年度首台(套)技术装备及关键核心零部件、新材料首批次、首版次高端软件保险补偿申报工作的通知"
    assert set(extract_criteria(title, "").industries) == {"C", "65"}
    assert split_of("a-23-shandong-first-set-insurance-compensation-2021") == "dev"


def test_a_list_of_supported_fields_names_the_target_sectors() -> None:
    # b-24 (设备更新贷款财政贴息): the fields listed are the firms' sectors, in everyday words.
    sentence = ("扩展支持领域方面，《通知》提到，在支持工业、能源电力、交通运输、物流、文旅、老旧农机具等领域设备更新基础上，"
                "增加建筑和市政、电子信息、设施农业、渔船、粮油加工、养老等领域。")
    codes = set(extract_criteria("四部门发文优化设备更新贷款财政贴息政策", sentence).industries)
    assert {"B", "C", "D", "G", "R", "E", "I", "A"} <= codes and "85" in codes
    # b-36: 优先支持…等民生重点领域 names them too (先进制造业 → C, 家政 → 8010).
    talent = "要优先支持建设先进制造业、战略性新兴产业及托育、护理、康养、家政等民生重点领域国家级高技能人才培训基地。"
    assert {"C", "801"} <= set(extract_criteria("", talent).industries)
    # b-09: support for institutions' alliances in some fields is not a statement of whom the policy is for.
    alliance = "支持有关机构建设和完善纤维新材料、产业用纺织品、智能制造、高端装备等领域创新联盟。"
    assert extract_criteria("", alliance).industries == ()
    for key in ("b-24-equipment-renewal-loan-subsidy-2026-news", "b-36-high-skill-talent-bases-2022-news",
                "b-09-textile-upgrade-plan-2023-news"):
        assert split_of(key) == "dev", key


def test_bare_industry_word_only_where_it_stands_alone() -> None:
    assert set(extract_criteria("", "支持对象为工业、建筑业企业。").industries) == {"B", "C", "D", "E"}
    # 纺织工业 is textiles (not every industry); 省工业和信息化厅 is a department; 文旅资源 is no sector.
    assert "B" not in extract_criteria("", "支持对象为从事纺织工业、轻工业的企业。").industries
    assert "B" not in extract_criteria("", "支持对象为生产工业铝型材的企业。").industries
    assert extract_criteria("", "申报单位应在省工业和信息化厅备案。").industries == ()
    assert "R" not in extract_criteria("", "奖励对象为宣传推广达州文旅资源产品的市内旅行社。").industries
    # What industry does after it still leaves it alone: 工业稳增长, 工业转型升级; 工业用地 is land.
    assert set(extract_criteria("关于促进工业稳增长的若干措施", "").industries) == {"B", "C", "D"}
    assert set(extract_criteria("支持工业转型升级的若干政策", "").industries) == {"B", "C", "D"}
    assert extract_criteria("关于工业用地供应的通知", "").industries == ()


def test_a_numbered_sub_heading_opens_a_target_section() -> None:
    # a-52 (烟台 职业介绍补贴 经办指南): "1.适用对象" on its own line, the target on the next.
    body = ("一、职业介绍补贴\n1.适用对象\n经营性人力资源服务机构。\n2.主要内容\n"
            "介绍劳动者到本市企业或个体工商户就业的，按每人120元的标准给予职业介绍补贴。")
    codes = extract_criteria("烟台市2020年疫情期间就业补贴政策经办指南（职业介绍补贴）", body).industries
    assert codes and all(code.startswith("726") for code in codes)
    # The next short item closes the sub-section: what follows "2.主要内容" is not a target statement.
    later = "一、补贴\n1.适用对象\n各类企业。\n2.主要内容\n组织餐饮企业开展培训。"
    assert extract_criteria("", later).industries == ()
    assert split_of("a-52-yantai-2020-job-agency-subsidy-guide-qa") == "dev"


def test_a_city_forwarding_a_provincial_notice_gets_the_city() -> None:
    # c-55: 泉州 forwards 福建's notice to its counties and zones.
    forwarded = extract_criteria(
        "转发福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知",
        "各县（市、区）工信局，泉州开发区、泉州台商投资区科经局：\n现将通知转发给你们，请组织符合条件的企业申报。",
        department=UPLOADER)
    assert forwarded.regions == ("350500",)
    # c-53: the city is not printed, but a district it names (渌口区) places it in 株洲.
    call = extract_criteria(
        "关于做好2024年湖南省先进制造业高地建设专项资金项目申报工作的通知",
        "各县市区工信部门、财政部门，有关园区、企业：\n1.市区企业（不包括渌口区）的项目，由注册所在地的区工信部门审核后推荐到市工信局。",
        department=UPLOADER)
    assert call.regions == ("430200",)
    # Sent to cities, the province's own notice stays the province's.
    own = extract_criteria("湖南省工业和信息化厅关于做好专项资金项目申报工作的通知", "各市州工信局：\n请组织株洲、湘潭企业申报。",
                           department=UPLOADER)
    assert own.regions == ("430000",)
    for key in ("c-55-quanzhou-forward-fujian-key-tech-upgrade-2024", "c-53-zhuzhou-advanced-manufacturing-fund-call-2024"):
        assert split_of(key) == "dev", key


EVERYDAY_SECTOR_WORDS = [
    # Fictional sentences in the usual shape; the words are those real texts use for a sector.
    ("支持对象为本市体育企业。", {"89"}),
    ("支持对象为光伏企业。", {"3825", "4416"}),
    ("支持对象为医疗器械生产企业。", {"358"}),
    ("奖励对象为新开业的民宿和景区。", {"613", "786"}),
    ("支持对象为造纸、印刷、陶瓷企业。", {"22", "23", "307"}),
    ("支持对象为锻造、铸造、模具企业。", {"3391", "3392", "3393", "3525"}),
    ("支持对象为会展企业。", {"7284"}),
]


@pytest.mark.parametrize(("sentence", "codes"), EVERYDAY_SECTOR_WORDS)
def test_more_everyday_sector_words(sentence, codes) -> None:
    assert set(extract_criteria("", sentence).industries) == codes


def test_cost_items_and_word_fragments_are_not_sectors() -> None:
    # c-29: 线上展会展位费 is a fair's booth fee (展会展 holds 会展); 物业费, 广告费 and 装修 are costs any firm pays.
    booth = "支持内容为线上展会展位费，对于企业参加网上展会，按照50%给予支持。"
    assert extract_criteria("", booth).industries == ()
    assert extract_criteria("", "对企业减免物业费、广告费及装修费用给予补贴，支持对象为各类企业。").industries == ()
    assert split_of("c-29-shenzhen-foreign-trade-sme-market-qa") == "dev"


def test_a_modern_industrial_system_is_no_chemical_industry() -> None:
    # a-06: 聚焦“6997”现代化工业体系 is a goal; c-54: 现代化工、先进装备制造 names the chemical industry.
    assert "26" not in extract_criteria("", "支持对象为聚焦现代化工业体系的专精特新中小企业。").industries
    assert "26" in extract_criteria("", "支持对象为现代化工、先进装备制造等产业的企业。").industries
    for key in ("a-06-shandong-zjtx-measures-draft-2024", "c-54-guizhou-ten-hundred-billion-industries-fund-2019"):
        assert split_of(key) == "dev", key


def test_who_will_receive_support_is_a_target_statement() -> None:
    # b-08: the explainer says which firms get the money: certified 小巨人 in manufacturing.
    body = ("为进一步提升中小企业专业化能力和水平，财政部、工业和信息化部日前下发通知，通过中央财政资金进一步支持中小企业发展。\n"
            "简单讲，专精特新“小巨人”企业，就是在制造业特殊领域创新能力强并经过工信部和财政部认证的企业，会获得国家支持。")
    criteria = extract_criteria("财政部、工业和信息化部下发《关于支持“专精特新”中小企业高质量发展的通知》", body)
    assert criteria.industries == ("C",)
    assert criteria.qualifications == ('专精特新"小巨人"企业',)
    assert split_of("b-08-little-giant-fund-2021-news") == "dev"


def test_a_list_of_service_trades_is_read_whole() -> None:
    # Issue 12 class 6: 餐饮、零售、住宿、旅游、交通运输… each names its classes (旅游 → 旅行社 and 景区).
    codes = set(extract_criteria("", "支持对象为餐饮、零售、住宿、旅游、交通运输等行业企业。").industries)
    assert codes == {"52", "H", "7291", "786", "G"}  # 住宿 61 and 餐饮 62 make H


def test_first_processing_of_farm_produce_is_food_processing() -> None:
    # b-54: 新型农业经营主体 (A) and 农产品初加工 (13 农副食品加工业).
    sentence = "重点支持农民合作社、家庭农场和农业产业化联合体三类新型农业经营主体，并支持开展农产品初加工。"
    assert set(extract_criteria("", sentence).industries) == {"A", "13"}
    assert split_of("b-54-new-agri-business-entities-support-2019") == "dev"


def test_grants_name_the_sectors_when_nothing_else_does() -> None:
    # c-31 (怀化): no 支持对象 section; the one grant is for 商贸流通企业 → 商贸 (F), not every firm.
    item = "1.加大促消费活动力度。对承办市级消费促进活动的执行单位或商贸流通企业，给予3万元-5万元的资金支持。"
    assert extract_criteria("怀化市贯彻落实若干政策措施实施方案", item).industries == ("F",)
    # a-32 (滕州): one grant names 工业企业, another reaches workers of any 四上 firm: the union is every industry
    # ("5年以上" is "or more", not a reference back to firms named before).
    two = ("对采取稳岗稳工措施的规上工业企业，经人社部门认定给予一次性稳就业奖补。\n"
           "对春节期间留滕过年的“四上企业”枣庄市外在滕务工人员，5年内的给予300元/人，5年以上的给予500元/人。")
    assert extract_criteria("滕州市印发《关于做好春节期间惠企稳岗工作的实施方案》", two).industries == ()
    # c-19: 人力资源和社会保障部门 is a department, not the 社会保障 industry (94).
    card = "对见习期未满与见习人员签订劳动合同的见习单位，给予剩余期限的见习补贴，由见习单位所在地人力资源和社会保障部门审核。"
    assert extract_criteria("人社政策明白卡:就业见习补贴", card).industries == ()
    for key in ("c-31-huaihua-growth-consumption", "a-32-tengzhou-spring-festival-job-retention-2023-news",
                "c-19-henan-internship-subsidy-card"):
        assert split_of(key) == "dev", key


def test_an_agriculture_development_fund_is_for_agriculture() -> None:
    # c-42: 农业发展专项资金 rewards agricultural firms; 农业发展银行 is a lender, not a sector.
    title = "关于印发深圳市2021年农业发展专项资金农业产业化重点龙头企业奖励项目申报指南的通知（要点）"
    assert extract_criteria(title, "").industries == ("A",)
    assert extract_criteria("", "支持对象为获得农业发展银行贷款的企业。").industries == ()
    assert split_of("c-42-shenzhen-agri-leading-enterprise-award-2021") == "dev"


def test_a_headline_s_size_is_the_scope_an_item_does_not_widen() -> None:
    # The shape of a-16 / c-47: the title says 中小企业, an item says only 对完成改造的企业.
    criteria = extract_criteria("关于开展2024年度中小企业数字化改造试点项目申报工作的通知", "对完成数字化改造的企业，给予项目投入30%的补助。")
    assert criteria.sizes == ("medium", "small", "micro")


def test_growing_to_scale_is_above_scale_now() -> None:
    # c-49: 小微工业企业上规模发展 awards firms that become 规上 (labelling.md: 首次升规 → above-scale now).
    assert extract_criteria("河源市财政激励小微工业企业上规模发展", "").above_scale_only is True
    assert split_of("c-49-heyuan-small-micro-industry-upscale-awards-2023-news") == "dev"


def test_grants_add_to_the_headline_s_sector() -> None:
    # c-10 (温州): the headline says 商贸业 (F); an item pays 住宿、餐饮 firms too (H).
    body = "对首次纳统限额以上的批发、零售、住宿、餐饮企业，给予3万元一次性奖励；"
    assert set(extract_criteria("温州发布政策推动商贸业提质扩容 最高一次性奖励80万元", body).industries) == {"F", "H"}
    # A stated target still wins over both.
    stated = "支持对象为本市批发企业。\n" + body
    assert extract_criteria("温州发布政策推动商贸业提质扩容", stated).industries == ("51",)
    assert split_of("c-10-wenzhou-commerce-consumption") == "dev"


def test_a_county_speaking_of_itself_narrows_the_city_it_cites() -> None:
    # c-05 (新昌县 解读): the head cites 《绍兴市…》; the text says 我县 and 新昌制造业.
    body = ("为加快落实《浙江省人民政府关于高质量发展建设全球先进制造业基地的指导意见》和《绍兴市人民政府关于实施“4151”计划"
            "打造先进制造业强市的意见》，推动新时期新昌制造业发展格局重塑，打造先进制造业强县。\n意见是在我县原有政策基础上修订的。")
    assert extract_criteria("《关于加快推进制造业高质量发展的若干意见》政策解读", body, department=UPLOADER).regions == ("330624",)
    # Without the county's voice, the city stands.
    city = body.replace("我县", "原")
    assert extract_criteria("《关于加快推进制造业高质量发展的若干意见》政策解读", city, department=UPLOADER).regions == ("330600",)
    assert split_of("c-05-xinchang-manufacturing-interpretation") == "dev"


def test_an_activity_any_firm_undertakes_names_no_sector() -> None:
    # The demo's h03 (fictional): 创新型中小企业 of any sector 开展…技术改造; a 技术改造 project call is industry's.
    doing = "对创新型中小企业开展数字化转型、技术改造的，各地可结合实际给予资金支持；"
    assert extract_criteria("关于开展创新型中小企业评价工作的通知", doing).industries == ()
    assert set(extract_criteria("关于做好2024年省重点技术改造项目申报工作的通知", "").industries) == {"B", "C", "D"}


def test_sector_words_inside_other_sectors_names() -> None:
    # 电力装备 is machinery, not power supply; 水果罐头 is canning, not fruit growing.
    assert not {"441", "442"} & set(extract_criteria("", "支持对象为电力装备企业。").industries)
    assert "015" not in extract_criteria("", "支持对象为从事水果罐头制造的企业。").industries
    assert set(extract_criteria("", "支持对象为电力企业。").industries) == {"441", "442"}


def test_what_firms_buy_is_not_their_sector() -> None:
    # Fictional, in the shape of 推广应用 items: the buyers are 物流企业, not car makers.
    assert set(extract_criteria("", "支持对象为购买新能源汽车的物流企业。").industries) == {"54", "58", "59", "60"}
    assert extract_criteria("", "支持对象为新能源汽车生产企业。").industries == ("36",)
