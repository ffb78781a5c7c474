"""Tests for matcher.taxonomy against GB/T 4754-2017 (counts, codes and names from the standard)."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from matcher.taxonomy import (
    Industry,
    InvalidIndustryCode,
    Taxonomy,
    default_taxonomy,
    normalize_code,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return default_taxonomy()


def test_counts_per_level(tax: Taxonomy) -> None:
    # GB/T 4754-2017: 20 门类, 97 大类, 473 中类, 1381 小类 in this copy.
    assert Counter(ind.level for ind in tax) == {1: 20, 2: 97, 3: 473, 4: 1381}
    assert len(tax) == 20 + 97 + 473 + 1381
    assert [ind.code for ind in tax.at_level(1)] == list("ABCDEFGHIJKLMNOPQRST")


def test_divisions_run_01_to_97_with_sections_from_the_standard(tax: Taxonomy) -> None:
    sections = {
        "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
        "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
        "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
        "S": (91, 96), "T": (97, 97),
    }  # fmt: skip
    for letter, (first, last) in sections.items():
        assert [ind.code for ind in tax.children(letter)] == [f"{n:02d}" for n in range(first, last + 1)]


def test_known_entries(tax: Taxonomy) -> None:
    assert tax.get("3216") == Industry(code="3216", name="铝冶炼", level=4, parent="321")
    assert tax.get("C") == Industry(code="C", name="制造业", level=1, parent=None)
    assert tax.name("C3216") == "铝冶炼"
    assert tax.name("6511") == "基础软件开发"
    assert tax.name("7010") == "房地产开发经营"
    assert tax.name("5910") == "装卸搬运"
    assert tax.is_known("0111") and tax.is_known("９７００")
    assert not tax.is_known("3299")
    assert tax.get("3299") is None and tax.name("3299") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3216", "3216"),
        ("C3216", "3216"),
        ("c3216", "3216"),
        ("c 32 16", "3216"),
        ("３２１６", "3216"),
        ("Ｃ３２１６", "3216"),
        ("\u3000C3216\t", "3216"),
        ("c", "C"),
        ("Ｔ", "T"),
        (" 32 ", "32"),
        ("321", "321"),
        ("0111", "0111"),
        ("A0111", "0111"),
        ("C3299", "3299"),  # not in the table, but its 大类 32 is in section C
    ],
)
def test_normalize_code(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("32A", "格式不对"),
        ("CC32", "格式不对"),
        ("12345", "5 位数字"),
        ("1", "1 位数字"),
        ("Z", "门类字母“Z”不存在"),
        ("Z32", "门类字母“Z”不存在"),
        ("U", "门类字母“U”不存在"),
        ("A3216", "门类字母 A 与代码 3216 所属门类 C"),
        ("B3299", "所属门类 C"),  # unknown class, known 大类 32: the letter must still agree
        ("32.16", "无效字符“.”"),
        ("32-16", "无效字符“-”"),
        ("ı32", "无效字符"),  # dotless i would upper-case to a valid section letter
    ],
)
def test_normalize_code_rejects(raw: str, says: str) -> None:
    with pytest.raises(InvalidIndustryCode, match=says):
        normalize_code(raw)


def test_invalid_code_is_a_value_error_with_a_chinese_message() -> None:
    with pytest.raises(ValueError) as caught:
        normalize_code(None)  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidIndustryCode)
    assert "行业代码" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("3216", ["C", "32", "321", "3216"]),
        ("C3216", ["C", "32", "321", "3216"]),
        ("321", ["C", "32", "321"]),
        ("32", ["C", "32"]),
        ("C", ["C"]),
        ("0111", ["A", "01", "011", "0111"]),
        ("5910", ["G", "59", "591", "5910"]),
        ("9700", ["T", "97", "970", "9700"]),
        # Not in the table: only the prefixes that are, then the code itself.
        ("3299", ["C", "32", "3299"]),  # no group 329
        ("8510", ["Q", "85", "851", "8510"]),  # group 851 exists, class 8510 does not
        ("329", ["C", "32", "329"]),
        ("9999", ["9999"]),  # no known prefix at all
    ],
)
def test_ancestors(tax: Taxonomy, code: str, chain: list[str]) -> None:
    assert tax.ancestors(code) == chain


@pytest.mark.parametrize(
    ("code", "section"),
    [("3216", "C"), ("0111", "A"), ("06", "B"), ("4411", "D"), ("5320", "G"), ("8510", "Q"),
     ("3299", "C"), ("J", "J"), ("9999", None)],
)  # fmt: skip
def test_section_of(tax: Taxonomy, code: str, section: str | None) -> None:
    assert tax.section_of(code) == section


@pytest.mark.parametrize(
    ("a", "b", "covers"),
    [
        ("C", "3216", True),
        ("32", "3216", True),
        ("321", "3216", True),
        ("3216", "3216", True),
        ("32", "321", True),
        ("C", "C", True),
        ("c", "C3216", True),
        ("3216", "32", False),
        ("321", "32", False),
        ("3216", "C", False),
        ("33", "3216", False),
        ("A", "3216", False),
        ("3217", "3216", False),
        ("C", "3299", True),  # unknown class under a known division
        ("32", "3299", True),
        ("3299", "3299", True),
        ("3299", "32", False),
    ],
)
def test_covers(tax: Taxonomy, a: str, b: str, covers: bool) -> None:
    assert tax.covers(a, b) is covers


def test_children(tax: Taxonomy) -> None:
    assert [ind.code for ind in tax.children("321")] == [
        "3211",
        "3212",
        "3213",
        "3214",
        "3215",
        "3216",
        "3217",
        "3218",
        "3219",
    ]
    assert len(tax.children("C")) == 31
    assert tax.children("3216") == []
    assert tax.children("3299") == []


def test_search_by_chinese_name(tax: Taxonomy) -> None:
    assert [ind.code for ind in tax.search("软件开发")] == ["651", "6511", "6512", "6513", "6519"]
    assert [ind.code for ind in tax.search("羽毛(绒)")] == ["194", "1941", "1942"]  # half-width finds full-width
    assert tax.search("没有这种行业") == []
    assert tax.search("  ") == []


def test_suggest_ranks_classes_for_a_typed_name(tax: Taxonomy) -> None:
    # Only 小类, the one named exactly so first, then names that contain it (shorter first).
    assert [i.code for i in tax.suggest("铝压延加工")] == ["3252"]
    assert [i.code for i in tax.suggest("铝")] == ["3216", "0916", "3252"]
    bread = tax.suggest("面包")
    assert [i.code for i in bread] == ["1411", "5222"] and all(len(i.code) == 4 for i in bread)
    # A name a group carries finds the classes under it, the narrowest group first: 餐饮业 (62: 正餐服务,
    # 快餐服务, ...) before the rest of 住宿和餐饮业 (H: 旅游饭店, ...).
    catering = [i.code for i in tax.suggest("餐饮", limit=50)]
    in_62 = [code for code in catering if code.startswith("62")]
    assert {"6210", "6220", "6241"} <= set(in_62) and catering[:len(in_62)] == in_62
    assert "6110" in catering[len(in_62):]
    # Own names before those found through a group: 软件开发 (6511...) before 集成电路设计 (65, 软件和信息技术服务业).
    software = [i.code for i in tax.suggest("软件", limit=30)]
    assert software.index("6513") < software.index("6520")
    assert len(tax.suggest("制造", limit=7)) == 7
    assert tax.suggest("  ") == [] and tax.suggest("不存在的行当") == [] and tax.suggest("铝", limit=0) == []
    assert [i.code for i in tax.suggest("铝 压 延")] == ["3252"]  # spaces typed on a phone do not matter


def test_check_known_code(tax: Taxonomy) -> None:
    assert tax.check("C3216") == ("3216", None)
    assert tax.check("C") == ("C", None)


@pytest.mark.parametrize(
    ("raw", "code", "parent"), [("3299", "3299", "32"), ("Q8510", "8510", "851"), ("329", "329", "32")]
)
def test_check_accepts_unknown_but_well_formed_code_with_a_warning(
    tax: Taxonomy, raw: str, code: str, parent: str
) -> None:
    normalized, warning = tax.check(raw)
    assert normalized == code
    assert warning is not None
    assert code in warning and f"上级 {parent}" in warning


@pytest.mark.parametrize("raw", ["9999", "98", "00", "A3216", "32A"])
def test_check_rejects(tax: Taxonomy, raw: str) -> None:
    with pytest.raises(InvalidIndustryCode):
        tax.check(raw)


def test_default_taxonomy_is_loaded_once() -> None:
    assert default_taxonomy() is default_taxonomy()


def test_load_other_table(tmp_path: Path) -> None:
    path = tmp_path / "mini.csv"
    path.write_text(
        "\ufeffcode,name,level,parent\nC,制造业,1,\n32,有色金属冶炼和压延加工业,2,C\n321,常用有色金属冶炼,3,32\n3216,铝冶炼,4,321\n",
        encoding="utf-8",
    )
    mini = Taxonomy.load(path)
    assert len(mini) == 4
    assert mini.ancestors("3216") == ["C", "32", "321", "3216"]
    assert mini.section_of("A0111") is None  # 01 is not in this table, so the letter cannot be checked


@pytest.mark.parametrize(
    "rows",
    [
        "C,制造业,1,\n3216,铝冶炼,4,321\n",  # parent missing
        "C,制造业,1,\n32,有色,2,C\n3216,铝冶炼,4,32\n",  # level 4 under level 2
        "C,制造业,1,\nC,制造业,1,\n",  # duplicate
        "C,制造业,1,\n32,有色,2,C\n321,常用,3,32\n3316,铝冶炼,4,321\n",  # code does not extend its parent
    ],
)
def test_load_rejects_a_table_that_breaks_the_structure(tmp_path: Path, rows: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,name,level,parent\n" + rows, encoding="utf-8")
    with pytest.raises(ValueError):
        Taxonomy.load(path)


def test_library_imports_no_web_stack() -> None:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "import matcher.taxonomy, matcher.sizes\n"
        "matcher.sizes.size_class('C3216', 350, 1500)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'policyhub'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"
