"""Generate data/demo/enterprises.csv: synthetic Binzhou enterprises for the demo and the tests.

Run from the repository root:  .venv/bin/python data/demo/make_enterprises.py
The output depends only on SEED (and on the size standard and taxonomy in data/), so running it again
gives the same file. Every enterprise is invented: names are built from generic words, credit codes
are made with valid check characters but random bodies, mobiles are in 1xx-0000-xxxx blocks and
e-mail addresses use the reserved domains example.com/.org/.net (RFC 2606).

Columns are the enterprise API's JSON fields; list fields are joined with ";". `size` is empty when
the size is derived from the figures (the usual case); it holds a declared size for rows without
figures (~5%) and, for ~2%, a declared size that contradicts the figures (the "flagged" case).
"""

from __future__ import annotations

import csv
import math
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matcher.sizes import SIZES, above_scale, default_standard, scale_threshold, size_class  # noqa: E402
from matcher.taxonomy import default_taxonomy  # noqa: E402
from policyhub.services.identifiers import (  # noqa: E402
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    org_code_check_char,
    validate_credit_code,
    validate_email,
    validate_mobile,
)

SEED = 3716  # Binzhou's prefecture code, 371600
COUNT = 336
OUT = Path(__file__).resolve().parent / "enterprises.csv"
COLUMNS = (
    "credit_code", "name", "industry_code", "employees", "revenue_wan", "assets_wan", "size", "region_code",
    "business_scope", "qualifications", "mobile", "email", "channels",
)
QUALIFICATIONS = (
    "高新技术企业", "科技型中小企业", "专精特新中小企业", '专精特新"小巨人"企业', "创新型中小企业", "瞪羚企业",
)
DECLARED_ONLY_SHARE = 0.05
CONTRADICTING_SHARE = 0.02
OLD_TAIL = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
NEW_GENERAL_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
NEW_LICENSED_TAIL = "（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）"

# code, name, weight, name prefixes (older registrations keep the old 县 name: 邹平 became a city in 2018),
# and multipliers on the industry groups (邹平 and 博兴 carry the industry).
REGIONS = {
    "371626": ("邹平市", 30, ("邹平", "邹平市", "邹平县", "山东"), {"aluminium": 2.6, "textiles": 1.8, "grain_oil": 0.9}),
    "371625": ("博兴县", 20, ("博兴县", "博兴", "山东"), {"grain_oil": 2.6, "chemicals": 1.3, "aluminium": 0.9}),
    "371602": ("滨城区", 17, ("滨州", "滨州市", "山东"), {
        "trade": 2.2, "catering": 2.2, "software": 2.5, "business": 2.5, "real_estate": 2.0, "construction": 2.0,
        "finance": 3.0, "transport": 1.5, "aluminium": 0.5, "textiles": 0.6}),
    "371621": ("惠民县", 9, ("惠民县", "惠民"), {"textiles": 1.6, "agri": 2.0, "aluminium": 0.3}),
    "371623": ("无棣县", 8, ("无棣县", "无棣"), {"chemicals": 2.2, "agri": 1.6, "aluminium": 0.3}),
    "371622": ("阳信县", 7, ("阳信县", "阳信"), {"agri": 3.0, "aluminium": 0.3}),
    "371603": ("沾化区", 6, ("滨州市沾化区", "沾化"), {"agri": 2.2, "chemicals": 1.8, "aluminium": 0.3}),
    "370102": ("济南市历下区", 1.5, ("济南", "山东"), {
        "software": 4.0, "business": 3.0, "trade": 1.5, "aluminium": 0.1, "textiles": 0.1, "agri": 0.0}),
    "370202": ("青岛市市南区", 1, ("青岛",), {
        "software": 3.0, "business": 2.0, "trade": 2.0, "aluminium": 0.1, "textiles": 0.3, "agri": 0.0}),
}

# Industry groups: base weight, label, the 小类 in it (code -> weight within the group).
GROUPS = {
    "aluminium": (20, "高端铝业及汽车零部件", {"3216": 3, "3252": 5, "3240": 2, "3311": 2, "3312": 2, "3392": 2, "3670": 4, "3660": 1}),
    "chemicals": (13, "石化与化工", {"2511": 1, "2614": 3, "2613": 2, "2619": 2, "2651": 2, "2653": 1, "2661": 2, "2662": 2, "2631": 1, "2625": 1}),
    "textiles": (14, "纺织家纺服装", {"1711": 4, "1712": 3, "1713": 1, "1771": 3, "1772": 2, "1779": 1, "1781": 1, "1782": 3, "1819": 2, "1830": 1}),
    "grain_oil": (9, "粮油食品加工", {"1311": 1, "1312": 3, "1313": 2, "1331": 4, "1391": 2, "1392": 1}),
    "agri": (9, "畜牧水产及屠宰", {"0311": 3, "0313": 1, "0314": 1, "0321": 2, "0411": 2, "0412": 1, "1351": 3, "1352": 1, "1353": 1}),
    "trade": (10, "批发零售", {"5121": 2, "5164": 3, "5165": 1, "5169": 2, "5172": 1, "5211": 1, "5212": 2, "5221": 1, "5261": 1}),
    "catering": (3, "餐饮", {"6210": 2, "6220": 1}),
    "software": (4, "软件和信息技术服务", {"6513": 3, "6531": 2, "6560": 1}),
    "business": (4, "商务服务", {"7224": 2, "7241": 1, "7259": 1, "7263": 1, "7212": 1}),
    "real_estate": (3, "房地产", {"7010": 3, "7020": 1}),
    "construction": (4, "建筑业", {"4710": 2, "4813": 1, "4862": 1, "4910": 1, "5011": 2}),
    "transport": (2, "道路运输", {"5431": 2, "5435": 1}),
    "finance": (2, "金融（不划型）", {"6635": 2, "6631": 1, "6633": 1}),
}
# Regional specialities inside a group: 惠民 绳网, 阳信 肉牛, 无棣/沾化 海水养殖, 邹平 玉米淀粉.
CODE_BOOST = {
    "371621": {"1782": 5.0, "0311": 2.0},
    "371622": {"0311": 4.0, "1351": 3.0},
    "371623": {"0411": 4.0},
    "371603": {"0411": 4.0},
    "371626": {"1391": 2.0, "1313": 2.0},
    "371625": {"1331": 2.0},
}
# Shares of target sizes: industry and agriculture vs the rest.
SIZE_WEIGHTS = {
    "goods": {"large": 11, "medium": 27, "small": 44, "micro": 18},
    "services": {"large": 6, "medium": 20, "small": 40, "micro": 34},
}
GOODS_GROUPS = {"aluminium", "chemicals", "textiles", "grain_oil", "agri"}
TECH_GROUPS = {"aluminium", "chemicals", "textiles", "grain_oil", "software"}
NO_QUALIFICATION_GROUPS = {"trade", "catering", "real_estate", "finance"}

# 字号 (with pinyin for the e-mail user part). Generic words; the prefecture's well-known names are avoided.
BRANDS = (
    ("宏泰", "hongtai"), ("鑫源", "xinyuan"), ("金穗", "jinsui"), ("华宇", "huayu"), ("恒通", "hengtong"),
    ("瑞丰", "ruifeng"), ("德润", "derun"), ("嘉禾", "jiahe"), ("永兴", "yongxing"), ("泰和", "taihe"),
    ("盛达", "shengda"), ("恒昌", "hengchang"), ("裕隆", "yulong"), ("鸿运", "hongyun"), ("万宏", "wanhong"),
    ("广源", "guangyuan"), ("明辉", "minghui"), ("利源", "liyuan"), ("康达", "kangda"), ("金泽", "jinze"),
    ("润丰", "runfeng"), ("昊天", "haotian"), ("博源", "boyuan"), ("信诺", "xinnuo"), ("诚拓", "chengtuo"),
    ("聚鑫", "juxin"), ("天禄", "tianlu"), ("亿丰", "yifeng"), ("锦绣", "jinxiu"), ("海韵", "haiyun"),
    ("益康", "yikang"), ("祥瑞", "xiangrui"), ("福源", "fuyuan"), ("兴隆", "xinglong"), ("鼎盛", "dingsheng"),
    ("凯瑞", "kairui"), ("通达", "tongda"), ("荣昌", "rongchang"), ("安泰", "antai"), ("恒信", "hengxin"),
    ("众成", "zhongcheng"), ("华驰", "huachi"), ("新元", "xinyuan"), ("卓远", "zhuoyuan"), ("鲁滨", "lubin"),
    ("渤瑞", "borui"), ("金秋", "jinqiu"), ("丰华", "fenghua"), ("绿源", "lvyuan"), ("盈泰", "yingtai"),
    ("顺和", "shunhe"), ("启航", "qihang"), ("晟达", "shengda"), ("智远", "zhiyuan"), ("瀚海", "hanhai"),
    ("鑫磊", "xinlei"), ("金鼎", "jinding"), ("嘉诚", "jiacheng"), ("天成", "tiancheng"), ("远航", "yuanhang"),
    ("长青", "changqing"), ("德福", "defu"), ("美嘉", "meijia"), ("金利", "jinli"), ("春晖", "chunhui"),
    ("宏达", "hongda"), ("精诚", "jingcheng"), ("润泽", "runze"), ("一诺", "yinuo"), ("东润", "dongrun"),
    ("汇鑫", "huixin"), ("隆泰", "longtai"), ("正阳", "zhengyang"), ("泓源", "hongyuan"), ("佳和", "jiahe"),
    ("瑞景", "ruijing"), ("振兴", "zhenxing"), ("宇泰", "yutai"), ("兆丰", "zhaofeng"), ("惠丰", "huifeng"),
    ("旭日", "xuri"), ("乾元", "qianyuan"), ("坤泰", "kuntai"), ("弘毅", "hongyi"), ("鲁兴达", "luxingda"),
    ("金岭", "jinling"), ("鑫泰", "xintai"), ("华昇", "huasheng"), ("同创", "tongchuang"), ("和顺", "heshun"),
    ("丰源", "fengyuan"), ("黄河湾", "huanghewan"), ("海丰", "haifeng"), ("齐盛", "qisheng"), ("海晟", "haisheng"),
    ("瑞达", "ruida"), ("万顺", "wanshun"), ("金鹏", "jinpeng"), ("亿通", "yitong"), ("泰丰", "taifeng"),
)

# Per 小类: (行业用语 in the name, old-style 经营范围 items, new-style 一般项目, new-style 许可项目 or "").
INDUSTRIES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "3216": (("铝业", "再生资源", "金属材料"),
             "再生铝锭、铝合金锭的生产、销售；废旧金属（不含危险废物）的回收、加工、销售",
             "有色金属合金制造；有色金属合金销售；再生资源回收（除生产性废旧金属）；再生资源加工；再生资源销售", ""),
    "3252": (("铝业", "铝材", "新材料科技", "铝业科技"),
             "铝板、铝带、铝箔、铝型材的生产、加工、销售；铝制品的研发",
             "有色金属压延加工；高性能有色金属及合金材料销售；金属材料销售；新材料技术研发", ""),
    "3240": (("合金材料", "新材料", "金属科技"),
             "铝合金锭、中间合金、铝钛硼丝的生产、销售",
             "有色金属合金制造；有色金属合金销售；常用有色金属冶炼", ""),
    "3311": (("钢结构", "金属结构", "铝结构科技"),
             "钢结构件、铝合金结构件的设计、制作、安装；网架工程施工",
             "金属结构制造；金属结构销售；轻质建筑材料制造", "建设工程施工"),
    "3312": (("门窗", "铝门窗", "建材科技"),
             "铝合金门窗、断桥隔热门窗、幕墙配件的生产、安装、销售",
             "金属门窗工程施工；门窗制造加工；门窗销售；建筑装饰材料销售", ""),
    "3392": (("铸造", "精密铸造", "压铸"),
             "铝合金铸件、压铸件的生产、加工、销售",
             "有色金属铸造；黑色金属铸造；汽车零部件及配件制造", ""),
    "3670": (("汽车零部件", "轮毂", "汽车配件"),
             "汽车轮毂、汽车零部件及配件的研发、生产、销售",
             "汽车零部件及配件制造；汽车零部件研发；汽车零配件批发；有色金属压延加工", ""),
    "3660": (("专用车", "挂车制造", "车辆"),
             "半挂车、厢式车体、罐式车体及零部件的生产、销售",
             "汽车零部件及配件制造；挂车销售", "道路机动车辆生产"),
    "2511": (("石化", "石油化工", "能源科技"),
             "石油制品（不含成品油）的加工、销售；沥青、石油焦的生产、销售",
             "石油制品销售（不含危险化学品）；化工产品销售（不含许可类化工产品）", "危险化学品生产；危险化学品经营"),
    "2614": (("化工", "化工科技", "精细化工"),
             "有机化工原料的生产、销售（不含危险化学品）；化工技术开发、技术咨询",
             "基础化学原料制造（不含危险化学品等许可类化学品的制造）；化工产品销售（不含许可类化工产品）；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
             "危险化学品生产"),
    "2613": (("盐化工", "化工", "化学"),
             "溴素、工业盐、无机盐产品的生产、销售",
             "化工产品生产（不含许可类化工产品）；化工产品销售（不含许可类化工产品）", "危险化学品生产；矿产资源（非煤矿山）开采"),
    "2619": (("化工", "化学", "新材料"),
             "基础化学原料（不含危险化学品）的生产、销售",
             "基础化学原料制造（不含危险化学品等许可类化学品的制造）；专用化学产品销售（不含危险化学品）", ""),
    "2651": (("塑料", "新材料", "树脂"),
             "聚丙烯、聚乙烯树脂及塑料制品的生产、销售",
             "合成材料制造（不含危险化学品）；合成材料销售；塑料制品制造", ""),
    "2653": (("化纤原料", "新材料", "聚合材料"),
             "聚酯切片、化纤原料的生产、销售",
             "合成纤维制造；合成纤维销售；化工产品销售（不含许可类化工产品）", ""),
    "2661": (("助剂", "化学试剂", "化工"),
             "塑料助剂、纺织助剂、水处理剂的生产、销售（不含危险化学品）",
             "专用化学产品制造（不含危险化学品）；专用化学产品销售（不含危险化学品）；化工产品销售（不含许可类化工产品）", ""),
    "2662": (("化工", "精细化工", "化学科技"),
             "阻燃剂、催化剂及专项化学用品的生产、销售；化工技术研发",
             "专用化学产品制造（不含危险化学品）；新材料技术研发；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", ""),
    "2631": (("农药", "生物化学", "植保"),
             "农药原药及制剂的生产、销售",
             "化工产品销售（不含许可类化工产品）；农药销售（不含危险化学品）", "农药生产"),
    "2625": (("生物肥业", "肥业", "生物科技"),
             "有机肥料、微生物肥料、复混肥料的生产、销售",
             "肥料销售；复合微生物肥料研发；生物有机肥料研发", "肥料生产"),
    "1711": (("纺织", "棉纺", "纺织科技"),
             "棉纱、混纺纱的纺纱加工、销售；棉花收购、加工",
             "面料纺织加工；棉花加工；棉、麻销售；针纺织品及原料销售", ""),
    "1712": (("纺织", "织造", "家纺面料"),
             "坯布、色织布、家纺面料的织造、销售",
             "面料纺织加工；针纺织品及原料销售；家用纺织制成品制造", ""),
    "1713": (("印染", "纺织印染", "染整"),
             "棉布印染、后整理加工及销售",
             "面料印染加工；针纺织品销售", ""),
    "1771": (("家纺", "床上用品", "家居用品"),
             "床上用品、被芯、枕芯、床单、被罩的设计、生产、销售",
             "家用纺织制成品制造；床上用品批发；针纺织品销售；服装服饰批发", ""),
    "1772": (("毛巾", "家纺", "巾被"),
             "毛巾、浴巾、毛巾被的生产、销售",
             "家用纺织制成品制造；针纺织品销售；日用百货销售", ""),
    "1779": (("家纺", "布艺", "家居"),
             "窗帘、沙发套、桌布等家用纺织制成品的加工、销售",
             "家用纺织制成品制造；针纺织品销售；家居用品销售", ""),
    "1781": (("无纺布", "非织造材料", "新材料"),
             "无纺布、熔喷布及其制品的生产、销售",
             "非织造布制造；产业用纺织制成品制造；产业用纺织制成品销售", ""),
    "1782": (("绳网", "化纤绳网", "渔具"),
             "化纤绳、缆、网具、安全网、体育用网的生产、销售",
             "绳、索、缆制造；渔具制造；体育用品及器材制造；产业用纺织制成品销售", ""),
    "1819": (("服饰", "服装", "制衣"),
             "机织服装、工作服的加工、销售",
             "服装制造；服装服饰批发；服装服饰零售", ""),
    "1830": (("服饰", "手套", "帽业"),
             "手套、帽子、围巾等服饰的加工、销售",
             "服饰制造；服装辅料销售；针纺织品销售", ""),
    "1311": (("米业", "粮油", "农产品"),
             "大米加工、销售；粮食收购",
             "粮食收购；谷物销售；农产品的生产、销售、加工、运输、贮藏及其他相关服务", "粮食加工食品生产"),
    "1312": (("面粉", "面业", "粮油食品"),
             "小麦粉、挂面的生产、销售；粮食收购、储存",
             "粮食收购；谷物销售；食用农产品初加工", "粮食加工食品生产；食品生产"),
    "1313": (("玉米", "淀粉", "农产品开发"),
             "玉米收购、加工；玉米胚芽、玉米粉的生产、销售",
             "粮食收购；谷物销售；食用农产品初加工", "粮食加工食品生产"),
    "1331": (("粮油", "油脂", "植物油"),
             "大豆油、花生油、玉米油的压榨、精炼、分装、销售；豆粕、饲料原料销售",
             "食用农产品初加工；饲料原料销售；粮食收购", "食用植物油生产；食品销售"),
    "1391": (("淀粉", "生物科技", "淀粉糖"),
             "玉米淀粉、变性淀粉、淀粉糖的生产、销售",
             "淀粉及淀粉制品制造；淀粉及淀粉制品销售；生物基材料制造", "食品生产"),
    "1392": (("豆制品", "食品", "豆业"),
             "豆腐、腐竹、豆浆制品的生产、销售",
             "食用农产品初加工；食用农产品批发", "豆制品制造；食品销售"),
    "0311": (("肉牛养殖", "牧业", "畜牧"),
             "肉牛养殖、销售；饲草种植、收购",
             "牲畜销售；谷物种植；饲料原料销售；农作物秸秆处理及加工利用服务", "牲畜饲养"),
    "0313": (("生猪养殖", "牧业", "养殖"),
             "生猪养殖、销售",
             "牲畜销售；畜禽粪污处理利用", "牲畜饲养"),
    "0314": (("肉羊养殖", "牧业", "养殖"),
             "肉羊养殖、销售",
             "牲畜销售；草种植", "牲畜饲养"),
    "0321": (("禽业", "蛋鸡养殖", "养殖"),
             "蛋鸡、肉鸡养殖；鲜蛋销售",
             "家禽饲养；鲜蛋批发；鲜蛋零售", "家禽饲养"),
    "0411": (("水产", "海水养殖", "渔业"),
             "对虾、梭子蟹、贝类的海水养殖、销售",
             "水产品收购；水产品批发；水产品零售", "水产养殖；水产苗种生产"),
    "0412": (("水产", "生态渔业", "养殖"),
             "淡水鱼、南美白对虾淡水养殖及销售",
             "水产品收购；水产品零售", "水产养殖"),
    "1351": (("肉业", "清真食品", "牛业"),
             "牛、羊屠宰；鲜冻分割肉、副产品的加工、销售；冷藏服务",
             "鲜肉批发；鲜肉零售；低温仓储（不含危险化学品等需许可审批的项目）", "生猪屠宰以外的牲畜屠宰；食品生产；食品销售"),
    "1352": (("禽业", "食品", "肉食"),
             "肉鸡、肉鸭屠宰、分割、冷藏、销售",
             "鲜肉批发；食用农产品批发", "家禽屠宰；食品生产"),
    "1353": (("食品", "肉制品", "熟食"),
             "熟肉制品、速冻肉制品的加工、销售",
             "食用农产品初加工；鲜肉零售", "食品生产；食品销售"),
    "5121": (("粮油贸易", "商贸", "粮油购销"),
             "粮食收购；米、面、食用油批发、零售",
             "粮食收购；谷物销售；食用农产品批发", "食品销售"),
    "5164": (("金属材料", "商贸", "物资"),
             "铝锭、铝棒、钢材、有色金属（不含贵金属）的批发、零售",
             "金属材料销售；有色金属合金销售；金属矿石销售；国内贸易代理", ""),
    "5165": (("建材", "建材商贸", "装饰材料"),
             "建筑材料、装饰材料、五金交电的批发、零售",
             "建筑材料销售；建筑装饰材料销售；五金产品批发", ""),
    "5169": (("化工贸易", "商贸", "化工物资"),
             "化工产品（不含危险化学品）的批发、零售",
             "化工产品销售（不含许可类化工产品）；专用化学产品销售（不含危险化学品）", "危险化学品经营"),
    "5172": (("汽车配件", "汽配", "汽车贸易"),
             "汽车零部件、汽车用品的批发、零售",
             "汽车零配件批发；汽车零配件零售；汽车装饰用品销售", ""),
    "5211": (("百货", "商厦", "商业"),
             "百货、服装、鞋帽、日用品、家用电器的零售；柜台租赁",
             "日用百货销售；服装服饰零售；家用电器销售；柜台、摊位出租", "食品销售"),
    "5212": (("超市", "商贸", "购物中心"),
             "预包装食品、散装食品、日用百货、蔬菜、水果的零售",
             "日用百货销售；新鲜蔬菜零售；新鲜水果零售；食用农产品零售", "食品销售；烟草制品零售"),
    "5221": (("粮油店", "粮油经营", "粮油"),
             "米、面、食用油、杂粮的零售",
             "粮油仓储服务；食用农产品零售", "食品销售"),
    "5261": (("汽车销售服务", "汽车贸易", "汽车"),
             "汽车销售；汽车维修；汽车配件、汽车用品销售；二手车经纪",
             "汽车新车销售；新能源汽车整车销售；汽车零配件零售；二手车经纪", "机动车检验检测服务"),
    "6210": (("餐饮", "酒店管理", "饮食"),
             "中餐服务；酒水、饮料零售",
             "餐饮管理；酒店管理", "餐饮服务；食品销售"),
    "6220": (("餐饮", "快餐", "餐饮管理"),
             "快餐服务；团体膳食配送",
             "餐饮管理；外卖递送服务", "餐饮服务；食品销售"),
    "6513": (("软件科技", "信息科技", "网络科技"),
             "计算机软件开发、销售；信息技术咨询服务；计算机系统集成",
             "软件开发；信息技术咨询服务；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；数据处理服务", ""),
    "6531": (("信息技术", "智能科技", "数字科技"),
             "计算机信息系统集成；安防监控系统的设计、安装、维护",
             "信息系统集成服务；安全系统监控服务；计算机软硬件及辅助设备零售；物联网技术服务", ""),
    "6560": (("信息咨询", "数字科技", "科技"),
             "信息技术咨询服务；企业管理咨询；数据处理",
             "信息技术咨询服务；工业互联网数据服务；企业管理咨询", ""),
    "7224": (("供应链管理", "供应链", "物流科技"),
             "供应链管理服务；国内货物运输代理；仓储服务（不含危险化学品）",
             "供应链管理服务；国内货物运输代理；普通货物仓储服务（不含危险化学品等需许可审批的项目）；金属材料销售", ""),
    "7241": (("会计服务", "财务咨询", "税务师事务所"),
             "代理记账；财务咨询；税务咨询",
             "财务咨询；税务服务；企业管理咨询", "代理记账"),
    "7259": (("广告", "文化传媒", "传媒"),
             "设计、制作、代理、发布国内广告业务；企业形象策划；会议及展览服务",
             "广告设计、代理；广告制作；广告发布；会议及展览服务；组织文化艺术交流活动", ""),
    "7263": (("人力资源", "劳务", "人力资源服务"),
             "劳务派遣；人力资源外包；职业中介",
             "人力资源服务（不含职业中介活动、劳务派遣服务）；劳务服务（不含劳务派遣）", "劳务派遣服务；职业中介活动"),
    "7212": (("投资", "资产管理", "产业投资"),
             "以自有资金对外投资（未经金融监管部门批准，不得从事吸收存款、融资担保、代客理财等金融业务）",
             "以自有资金从事投资活动；企业管理；企业管理咨询", ""),
    "7010": (("置业", "房地产开发", "置地"),
             "房地产开发、经营；房屋租赁；物业管理",
             "非居住房地产租赁；住房租赁；物业管理", "房地产开发经营"),
    "7020": (("物业", "物业管理", "物业服务"),
             "物业管理服务；家政服务；停车场服务",
             "物业管理；家政服务；停车场服务；园林绿化工程施工", ""),
    "4710": (("建设", "建筑工程", "建工"),
             "房屋建筑工程、市政公用工程、钢结构工程施工",
             "园林绿化工程施工；建筑材料销售", "建设工程施工"),
    "4813": (("路桥", "市政工程", "路桥工程"),
             "市政道路工程、公路工程、桥梁工程施工",
             "市政设施管理；土石方工程施工", "建设工程施工；公路管理与养护"),
    "4862": (("环保工程", "环境工程", "环保科技"),
             "污水处理工程、废气治理工程、固废处理工程的设计、施工",
             "环保咨询服务；水污染治理；大气污染治理；固体废物治理", "建设工程施工"),
    "4910": (("电力工程", "电气安装", "电力"),
             "电力工程、输变电工程、电气设备安装工程施工",
             "电力设施器材销售；电气设备修理", "输电、供电、受电电力设施的安装、维修和试验；建设工程施工"),
    "5011": (("装饰工程", "装饰", "建筑装饰"),
             "室内外装饰装修工程、幕墙工程施工",
             "住宅室内装饰装修；建筑装饰材料销售", "建设工程施工"),
    "5431": (("物流", "运输", "货运"),
             "普通货物道路运输；货物配载；仓储服务（不含危险化学品）",
             "国内货物运输代理；普通货物仓储服务（不含危险化学品等需许可审批的项目）；装卸搬运", "道路货物运输（不含危险货物）"),
    "5435": (("危货运输", "物流", "化工物流"),
             "危险货物道路运输（2类、3类、8类）；普通货物道路运输",
             "国内货物运输代理；装卸搬运", "道路危险货物运输；道路货物运输（不含危险货物）"),
    "6635": (("小额贷款", "小额贷款", "小额贷款"),
             "在滨州市辖区内办理各项小额贷款业务；开展小企业发展、管理、财务等咨询业务",
             "", "小额贷款业务"),
    "6631": (("融资租赁", "融资租赁", "融资租赁"),
             "融资租赁业务；租赁业务；向国内外购买租赁财产；租赁财产的残值处理及维修；租赁交易咨询",
             "", "融资租赁业务"),
    "6633": (("典当", "典当行", "典当"),
             "动产质押典当业务；财产权利质押典当业务；房地产抵押典当业务；鉴定评估及咨询服务",
             "", "典当"),
}
# The enterprise form at the end of the name.
SUFFIX_DEFAULT = "有限公司"
SUFFIX_LARGE = ("有限公司", "股份有限公司", "集团有限公司")
FINANCE_SUFFIX = {"6635": "股份有限公司", "6631": "有限公司", "6633": "有限公司"}
COOPERATIVE_CODES = {"0311", "0313", "0314", "0321", "0412"}

# Assets as a multiple of revenue and revenue per employee (万元), where the size row does not give them.
ASSETS_PER_REVENUE = {"goods": (0.5, 1.6), "trade": (0.15, 0.6), "services": (0.4, 1.4), "construction": (0.6, 1.4)}
REVENUE_PER_EMPLOYEE = {"agri": (15, 60), "construction": (40, 120), "real_estate": (150, 600), "business": (20, 80)}
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "198", "199",
)
EMAIL_DOMAINS = ("example.com", "example.com", "example.org", "example.net")


def weighted(rng: random.Random, options: dict[str, float]) -> str:
    keys = sorted(k for k, w in options.items() if w > 0)
    return rng.choices(keys, weights=[options[k] for k in keys])[0]


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def tier_range(bounds, tier: str) -> tuple[float, float]:
    """[low, high) of an indicator for one size tier (large: up to 5× its bound, micro: from a sixth of small)."""
    return {
        "large": (bounds.large, bounds.large * 5),
        "medium": (bounds.medium, bounds.large),
        "small": (bounds.small, bounds.medium),
        "micro": (max(bounds.small / 6, 1), bounds.small),
    }[tier]


def figures(rng: random.Random, code: str, group: str, target: str | None) -> dict[str, float]:
    """employees, revenue_wan and assets_wan for an enterprise of the target size (None: out of scope)."""
    if target is None:  # finance: any plausible numbers, the standard does not classify them
        return {"employees": rng.randint(8, 120), "revenue_wan": rng.uniform(300, 8000),
                "assets_wan": rng.uniform(8000, 150000)}
    row = default_standard().row_for(code)
    values: dict[str, float] = {}
    for indicator, bounds in row.lower_bounds.items():
        low, high = tier_range(bounds, target)
        values[indicator] = log_uniform(rng, low, high)
    # 小型规上: an industrial small enterprise whose revenue is past 2000 万元 while its staff is small.
    if target == "small" and row.id == "industry" and rng.random() < 0.3:
        values["revenue_wan"] = log_uniform(rng, 2000, 8000)
    if "revenue_wan" not in values:
        if "assets_wan" in values:
            values["revenue_wan"] = values["assets_wan"] * rng.uniform(0.2, 0.9)
        else:
            values["revenue_wan"] = values["employees"] * rng.uniform(*REVENUE_PER_EMPLOYEE.get(group, (20, 60)))
    if "employees" not in values:
        values["employees"] = values["revenue_wan"] / rng.uniform(*REVENUE_PER_EMPLOYEE.get(group, (20, 60)))
    if "assets_wan" not in values:
        kind = "trade" if group == "trade" else "goods" if group in GOODS_GROUPS else "services"
        values["assets_wan"] = values["revenue_wan"] * rng.uniform(*ASSETS_PER_REVENUE[kind])
    return values


def rounded(values: dict[str, float]) -> dict[str, float | int]:
    return {
        "employees": max(1, round(values["employees"])),
        "revenue_wan": round(values["revenue_wan"], 1),
        "assets_wan": round(values["assets_wan"], 1),
    }


def credit_code(rng: random.Random, region: str, kind: str, taken: set[str]) -> str:
    """A valid 统一社会信用代码 registered in the region: new-style MA3 bodies (Shandong) or old numeric ones."""
    while True:
        if rng.random() < 0.6:
            body = "MA3" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(5))
        else:
            body = rng.choice(("16", "26", "6", "7", "7", "06", "05")) + "".join(rng.choice("0123456789") for _ in range(8))
            body = body[:8]
        org = body + org_code_check_char(body)  # a digit or X: both are in the credit-code alphabet
        first17 = kind + region + org
        code = first17 + credit_code_check_char(first17)
        if code not in taken:
            taken.add(code)
            return validate_credit_code(code)


def qualifications(rng: random.Random, group: str, size: str | None) -> list[str]:
    """Most enterprises hold none; tech-minded SMEs hold the SME titles, large ones at most 高新技术企业."""
    if size is None or group in NO_QUALIFICATION_GROUPS:
        return []
    if group not in TECH_GROUPS:
        if rng.random() >= 0.06:
            return []
        if size == "large":
            return ["高新技术企业"]
        return rng.choice([["科技型中小企业"], ["创新型中小企业"], ["高新技术企业"]])
    if rng.random() >= {"large": 0.35, "medium": 0.45, "small": 0.28, "micro": 0.10}[size]:
        return []
    options = {
        "large": [["高新技术企业"]],
        "medium": [["高新技术企业"], ["高新技术企业", "专精特新中小企业"],
                   ["高新技术企业", "专精特新中小企业", '专精特新"小巨人"企业'], ["高新技术企业", "瞪羚企业"],
                   ["创新型中小企业", "专精特新中小企业"]],
        "small": [["科技型中小企业"], ["科技型中小企业", "高新技术企业"], ["创新型中小企业"],
                  ["创新型中小企业", "专精特新中小企业"], ["高新技术企业", "瞪羚企业"]],
        "micro": [["科技型中小企业"], ["创新型中小企业"]],
    }[size]
    chosen = set(rng.choice(options))
    return [q for q in QUALIFICATIONS if q in chosen]


def business_scope(rng: random.Random, code: str) -> str:
    _, old, general, licensed = INDUSTRIES[code]
    industrial = code[:2] >= "13" and code[:2] <= "43"
    if general and rng.random() < 0.4:
        extra = "；货物进出口；技术进出口" if industrial and rng.random() < 0.5 else ""
        text = f"一般项目：{general}{extra}{NEW_GENERAL_TAIL}"
        if licensed:
            text = f"许可项目：{licensed}{NEW_LICENSED_TAIL}{text}"
        return text
    extra = "；货物进出口" if industrial and rng.random() < 0.5 else ""
    return f"{old}{extra}{OLD_TAIL}"


def make_rows(seed: int = SEED, count: int = COUNT) -> list[dict[str, str]]:
    rng = random.Random(seed)
    taxonomy = default_taxonomy()
    taken_codes: set[str] = set()
    taken_names: set[str] = set()
    taken_locals: set[str] = set()
    plans = []
    for _ in range(count):
        region = weighted(rng, {r: v[1] for r, v in REGIONS.items()})
        multipliers = REGIONS[region][3]
        group = weighted(rng, {g: v[0] * multipliers.get(g, 1.0) for g, v in GROUPS.items()})
        boost = CODE_BOOST.get(region, {})
        code = weighted(rng, {c: w * boost.get(c, 1.0) for c, w in GROUPS[group][2].items()})
        assert taxonomy.is_known(code), code
        if group == "finance":
            target = None
        else:
            kind = "goods" if group in GOODS_GROUPS else "services"
            target = weighted(rng, SIZE_WEIGHTS[kind])
        plans.append((region, group, code, target))

    # Which rows declare a size instead of giving figures, and which declare one the figures contradict.
    classified = [i for i, plan in enumerate(plans) if plan[3] is not None]
    declared_only = set(rng.sample(classified, round(count * DECLARED_ONLY_SHARE)))
    contradicting = set(rng.sample([i for i in classified if i not in declared_only], round(count * CONTRADICTING_SHARE)))

    rows = []
    for index, (region, group, code, target) in enumerate(plans):
        while True:
            values = rounded(figures(rng, code, group, target))
            derived = size_class(code, **values).size
            if derived == (target or "unknown"):
                break
        declared = ""
        if index in declared_only:
            declared = target
            values = {"employees": "", "revenue_wan": "", "assets_wan": ""}
        elif index in contradicting:
            # Mostly claiming to be smaller than the figures say (to qualify for SME policies).
            at = SIZES.index(target)
            declared = SIZES[at + 1] if at + 1 < len(SIZES) else SIZES[at - 1]

        kind = "93" if code in COOPERATIVE_CODES and target in ("micro", "small") and rng.random() < 0.35 else "91"
        cc = credit_code(rng, region, kind, taken_codes)
        trades = INDUSTRIES[code][0]
        prefixes = REGIONS[region][2]
        while True:
            brand, pinyin = rng.choice(BRANDS)
            prefix = rng.choice(prefixes)
            if prefix == "山东" and target not in ("large", "medium"):
                prefix = prefixes[0]
            if kind == "93":
                name = f"{prefix}{brand}{trades[0]}专业合作社"
            elif group == "finance":
                name = f"{prefix}{brand}{trades[0]}{FINANCE_SUFFIX[code]}"
            else:
                suffix = rng.choice(SUFFIX_LARGE) if target == "large" else SUFFIX_DEFAULT
                name = f"{prefix}{brand}{rng.choice(trades)}{suffix}"
            if name not in taken_names:
                taken_names.add(name)
                break

        mobile = ""
        if rng.random() < 0.92:
            mobile = validate_mobile(f"{rng.choice(MOBILE_PREFIXES)}0000{index + 1:04d}")
        email = ""
        if rng.random() < 0.78:
            local = rng.choice((pinyin, f"{pinyin}.{rng.choice(('office', 'hr', 'sales', 'cw', 'info'))}",
                                f"{pinyin}{rng.randint(2000, 2024)}", f"{pinyin}_{region[-2:]}"))
            while local in taken_locals:
                local += str(rng.randint(0, 9))
            taken_locals.add(local)
            email = validate_email(f"{local}@{rng.choice(EMAIL_DOMAINS)}")
        channels = []
        if mobile and rng.random() < 0.8:
            channels.append("sms")
        if email and rng.random() < 0.6:
            channels.append("email")

        rows.append({
            "credit_code": cc,
            "name": name,
            "industry_code": code,
            "employees": str(values["employees"]),
            "revenue_wan": str(values["revenue_wan"]),
            "assets_wan": str(values["assets_wan"]),
            "size": declared,
            "region_code": region,
            "business_scope": business_scope(rng, code),
            "qualifications": ";".join(qualifications(rng, group, target)),
            "mobile": mobile,
            "email": email,
            "channels": ";".join(channels),
        })
    return rows


def summary(rows: list[dict[str, str]]) -> str:
    """Counts by derived size, industry group, region, and the special cases, for the README and the log."""
    group_of = {code: label for _, label, codes in GROUPS.values() for code in codes}
    sizes: Counter[str] = Counter()
    scale: Counter[str] = Counter()
    for row in rows:
        if row["revenue_wan"]:
            figs = {k: float(row[k]) for k in ("revenue_wan", "assets_wan")} | {"employees": int(row["employees"])}
            sizes[size_class(row["industry_code"], **figs).size] += 1
            if above_scale(row["industry_code"], figs["revenue_wan"]):
                scale[scale_threshold(row["industry_code"]).name] += 1
        else:
            sizes["(declared only)"] += 1
    groups = Counter(group_of[row["industry_code"]] for row in rows)
    regions = Counter(f"{row['region_code']} {REGIONS[row['region_code']][0]}" for row in rows)
    contradicting = sum(1 for row in rows if row["size"] and row["revenue_wan"])
    lines = [
        f"{len(rows)} enterprises",
        "derived size: " + ", ".join(f"{k} {v}" for k, v in sizes.most_common()),
        f"declared size contradicting the figures: {contradicting}",
        "above scale: " + ", ".join(f"{k} {v}" for k, v in scale.most_common()),
        "groups: " + ", ".join(f"{k} {v}" for k, v in groups.most_common()),
        "regions: " + ", ".join(f"{k} {v}" for k, v in regions.most_common()),
        f"with qualifications: {sum(1 for r in rows if r['qualifications'])}",
    ]
    return "\n".join(lines)


def main() -> None:
    rows = make_rows()
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT.relative_to(ROOT)}")
    print(summary(rows))


if __name__ == "__main__":
    main()
