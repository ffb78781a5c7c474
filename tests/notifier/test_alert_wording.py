"""policy_match_alert(new=False): the firm now qualifies for a policy in force; nothing calls it new."""

from __future__ import annotations

from notifier.messages import PolicyMatch, SmsStyle, policy_match_alert

URL = "https://zc.binzhou.gov.cn/policies/1024"
SHORT = "https://zc.binzhou.gov.cn/s/1-1-abc"
UNSUBSCRIBE = "https://zc.binzhou.gov.cn/unsubscribe/8f3a?sig=x1&channel=email"
MATCH = PolicyMatch("滨州市小微工业企业技改补助办法", "滨州市工业和信息化局", URL,
                    ("规模：小型（工业：从业人员 120 人，营业收入 1500 万元）", "行业：3252 铝压延加工"))
STYLE = SmsStyle(signature="滨州惠企政策", link=SHORT, opt_out=" 退订请点链接内“退订”")


def test_an_old_policy_the_firm_now_meets_is_not_called_new():
    notice = policy_match_alert(MATCH, enterprise_name="博兴县鑫铝精密材料有限公司", unsubscribe_url=UNSUBSCRIBE,
                                sms=STYLE, new=False)
    assert notice.kind == "policy_match"
    assert notice.email.subject == "政策匹配提醒：贵企业现符合《滨州市小微工业企业技改补助办法》"
    for part in (notice.email.text, notice.email.html):
        assert "贵企业现已符合一项现行政策的条件" in part and "新发布" not in part and "新政策" not in part
        assert "规模：小型" in part and "滨州市工业和信息化局" in part
    assert notice.sms.text == ("【滨州惠企政策】贵企业现符合现行政策《滨州市小微工业企业技改补助办法》（规模 小型），"
                               f"详见 {SHORT} 退订请点链接内“退订”")
    bare = policy_match_alert(PolicyMatch(MATCH.title, MATCH.department, URL), enterprise_name="公司",
                              unsubscribe_url=UNSUBSCRIBE, sms=STYLE, new=False)
    assert "新政策" not in bare.sms.text and "（滨州市工业和信息化局）" in bare.sms.text


def test_new_stays_the_default_wording():
    notice = policy_match_alert(MATCH, enterprise_name="公司", unsubscribe_url=UNSUBSCRIBE, sms=STYLE)
    assert notice.email.subject == "新政策推送：《滨州市小微工业企业技改补助办法》"
    assert "匹配到一项新发布的政策" in notice.email.text
    assert notice.sms.text.startswith("【滨州惠企政策】新政策《滨州市小微工业企业技改补助办法》与贵企业相关（规模 小型）")
