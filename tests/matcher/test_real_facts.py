"""Policy facts read from short sentences quoted from real texts (dev part only; each case names its file)."""

from __future__ import annotations

from datetime import date

import pytest

from matcher.evaluate import REAL_DIR, split_of
from matcher.facts import extract_facts


def _quoted(key: str) -> None:
    assert (REAL_DIR / "policies" / f"{key}.txt").exists(), key
    assert split_of(key) == "dev", key


ISSUER_CASES = [
    # A news lead: two ministries acting, after a dateline and a 据…消息 attribution.
    ("b-12-sme-guarantee-fee-reward-2021-news", "两部门:延期实施小微企业融资担保降费奖补政策",
     "中新网5月8日电 据财政部网站消息,近日,财政部、工业和信息化部印发《关于继续实施小微企业融资担保业务降费奖补政策的通知》",
     "财政部;工业和信息化部"),
    # 市政府办公室 is the 人民政府办公室 in full.
    ("a-32-tengzhou-spring-festival-job-retention-2023-news", "",
     "日前,滕州市政府办公室印发《关于做好春节期间惠企稳岗工作的实施方案》的通知", "滕州市人民政府办公室"),
    # 牵头 between the organ and its verb; the 和 inside an organ's name never splits it.
    ("a-64-qingdao-zjtx-action-plan-2022-news", "",
     "为进一步加快推进优质中小企业高质量发展,日前,青岛市民营经济局牵头印发了《青岛市加快推动“专精特新”中小企业高质量发展行动方案》",
     "青岛市民营经济局"),
    ("c-50-guangxi-industrial-speed-efficiency-fund-2023", "关于组织申报工业提速增效攻坚行动政策支持资金的通知",
     "近日,广西壮族自治区工业和信息化厅 自治区财政厅发布《关于组织申报工业提速增效攻坚行动政策支持资金的通知》",
     "广西壮族自治区工业和信息化厅;自治区财政厅"),
    # The title: 等N部门关于, and a headline's speaker before the colon.
    ("b-45-cross-border-ecommerce-overseas-warehouse-2024", "商务部等9部门关于拓展跨境电商出口推进海外仓建设的意见",
     "各省、自治区、直辖市人民政府:", "商务部"),
    ("b-23-miit-sme-resumption-2020-news", "工信部:引导中小企业走“专精特新”发展道路",
     "北京青年报客户端 2020-04-16 15:35", "工业和信息化部"),
    ("b-75-state-council-stabilize-economy-33-measures-2022-05-news",
     "李克强主持召开国务院常务会议 进一步部署稳经济一揽子措施(新华社)",
     "新華社北京5月23日電 日前,國務院總理李克強主持召開國務院常務會議,進一步部署穩經濟一攬子措施", "国务院"),
    # A 公告 numbered by the organs that issue it (traditional script as stored).
    ("b-38-small-micro-taxfee-2023-12", "关于进一步支持小微企业和个体工商户发展有关税费政策的公告",
     "關于進一步支持小微企業和個體工商戶發展有關稅費政策的公告\n財政部 稅務總局公告2023年第12號", "财政部;税务总局"),
    # The organ a reporter names as the source.
    ("a-12-shandong-hitech-sme-subsidy-news", "财讯:山东1858家高新技术中小微公司获1.9亿财政补助",
     "记者从山东省财政厅获悉,为支持做大做强的高新技术公司,近期向山东省级财政拨款1.9亿元", "山东省财政厅"),
    # Sign-off organs sharing lines, separated by spaces.
    ("a-74-shandong-digital-economy-breakthrough-plan-2022", "关于印发《山东省2022年数字经济“重点突破”行动方案》的通知",
     "结合我省实际制定本行动方案。\n省工业和信息化厅       省委网信办       省发展改革委\n省大数据局             省通信管理局\n2022年3月22日",
     "省工业和信息化厅;省委网信办;省发展改革委;省大数据局;省通信管理局"),
    # 据…介绍: the organ a report quotes.
    ("a-13-shandong-single-champion-award-news", "山东提高制造业“单项冠军”示范企业财政奖励标准",
     "据山东省财政厅介绍,为引导山东制造业企业专注创新和产品质量提升,走\"专优特精\"发展道路", "山东省财政厅"),
    # 周二对外发布: a weekday and 对外 between the organs and their verb.
    ("b-24-equipment-renewal-loan-subsidy-2026-news", "扩大支持范围和支持领域,四部门发文优化设备更新贷款财政贴息政策",
     "来源:界面新闻\n记者辛圆\n财政部等四部门周二对外发布通知(以下简称《通知》),明确优化实施设备更新贷款财政贴息政策。", "财政部"),
    # 拟: the organs of an official notice whose sign-off is not stored.
    ("b-01-sme-digital-transformation-pilot", "关于开展财政支持中小企业数字化转型试点工作的通知",
     "根据《财政部 工业和信息化部关于支持“专精特新”中小企业高质量发展的通知》(财建〔2021〕2号),"
     "工业和信息化部、财政部拟通过中央财政资金支持地方开展中小企业数字化转型试点", "工业和信息化部;财政部"),
    # An official speaking for the organ.
    ("b-07-little-giant-tech-upgrade-relending-news", "1500亿元技术改造再贷款加快发放",
     "“…并提前谋划2025年制造业新型技术改造城市试点。”工业和信息化部副部长王江平说。", "工业和信息化部"),
    # A zone, or a county by its 人民政府, heading the title.
    ("a-53-weifang-hitech-zone-quality-growth-policies", "潍坊高新区支持高质量发展若干政策",
     "为全面贯彻新发展理念,深入实施创新驱动发展战略", "潍坊高新区"),
    ("c-68-deqing-listing-award-opinion", "德清县关于企业股改、上市挂牌的奖励意见(摘要)", "", "德清县人民政府"),
    # A notice to the provinces whose sign-off is not stored: the central organ acting in its body.
    ("b-57-agri-leading-enterprise-8th-batch-2023", "",
     "各省、自治區、直轄市農業農村(農牧)廳(局、委),新疆生產建設兵團農業農村局:\n一、認定原則\n"
     "(一)國家統籌、省級負責。農業農村部會同全國聯席會議成員單位制定實施方案,提出認定條件、認定程序和分配名額。", "农业农村部"),
]


@pytest.mark.parametrize(("key", "title", "body", "issuer"), ISSUER_CASES, ids=[c[0] for c in ISSUER_CASES])
def test_issuer_from_leads_titles_and_sign_offs(key: str, title: str, body: str, issuer: str) -> None:
    _quoted(key)
    assert extract_facts(title, body).issuer == issuer


def test_the_organ_that_organises_a_call() -> None:
    # 经研究,省工业和信息化厅组织开展…申报工作: a call's sender in its opening paragraph.
    _quoted("a-23-shandong-first-set-insurance-compensation-2021")
    body = ("各市工业和信息化局,省财政直管县、经济发达县工业和信息化局:\n为加快推进我省新旧动能转换,推动产业高质量发展,"
            "按照省政府印发的《关于支持八大发展战略的财政政策》的要求,鼓励和引导企业在重点领域积极开展首台(套)重大技术装备及"
            "关键核心零部件、新材料首批次、首版次高端软件研发及推广应用,经研究,省工业和信息化厅组织开展2021年度首台(套)技术装备及关键核心零部件、新材料首批次、首版次高端软件保险补偿申报工作。")
    assert extract_facts("", body).issuer == "省工业和信息化厅"


def test_a_second_organ_repeating_the_level_takes_the_place() -> None:
    # 市政府办公厅 after 济南市委办公厅 is 济南市人民政府办公厅, not 济南市市…; 市场监管局 keeps its 市.
    _quoted("a-67-jinan-epidemic-sme-17-measures-2020-news")
    body = "济南市委办公厅、市政府办公厅下发《关于积极应对疫情促进中小微企业健康发展的若干政策意见》"
    assert extract_facts("", body).issuer == "济南市委办公厅;济南市人民政府办公厅"
    assert extract_facts("", "近日，滨州市工业和信息化局、市场监管局印发《通知》").issuer == "滨州市工业和信息化局;滨州市市场监管局"


LABELLED_ISSUER_CASES = [
    # A government page's 文章来源 names the organ (its short place and 人社 written in full); a paper's does not.
    ("c-82-sanmenxia-job-retention-refund-2025", "发布时间:2025-12-15 15:05\n文章来源:三门峡人社局", "三门峡市人力资源和社会保障局"),
    ("a-58-shandong-culture-tourism-consumption-season-2020-news", "来源:新华网 编辑:admin 时间:2020-04-16", None),
    ("c-56-jiangsu-key-specialty-industry-fund-2018", "来源:江苏省钢铁行业协会", None),
]


@pytest.mark.parametrize(("key", "body", "issuer"), LABELLED_ISSUER_CASES, ids=[c[0] for c in LABELLED_ISSUER_CASES])
def test_the_organ_a_page_names_as_its_source(key: str, body: str, issuer: str | None) -> None:
    _quoted(key)
    assert extract_facts("", body).issuer == issuer


NO_ISSUER_CASES = [
    # A press office holds the briefing; it issues nothing.
    ("a-43-weihai-advanced-manufacturing-opinion-2021-news", "威海出台加快先进制造业发展的实施意见",
     "11月5日,威海市人民政府新闻办公室召开新闻发布会,相关负责人详细介绍《关于加快先进制造业发展的实施意见》"),
    # 转发: the forwarding organ is not the one named after it.
    ("c-55-quanzhou-forward-fujian-key-tech-upgrade-2024",
     "转发福建省工业和信息化厅关于做好2024年省重点技术改造项目申报工作的通知", "各县(市、区)工信局:"),
    # Prose that ends in an organ's name.
    ("c-41-fuxin-new-industrialization", "",
     "贷款贴息补助方式贴息率不超过同期中国人民银行发布的一年期贷款市场报价利率(LPR)"),
]


@pytest.mark.parametrize(("key", "title", "body"), NO_ISSUER_CASES, ids=[c[0] for c in NO_ISSUER_CASES])
def test_no_issuer_from_press_offices_forwarded_titles_or_prose(key: str, title: str, body: str) -> None:
    _quoted(key)
    assert extract_facts(title, body).issuer is None


SUPPORT_CASES = [
    # An enumeration of thresholds (突破…亿元、…亿元) is read as its first amount is; the awards after it count.
    ("a-04-zibo-industry-support-compilation",
     "(一)经济贡献奖励对于营业收入首次突破 1000 亿元、500亿元、300 亿元、200 亿元、100 亿元、50 亿元的企业,"
     "分别奖励企业 500 万元、300 万元、200 万元、150 万元、100 万元、50 万元。", 500),
    # 不超过 a share is no amount; 每家企业最高不超过 is the cap.
    ("c-50-guangxi-industrial-speed-efficiency-fund-2023",
     "按当月采购开票额环比4—8月月均采购开票额增量部分不超过2%的比例给予奖励,每家企业最高不超过200万元。", 200),
    # 收入超过部分 is a threshold, 奖励额度最高不超过 a cap.
    ("c-57-xiamen-software-industry-measures-2022",
     "第2年纳入规上软件业的,按上述收入超过部分的0.5%给予奖励,每家企业的奖励额度最高不超过500万元。", 500),
    # The ends of a band of sales (1000万元(含)-3000万元的) are thresholds; the award after them counts.
    ("c-71-yunhe-ecommerce-policy-guide", "15%以下的企业(个体)给予2万元的奖励,1000万元(含)-3000万元的给予基础奖励10万元", 10),
    # A range after 给予 is the support itself.
    ("c-31-huaihua-growth-consumption", "對承辦市級消費促進活動的執行單位或商貿流通企業,給予3萬元-5萬元的資金支持。", 5),
    # 6家企业每家获…: each firm's award, not a total for six.
    ("c-21-yingcheng-q1-industry-awards",
     "其中,新都化工等6家企业每家获增长点奖励14万元,湖北回盛生物科技有限公司等2家企业每家获用电奖励3.5万元,"
     "东辉米业等19家新进规企业每家获奖励7000元。", 14),
]


@pytest.mark.parametrize(("key", "body", "wan"), SUPPORT_CASES, ids=[c[0] for c in SUPPORT_CASES])
def test_the_largest_amount_one_firm_receives(key: str, body: str, wan: float) -> None:
    _quoted(key)
    assert extract_facts("", body).max_support_wan == wan


NO_SUPPORT_CASES = [
    # Paid to each cluster, not to a firm.
    ("a-79-jinan-enterprise-fiscal-awards-compilation-2019",
     "发挥财政资金的引导示范作用,利用3年时间,支持50个左右产业集群开展转型升级示范行动,"
     "对符合条件的支柱、主导产业集群和特色产业集群,每个分别给予3000万元、1000万元和500万元奖励"),
    # A total for 1858 firms.
    ("a-12-shandong-hitech-sme-subsidy-news", "财讯:山东1858家高新技术中小微公司获1.9亿财政补助"),
    # Sums per head.
    ("a-52-yantai-2020-job-agency-subsidy-guide-qa",
     "一次引進20人以下的按每人120元、20人至50人的按每人150元、50人以上的按每人300元的標準給予職業介紹補貼。"),
    # A fund's total for a city, in 亿.
    ("b-67-sme-digital-transformation-city-pilot-2023-news",
     "中央财政对试点城市给予定额奖励,其中省会城市、计划单列市、兵团奖补资金总额不超过1.5亿元,其他地级市、直辖市所辖区县奖补资金总额不超过1亿元。"),
    # Thresholds a firm must stay under or reach (不超过, 不低于 after a metric).
    ("b-38-small-micro-taxfee-2023-12", "同時符合年度應納稅所得額不超過300萬元、從業人數不超過300人、資產總額不超過5000萬元等三個條件的企業。"),
    ("c-70-beijing-online-consumption-support-2023-news",
     "且網零額不低于3000萬元的批發零售企業,若滿足以下條件中的一項,給予一次性資金支持。"),
    # A loan a firm may take, its name further than a few characters after the amount.
    ("b-15-employment-promotion-2018-state-council",
     "小微企业当年新招用符合创业担保贷款申请条件的人员数量达到企业现有在职职工人数25%(超过100人的企业达到15%)"
     "并与其签订1年以上劳动合同的,可申请最高不超过300万元的创业担保贷款。"),
    # 百万青年: a Chinese numeral before a bare 万 counts people.
    ("b-15-employment-promotion-2018-state-council", "从2019年1月1日起,实施三年百万青年见习计划;将就业见习补贴范围由离校未就业高校毕业生扩展至16—24岁失业青年"),
    # What a news report says was obtained for the firms in all, and vouchers for consumers.
    ("a-14-binzhou-2020-resumption-measures-news", "争取到了银行的大额贷款,纾解了企业资金压力,还争取到200万元稳岗就业补贴。"),
    ("a-05-zibo-hitech-zone-relief-2022", "上工率达到80%以上的省市重大项目(非政府投资项目),每个项目一次性发放生活物资消费券3万元。"),
]


@pytest.mark.parametrize(("key", "body"), NO_SUPPORT_CASES, ids=[c[0] for c in NO_SUPPORT_CASES])
def test_totals_thresholds_and_sums_per_head_are_no_firm_s_support(key: str, body: str) -> None:
    _quoted(key)
    assert extract_facts("", body).max_support_wan is None


VALIDITY_CASES = [
    # 自…起实施，…截止.
    ("c-38-dazhou-tourism-marketing-award", "本辦法自2025年7月1日起實施,2025年12月31日截止,單個旅行社年度獎勵金額總計不超過50萬元。",
     date(2025, 7, 1), date(2025, 12, 31)),
    # 执行期限至 / 延至.
    ("b-66-unemployment-insurance-job-retention-extension-2024",
     "阶段性降低失业保险费率至1%的政策延续实施一年,执行期限至2025年12月31日。", None, date(2025, 12, 31)),
    ("b-60-travel-agency-deposit-full-refund-2022-news", "旅行社可全額暫退保證金或暫緩交納,補足保證金期限延至2023年3月31日。",
     None, date(2023, 3, 31)),
    # 自…至… of a tax measure.
    ("b-38-small-micro-taxfee-2023-12", "一、自2023年1月1日至2027年12月31日,對個體工商戶年應納稅所得額不超過200萬元的部分,減半征收個人所得稅。",
     date(2023, 1, 1), date(2027, 12, 31)),
    # A period of years or months opening a clause.
    ("b-12-sme-guarantee-fee-reward-2021-news", "通知明确,2021-2023年,将继续实施小微企业融资担保降费奖补政策。",
     date(2021, 1, 1), date(2023, 12, 31)),
    ("c-50-guangxi-industrial-speed-efficiency-fund-2023",
     "支持标准为,风电、光伏、储能等新能源企业,2023年9—12月,对符合申报条件的企业,按当月采购开票额环比4—8月月均采购开票额增量部分给予奖励。",
     date(2023, 9, 1), date(2023, 12, 31)),
    # Items ending on different days: the policy runs until the last one ends.
    ("c-12-nanan-commerce-enterprise-support",
     "其中,新增入库限上企业、限上商贸企业贡献奖励政策执行时限截至2023年12月31日;产销分离奖励政策,对大中型超市、酒店宾馆、"
     "电商企业入库纳统奖励,对专业市场、商业综合体运营方主动引导内部商户入库奖励,政策执行时限截至2024年12月31日", None,
     date(2024, 12, 31)),
]


@pytest.mark.parametrize(("key", "body", "start", "end"), VALIDITY_CASES, ids=[c[0] for c in VALIDITY_CASES])
def test_when_a_policy_runs(key: str, body: str, start: date | None, end: date) -> None:
    _quoted(key)
    facts = extract_facts("", body)
    assert (facts.effective_from, facts.effective_to) == (start, end)


def test_a_period_that_is_a_measure_is_no_validity() -> None:
    # Fictional: the years of a growth figure do not open a clause.
    assert extract_facts("", "企业2021-2023年营业收入年均增长10%以上的,给予奖励。").effective_to is None


DOC_NUMBER_ISSUER_CASES = [
    # A ministry's customary prefix.
    ("b-66-unemployment-insurance-job-retention-extension-2024", "关于延续实施失业保险援企稳岗政策的通知",
     "人社部发〔2024〕40号\n各省、自治区、直辖市人民政府,新疆生产建设兵团:", "人力资源社会保障部"),
    # A province's character and its department's abbreviation.
    ("c-54-guizhou-ten-hundred-billion-industries-fund-2019", "关于做好2019年省十大千亿级工业产业振兴专项资金申报工作的通知",
     "黔工信规划〔2019〕9号", "贵州省工业和信息化厅"),
    # A city government's character (厦府规 is 厦门市人民政府's).
    ("c-57-xiamen-software-industry-measures-2022", "厦府规〔2022〕2号(摘录:加快新市场主体成长)",
     "(一)加快新市场主体成长。在本市商事登记当年纳入规上软件业的企业,按1%给予奖励。", "厦门市人民政府"),
]


@pytest.mark.parametrize(("key", "title", "body", "issuer"), DOC_NUMBER_ISSUER_CASES,
                         ids=[c[0] for c in DOC_NUMBER_ISSUER_CASES])
def test_the_issuer_a_doc_number_names(key: str, title: str, body: str, issuer: str) -> None:
    _quoted(key)
    assert extract_facts(title, body).issuer == issuer


def test_a_cited_doc_number_names_no_issuer() -> None:
    # Fictional: the number of the notice cited is not the text's own.
    assert extract_facts("", "根据《通知》(厦府规〔2022〕2号),对企业给予支持。").issuer is None


ISSUED_ON_CASES = [
    # The sign-off before an attachment, not at the end of the text.
    ("b-18-culture-enterprise-support-2018", "国务院办公厅关于印发文化体制改革中经营性文化事业单位转制为企业和进一步支持文化企业发展两个规定的通知",
     "《文化體制改革中經營性文化事業單位轉制為企業的規定》和《進一步支持文化企業發展的規定》已經國務院同意,現印發給你們,請認真貫徹執行。\n"
     "國務院辦公廳\n2018年12月18日\n(此件公開發布)\n文化體制改革中經營性文化事業單位轉制為企業的規定\n一、轉制企業的國有資產管理",
     date(2018, 12, 18)),
    # The organ and the date at the end of one line.
    ("c-32-shanxi-4a5a-logistics-award", "山西省工业和信息化厅关于做好2024年全省4A、5A级物流企业奖励资金申报工作的通知",
     "附件:1.山西省4A、5A级物流企业奖励资金申请表2.第34-35批山西省4A、5A物流企业名单山西省工业和信息化厅2023年12月25日,。",
     date(2023, 12, 25)),
    # The dateline, not the page's time a day later; its year from the page.
    ("b-47-logistics-unblocking-state-council-2022-news", "畅通交通“大动脉”、物流微循环,国务院作出最新部署(新华网)",
     "发布时间:2022-04-28 09:32:00来源: 新华网\n新华社北京4月27日电(记者叶昊鸣)交通物流是市场经济的经脉,也是民生", date(2022, 4, 27)),
    # 本报讯(记者…)4月11日, an organ acting (the pinyin glosses of the stored copy left out).
    ("b-60-travel-agency-deposit-full-refund-2022-news", "旅行社可全額暫退保證金或暫緩交納(工人日报报道)",
     "2022-04-17 08:26:47 来源:工人日报 编辑:\n旅行社可全额暂退保证金或暂缓交纳\n"
     "本报讯(记者吴丽蓉)4月11日,文化和旅游部办公厅印发《关于进一步调整暂退旅游服务质量保证金相关政策的通知》", date(2022, 4, 11)),
    # A site's bracketed name, then the day.
    ("c-12-nanan-commerce-enterprise-support", "南安出台商贸企业扶持政策",
     "南安出台商贸企业扶持政策\nhttp://m.sundong.com.cn【泉州经济网】2023-01-31\n为分行业推动大型超市、加油站、酒店宾馆、电子商务等企业及时入库纳统",
     date(2023, 1, 31)),
]


@pytest.mark.parametrize(("key", "title", "body", "day"), ISSUED_ON_CASES, ids=[c[0] for c in ISSUED_ON_CASES])
def test_the_day_a_policy_was_issued(key: str, title: str, body: str, day: date) -> None:
    _quoted(key)
    assert extract_facts(title, body).issued_on == day


def test_a_dateline_without_a_year_on_the_page_gives_no_day() -> None:
    # c-10-wenzhou-commerce-consumption: the year is nowhere in the text (2019年 elsewhere would be old figures).
    _quoted("c-10-wenzhou-commerce-consumption")
    body = "中新财经2月14日电 14日,温州市商务局、财政局发布关于进一步激发消费潜力的政策。"
    assert extract_facts("温州发布政策推动商贸业提质扩容", body).issued_on is None


RANGE_CASES = [
    # One range of days an item runs is the policy's period (traditional script as stored).
    ("a-52-yantai-2020-job-agency-subsidy-guide-qa", "2.主要內容\n2020年2月1日至6月30日,介紹勞動者到本市企業或個體工商戶就業。",
     date(2020, 2, 1), date(2020, 6, 30)),
    # The same, with the date broken across two lines.
    ("b-28-sme-equipment-deduction-2022-qa", "(一)中小微企业在 2022 年 1 月 1 日至 2022 年 12 月\n31 日期间新购置的设备、器具",
     date(2022, 1, 1), date(2022, 12, 31)),
    # Tiers of one item by date are no validity.
    ("a-59-yantai-epidemic-twelve-measures-2020-news",
     "对在2020年1月10日至2月15日新投入设备(含二手设备)增加防疫应急物资产能的企业,按设备投入的80%给予补贴;"
     "在2月16日至2月29日完成技改投入的,按照设备投入的50%给予补贴;3月1日至本政策终止日完成技改投入的,按照设备投入的30%给予补贴。",
     None, None),
]


@pytest.mark.parametrize(("key", "body", "start", "end"), RANGE_CASES, ids=[c[0] for c in RANGE_CASES])
def test_a_single_range_of_days_is_the_period(key: str, body: str, start: date | None, end: date | None) -> None:
    _quoted(key)
    facts = extract_facts("", body)
    assert (facts.effective_from, facts.effective_to) == (start, end)


def test_a_call_s_title_year_dates_its_deadline() -> None:
    _quoted("a-23-shandong-first-set-insurance-compensation-2021")
    title = "关于开展2021年度首台(套)技术装备及关键核心零部件、新材料首批次、首版次高端软件保险补偿申报工作的通知"
    assert extract_facts(title, "所有申报资料于9月7日中午12点前上报省工信厅。").apply_until == date(2021, 9, 7)


CONTACT_CASES = [
    # A whole card on one line: the number and the cues before it, not the line's head.
    ("c-19-henan-internship-subsidy-card",
     "人社政策明白卡政策名称就业见习补贴政策内容已经人社部门认定,吸纳本省内已办理实名制登记的离校2年内未就业高校毕业生、"
     "离校2年内未就业中职中专毕业生和16至24岁失业青年进行就业见习的就业见习单位,可向当地人社部门申请就业见习补贴,"
     "适用期限2018年以来受理单位见习单位所在地人力资源和社会保障部门享受方式自行申报咨询电话就业促进工作科袁振航(负责同志)"
     "联系电话:0376-7676806", "咨询电话就业促进工作科袁振航(负责同志)联系电话:0376-7676806"),
    # An item's 牵头部门 note at the end of a long paragraph.
    ("a-04-zibo-industry-support-compilation",
     "对主营业务收入、地方财政贡献两项指标年增幅均超过 10% 的跨越发展计划企业,按照地方财政贡献超过 10% 部分的 50% 予以等额奖励,"
     "最高不超过 200 万元。(牵头部门:市工业和信息化局,联系人:张滨,联系方式:3173009)", "联系人:张滨,联系方式:3173009"),
    # The person on the line above the number.
    ("c-86-hunan-forward-first-set-catalogue-revision-2020", "聯 系 人:裝備工業處 李壽文\n聯系電話:0731-88955392",
     "联 系 人:装备工业处 李寿文；联系电话:0731-88955392"),
]


@pytest.mark.parametrize(("key", "body", "contact"), CONTACT_CASES, ids=[c[0] for c in CONTACT_CASES])
def test_the_contact_is_cut_from_a_long_line(key: str, body: str, contact: str) -> None:
    _quoted(key)
    assert extract_facts("", body).contact == contact


def test_a_guide_s_table_gives_the_application_window() -> None:
    _quoted("c-42-shenzhen-agri-leading-enterprise-award-2021")
    title = "关于印发深圳市2021年农业发展专项资金农业产业化重点龙头企业奖励项目申报指南的通知(要点)"
    facts = extract_facts(title, "项目名称\n申报时间\n11-02/12-01\n支持方式")
    assert (facts.apply_from, facts.apply_until) == (date(2021, 11, 2), date(2021, 12, 1))


def test_a_numbered_announcement_is_its_doc_number() -> None:
    _quoted("b-38-small-micro-taxfee-2023-12")
    body = "關于進一步支持小微企業和個體工商戶發展有關稅費政策的公告\n財政部 稅務總局公告2023年第12號"
    assert extract_facts("关于进一步支持小微企业和个体工商户发展有关税费政策的公告", body).doc_number == "财政部 税务总局公告2023年第12号"


def test_a_number_the_text_follows_is_not_its_own() -> None:
    _quoted("c-84-guangdong-forward-sme-digital-city-pilot-2023")
    body = "拟申报试点城市要严格按照财建〔2023〕117号文的要求组织申报工作,编制本地区《中小企业数字化转型城市试点实施方案》"
    assert extract_facts("", body).doc_number is None


def test_the_day_the_items_start() -> None:
    # One D起 day for the award items is the policy's start (traditional script as stored).
    _quoted("a-44-dongchangfu-33-measures-interpretation-table")
    body = "高端裝備制造產業方面,2019年1月1日起,對我區列入國家首臺套重大技術裝備推廣應用指導目錄、省首臺套重大技術裝備及關鍵核心零部件產品名單的"
    assert extract_facts("", body).effective_from == date(2019, 1, 1)


CITED_NUMBER_CASES = [
    # 及其实施细则(…号)等文件精神: a number followed by the spirit it carries is a source.
    ("a-34-qingdao-software-industry-fund-2025-call",
     "为贯彻落实《青岛市人民政府关于印发青岛市加快先进制造业高质量发展若干政策措施的通知》(青政发〔2021〕18号)"
     "及其实施细则(青工信规〔2022〕2号)等文件精神,现组织开展2025年度软件与信息产业专项资金预算项目申报工作"),
    # A compilation notes each item's sources after its 责任单位/牵头单位.
    ("a-78-jinan-real-economy-support-policy-list",
     "实体经济项目有效开发利用地下空间的,土地出让价格整体下调25%左右。(责任单位:市国土资源局。济政字〔2017〕80号、济国土资发〔2018〕51号)"),
    ("a-78-jinan-real-economy-support-policy-list",
     "企业取得“标准地”并做出承诺后即可开工建设。(牵头单位:各县区政府、各开发区、市国土资源局、市规划局。济发〔2018〕23号)"),
]


@pytest.mark.parametrize(("key", "body"), CITED_NUMBER_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CITED_NUMBER_CASES)])
def test_a_source_an_item_notes_is_not_the_text_s_number(key: str, body: str) -> None:
    _quoted(key)
    assert extract_facts("", body).doc_number is None


def test_a_call_closes_with_its_last_submission_not_with_the_offices_review() -> None:
    _quoted("c-84-guangdong-forward-sme-digital-city-pilot-2023")
    body = ("(一)请有申报意愿的试点城市高度重视,认真组织,确定本市财政局、工业和信息化局联系人各1名,于2023年7月5日前通过粤政易报送"
            "省财政厅、省工业和信息化厅联系人。\n(二)请有申报意愿的试点城市财政局、工业和信息化局于2023年7月14日前将加盖公章的"
            "《中小企业数字化转型城市试点实施方案》纸质版和电子版报送。")
    assert extract_facts("", body).apply_until == date(2023, 7, 14)
    _quoted("c-53-zhuzhou-advanced-manufacturing-fund-call-2024")
    body = ("部分专项需同时提交一份纸质申报资料报各区工信、财政部门审核,再由区工信局统一提交市工信局(7月12日前,详见附件2)。\n"
            "2.各区工信、财政部门对申报事项的真实性、申报资料要件的齐全性等把关,并于7月16日前完成在申报系统中的审核。")
    assert extract_facts("", body, default_year=2024).apply_until == date(2024, 7, 12)


def test_the_day_a_text_says_the_organ_issued_it() -> None:
    # An interpretation: 9月27日 … 正式印发, its year from the full date the narrative gave before it.
    _quoted("b-70-tourism-consumption-30-measures-interpretation-2023")
    body = ("党中央、国务院对旅游业发展高度关注。2023年4月28日,中央局会议强调,要改善消费环境,促进文化旅游等服务消费。\n"
            "9月27日,国务院办公厅正式印发《若干措施》,从加大优质旅游产品和服务供给、激发旅游消费需求、加强入境旅游工作、提升行业综合能力、保障措施等五个方面,"
            "提出了推动旅游业高质量发展的30条工作措施。")
    assert extract_facts("", body).issued_on == date(2023, 9, 27)


def test_a_report_of_an_issue_made_lately_gives_no_issue_day() -> None:
    _quoted("b-67-sme-digital-transformation-city-pilot-2023-news")
    body = ("2023-06-14 19:43:26 来源:人民网\n人民网北京6月14日电 (记者申佳平)据工业和信息化部官网消息,近日,财政部、工业和信息化部"
            "联合印发通知,组织开展中小企业数字化转型城市试点工作。")
    assert extract_facts("", body).issued_on is None
