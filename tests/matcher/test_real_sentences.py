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
    # A Hong Kong paper's credit after the headline names who reported, not where the central decision applies.
    ("b-84-state-council-job-retention-extension-2021-05-news",
     "国务院常务会议决定将部分减负稳岗扩就业政策期限延长到今年底(香港商报报道)",
     "國務院總理李克強5月12日主持召開國務院常務會議，決定將部分減負穩崗擴就業政策期限延長到今年底。", ["100000"]),
    # A provincial notice that never names its province: 省工业和信息化厅 in the uploader's province.
    ("a-23-shandong-first-set-insurance-compensation-2021",
     "关于开展2021年度首台(套)技术装备及关键核心零部件、新材料首批次、首版次高端软件保险补偿申报工作的通知",
     "各市工业和信息化局，省财政直管县、经济发达县工业和信息化局：\n该项工作申报事宜由省工业和信息化厅装备产业处牵头负责。",
     ["370000"]),
    # The issuing province in the title wins over the uploading department's city.
    ("c-32-shanxi-4a5a-logistics-award", "山西省工业和信息化厅关于做好2024年全省4A、5A级物流企业奖励资金申报工作的通知",
     "为做好2024年全省4A、5A级物流企业奖励资金申报工作，现将有关事项通知如下。", ["140000"]),
    # No place named at all: the telephone's area code (0376 信阳) beats the uploader's city.
    ("c-19-henan-internship-subsidy-card", "人社政策明白卡:就业见习补贴",
     "适用期限2018年以来受理单位见习单位所在地人力资源和社会保障部门享受方式自行申报咨询电话就业促进工作科袁振航(负责同志)"
     "联系电话:0376-7676806", ["411500"]),
    # A city forwarding its province's notice to its counties: the city the addressees name, not the province.
    ("c-55-quanzhou-forward-fujian-key-tech-upgrade-2024", "转发福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知",
     "各县(市、区)工信(工信科技、工信商务)局,泉州开发区、泉州台商投资区科经局:\n"
     "现将《福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知》(闽工信函投资〔2024〕9号)转发给你们,"
     "请根据通知要求,组织符合条件的企业申报。", ["350500"]),
    # A province forwarding a ministry's notice to its cities: not nationwide; its telephone (0731 长沙) names it.
    ("c-86-hunan-forward-first-set-catalogue-revision-2020",
     "转发工业和信息化部国家重大技术装备办公室关于组织开展2020年《首台(套)重大技术装备推广应用指导目录》修订意见征集工作的通知",
     "各市州工信局、有關企業:\n現將工業和信息化部《國家重大技術裝備辦公室關于組織開展2020年〈首臺(套)重大技術裝備推廣應用指導目錄〉"
     "修訂意見征集工作的通知》(國重裝函〔2020〕5號)轉發給你們,請根據通知要求,組織本地相關企業做好以下工作:\n"
     "聯 系 人:裝備工業處 李壽文\n聯系電話:0731-88955392", ["430000"]),
    # The province names the fund in the title; the addressees (各县市区) and 渌口区 place the sender in 株洲市.
    ("c-53-zhuzhou-advanced-manufacturing-fund-call-2024", "关于做好2024年湖南省先进制造业高地建设专项资金项目申报工作的通知",
     "各县市区工信部门、财政部门,有关园区、企业:\n根据湖南省工业和信息化厅、湖南省财政厅《关于做好2024年先进制造业高地建设专项资金项目"
     "申报工作的通知》精神,现就做好2024年先进制造业高地建设专项资金项目申报工作有关事项通知如下:\n"
     "2.财政省直管县(市)企业(包括渌口区)的项目由县(市)工信、财政部门审核汇总后,联合向省工信厅、省财政厅推荐申报。", ["430200"]),
    # A county speaking (我縣) under the prefecture it cites: the county the text names, not the prefecture.
    ("c-05-xinchang-manufacturing-interpretation", "《關於加快推進制造業高質量發展的若幹意見》政策解讀",
     "本意見是在我縣原有的《新昌縣人民政府辦公室關於印發《關於擴大有效投資助推高質量發展的若幹意見》等八個政策的通知》等相關政策"
     "基礎上,按照《紹興市先進制造業強市建設“4151”計劃專項政策》(送審稿)文件精神,結合我縣工業發展實際。", ["330624"]),
    # A national tax rule explained, its applicants sent to 人力资源社会保障部门 (a department at any level, not the
    # ministry): nationwide, not the uploader's city.
    ("b-69-hiring-key-groups-tax-credit-procedure-qa", "享受招用重点群体就业税收优惠政策的企业如何办理?",
     "享受招用重点群体就业税收优惠政策的企业,参考以下流程办理:\n一、向人力资源社会保障部门申请", ["100000"]),
    # A provincial department's telephone (0731, 长沙) with 省工信厅 in the text: the province, not its capital.
    ("c-86-hunan-forward-first-set-catalogue-revision-2020", "",
     "各市州工信局對企業上報材料審核匯總,于2020年6月20日15:00前將推薦文件上報省工信廳裝備工業處(省重大技術裝備辦公室)。\n"
     "聯系電話:0731-88955392", ["430000"]),
    # A central organ a firm deals with (证监会 accepts its listing) does not make a county's awards nationwide; with
    # no place in the body (the title, which names 德清县, left out) the uploader's area stands in.
    ("c-68-deqing-listing-award-opinion", "",
     "新设立一年以上或改制设立一家实收资本500万元以上的股份有限公司奖励企业10万元,1.企业境内上市:"
     "①首次公开发行股票材料获得中国证监会或证券交易所受理后奖励500万元", ["371600"]),
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


def test_an_everyday_word_that_fits_most_classes_of_a_group_names_the_group() -> None:
    from matcher.industry_index import default_industry_index

    index = default_industry_index()
    # 纺织服装 is a little like each class of 18 and names the division (labelling.md: 纺织服装 → 17, 18).
    assert index.lookup_sector("纺织服装")[0].code == "18"
    assert index.lookup_sector("轴承齿轮")[0].code == "345"
    assert index.lookup_sector("软件")[0].code == "651"
    assert index.lookup_sector("仓储")[0].code == "59"
    # A word every name shares (制造, 技术) names no group; a word of one class stays that class.
    assert len(index.lookup_sector("先进制造")[0].code) == 4
    assert len(index.lookup_sector("技术")[0].code) == 4
    assert index.lookup_sector("滑动轴承")[0].code == "3452"
    assert index.lookup_sector("试点") == []
    assert all(0 < hit.score <= 1 for hit in index.lookup_sector("客运", top=5))


def test_the_editor_is_asked_to_confirm_what_is_unsure() -> None:
    everyone = extract_criteria("关于支持企业发展的若干措施", "对企业给予支持。", department=UPLOADER)
    messages = [r.message for r in everyone.review]
    assert "未识别到行业限制，将推送给全部行业的企业，请确认或补充行业。" in messages
    assert any("按发布部门（滨州市工业和信息化局）所在地区 滨州市 推送" in m for m in messages)
    [region] = [e for e in everyone.evidence if e.field == "regions"]
    assert region.confidence == 0.5
    stated = extract_criteria("滨州市支持铝加工企业发展的若干措施", "支持对象为本市铝压延加工企业。", department=UPLOADER)
    assert stated.review == () and all(e.confidence == 1.0 for e in stated.evidence)


def test_a_region_read_from_a_telephone_number_is_confirmed() -> None:
    # c-19-henan-internship-subsidy-card names no place; its 0376 number is the only evidence.
    card = extract_criteria("人社政策明白卡:就业见习补贴", "享受方式自行申报咨询电话就业促进工作科袁振航(负责同志)联系电话:0376-7676806",
                            department=UPLOADER)
    assert list(card.regions) == ["411500"]
    assert "正文未写明适用地区，按联系电话区号推断为 信阳市，请确认。" in [r.message for r in card.review]


def test_besides_is_not_except_and_sme_titles_mean_smes() -> None:
    # b-42-zjtx-vs-little-giant-qa: "除满足…条件外，还需…" adds a condition, it excludes nobody.
    text = "专精特新“小巨人”企业的认定条件：除满足专精特新中小企业条件外，还需在专业化、精细化、特色化、创新能力等方面达到更高标准。"
    criteria = extract_criteria("专精特新中小企业和专精特新“小巨人”有什么区别?", text)
    assert criteria.sizes == ("medium", "small", "micro")
    assert split_of("b-42-zjtx-vs-little-giant-qa") == "dev"



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



def test_what_firms_buy_is_not_their_sector() -> None:
    # Fictional, in the shape of 推广应用 items: the buyers are 物流企业, not car makers.
    assert set(extract_criteria("", "支持对象为购买新能源汽车的物流企业。").industries) == {"54", "58", "59", "60"}
    assert extract_criteria("", "支持对象为新能源汽车生产企业。").industries == ("36",)
