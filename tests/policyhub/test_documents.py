"""Tests for policyhub.services.documents: every fixture file is built here, none is checked in."""

from __future__ import annotations

import codecs
import io
import pickle
import random
import re
import struct
import time
import zipfile
from collections.abc import Callable

import docx
import pypdf
import pytest
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from policyhub.services.documents import (
    ALLOWED_EXTENSIONS,
    MAX_UPLOAD_BYTES,
    DocumentError,
    ExtractedDocument,
    extract_text,
)

TITLE = "滨州市支持高端铝业发展的若干措施"
BODY = "第一条　为推动铝产业高质量发展，制定本措施。\n第二条　对年营业收入（２０２４年度）超过 2000 万元的企业给予奖励；"
CJK_RE = re.compile("[\u4e00-\u9fff]")


# ---------------------------------------------------------------------------------------------
# Fixture builders


def make_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """A PDF with a real text layer in the Adobe-GB1 CID font every PDF reader has built in."""
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    if title is not None:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont("STSong-Light", 14)
        for number, line in enumerate(lines):
            pdf.drawString(72, 760 - 24 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_image_only_pdf() -> bytes:
    """What a scanner produces, as far as text goes: marks on the page and no text operators."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)
    pdf.rect(72, 400, 300, 200, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_blank_pdf(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypt_pdf(data: bytes, *, user_password: str, owner_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    # RC4 works with pypdf alone; AES would need the optional cryptography package.
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(build: Callable[[DocxDocument], None], *, title: str | None = None) -> bytes:
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=1) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rewrite_zip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """A copy of a zip with some members replaced (bytes) or left out (None)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: replace[name] if name in replace else archive.read(name) for name in archive.namelist()}
    entries.update((name, content) for name, content in replace.items() if name not in entries)
    return make_zip({name: content for name, content in entries.items() if content is not None})


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """Patch the uncompressed size a zip declares for one member, as a zip bomb would."""
    patched = bytearray(data)
    name = member.encode()
    # Central directory record: signature, then the uncompressed size at offset 24, name at 46.
    offset = patched.find(b"PK\x01\x02")
    while offset != -1:
        name_length = struct.unpack_from("<H", patched, offset + 28)[0]
        if patched[offset + 46:offset + 46 + name_length] == name:
            struct.pack_into("<I", patched, offset + 24, size)
            local = struct.unpack_from("<I", patched, offset + 42)[0]
            struct.pack_into("<I", patched, local + 22, size)  # the local header says the same
            return bytes(patched)
        offset = patched.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(f"{member} not in the zip")


def ole_file(*streams: str) -> bytes:
    """Enough of an OLE2 compound file (old .doc, password-protected .docx) for content sniffing."""
    directory = b"".join(name.encode("utf-16-le") + b"\x00" * (64 - 2 * len(name)) for name in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + directory + b"\x00" * 512


def raises(code: str, filename: str, data: bytes, *fragments: str, status: int = 422) -> DocumentError:
    """The DocumentError extract_text raises, checked for code, status and a specific Chinese message."""
    with pytest.raises(DocumentError) as info:
        extract_text(filename, data)
    error = info.value
    assert error.code == code, error.message
    assert error.status == status
    assert CJK_RE.search(error.message), error.message
    assert str(error) == error.message
    for fragment in fragments:
        assert fragment in error.message
    return error


# ---------------------------------------------------------------------------------------------
# Public surface


def test_constants_and_error_type() -> None:
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert {"txt", "docx", "pdf", "html", "htm"} == ALLOWED_EXTENSIONS
    error = DocumentError("encrypted", "该 PDF 文件已加密")
    assert isinstance(error, ValueError)
    assert (error.code, error.message, error.status) == ("encrypted", "该 PDF 文件已加密", 422)
    copy = pickle.loads(pickle.dumps(DocumentError("too_large", "文件超过 20 MB 上限", 413)))
    assert (copy.code, copy.message, copy.status) == ("too_large", "文件超过 20 MB 上限", 413)


# ---------------------------------------------------------------------------------------------
# .txt


def test_utf8_text_without_bom() -> None:
    document = extract_text("措施.txt", f"{TITLE}\n{BODY}".encode())
    assert document == ExtractedDocument(text=f"{TITLE}\n{BODY}", format="txt", encoding="utf-8", title=None)


def test_utf8_text_with_bom_loses_the_bom() -> None:
    document = extract_text("措施.txt", codecs.BOM_UTF8 + TITLE.encode())
    assert document.text == TITLE
    assert document.encoding == "utf-8"


def test_plain_ascii_reports_utf8() -> None:
    assert extract_text("notice.txt", b"Policy 2024-01").encoding == "utf-8"


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "gb2312"])
def test_chinese_legacy_encodings_are_detected_as_gb18030(codec: str) -> None:
    data = f"{TITLE}\r\n{BODY}".encode(codec)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    document = extract_text("措施.txt", data)
    assert document.text == f"{TITLE}\n{BODY}"
    assert document.encoding == "gb18030"


def test_characters_only_gb18030_can_encode() -> None:
    text = "企业名称：𠀀㐀科技有限公司"  # CJK Extension B and A: not in GBK
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    document = extract_text("名单.txt", text.encode("gb18030"))
    assert (document.text, document.encoding) == (text, "gb18030")


@pytest.mark.parametrize(("bom", "codec", "expected"), [
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
])
def test_utf16_only_with_a_bom(bom: bytes, codec: str, expected: str) -> None:
    document = extract_text("措施.txt", bom + TITLE.encode(codec))
    assert (document.text, document.encoding) == (TITLE, expected)
    raises("type_mismatch", "措施.txt", f"2024 {TITLE}".encode(codec), "二进制")  # no BOM: just NULs


def test_normalisation() -> None:
    raw = (
        "  \n标题\r\n第一条，（一）２０２４年\t \r第二条\x01\x07\x1b 结束  \n\n\n\n\n"
        "Cafe\u0301\x0c下一页\u00a0\u3000\n\n\n"
    )
    document = extract_text("a.txt", raw.encode())
    # Full-width punctuation and digits survive (NFKC would have made them ASCII); NFC composes é;
    # CR/CRLF/form feed end lines; other control codes go; trailing spaces (incl. U+3000) go.
    assert document.text == "标题\n第一条，（一）２０２４年\n第二条 结束\n\nCafé\n下一页"
    # NUL bytes reject a .txt (see below), but a NUL character decoded from UTF-16 is dropped.
    assert extract_text("a.txt", codecs.BOM_UTF16_LE + "第二条\x00结束".encode("utf-16-le")).text == "第二条结束"


def test_text_that_is_neither_utf8_nor_gb18030_is_undecodable() -> None:
    raises("undecodable", "note.txt", "Café crème brûlée".encode("latin-1"), "编码", "UTF-8")


def test_binary_garbage_named_txt() -> None:
    garbage = random.Random(7).randbytes(4096)
    raises("type_mismatch", "措施.txt", garbage, ".txt", "二进制")


def test_control_characters_that_decode_as_gb18030_are_not_text() -> None:
    data = b"\x81\x40\x01\x02\x03\x1b\xb0\xa1\x10\x11" * 200  # valid GB18030, no NULs
    data.decode("gb18030")
    raises("type_mismatch", "措施.txt", data, ".txt", "控制字符")


@pytest.mark.parametrize(("data", "fragment"), [
    (make_pdf([[TITLE]]), "PDF 文件，请将扩展名改为 .pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40, "PNG 图片"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 40, "JPEG 图片"),
    (make_zip({"a.csv": b"1,2"}), "ZIP 压缩包"),
    (ole_file("WordDocument"), "另存为"),
])
def test_txt_that_is_really_another_format(data: bytes, fragment: str) -> None:
    raises("type_mismatch", "措施.txt", data, "扩展名为 .txt", fragment)


def test_txt_that_is_really_a_docx_says_so() -> None:
    data = make_docx(lambda document: document.add_paragraph(TITLE))
    raises("type_mismatch", "措施.txt", data, "Word（.docx）文件", "改为 .docx")


@pytest.mark.parametrize("data", [b"", " \n\t\r\n\u3000".encode(), codecs.BOM_UTF8, "\u3000\u3000\n".encode("gb18030")])
def test_empty_and_whitespace_only(data: bytes) -> None:
    error = raises("empty", "措施.txt", data)
    assert ("0 字节" if not data else "空白") in error.message


def test_only_punctuation_is_empty() -> None:
    raises("empty", "措施.txt", "。。。——\n".encode(), "空白")


def test_one_byte_over_the_limit_is_413_and_says_how_big() -> None:
    raises("too_large", "措施.txt", b"a" * (MAX_UPLOAD_BYTES + 1), "20 MB 上限", "当前 20.1 MB", status=413)
    raises("too_large", "措施.pdf", b"%PDF-" + b"0" * (23 * 1024 * 1024), "当前 23.1 MB", status=413)


def test_exactly_the_limit_is_accepted_and_fast() -> None:
    line = f"{BODY}\n".encode()
    data = (line * (MAX_UPLOAD_BYTES // len(line) + 1))[:MAX_UPLOAD_BYTES]
    data = data[: data.rfind(b"\n") + 1]
    data += b"x" * (MAX_UPLOAD_BYTES - len(data))
    assert len(data) == MAX_UPLOAD_BYTES
    started = time.perf_counter()
    document = extract_text("汇编.txt", data)
    assert time.perf_counter() - started < 10  # about 0.4 s; this only catches quadratic slips
    assert document.encoding == "utf-8"
    assert document.text.startswith(BODY)


@pytest.mark.parametrize(("filename", "fragments"), [
    ("通知.doc", ("旧版 Word（.doc）", "另存为", ".docx", "支持的格式：.txt、.docx、.pdf、.html、.htm")),
    ("通知.DOC", ("旧版 Word（.doc）",)),
    ("通知.wps", ("WPS", ".docx")),
    ("通知.ofd", ("OFD", "PDF")),
    ("setup.exe", ("不支持 .exe", ".txt、.docx、.pdf、.html 或 .htm")),
    ("扫描件.jpg", ("图片", ".pdf")),
    ("政策文件", ("没有扩展名", ".docx")),
    ("政策文件.", ("没有扩展名",)),
])
def test_unsupported_extensions(filename: str, fragments: tuple[str, ...]) -> None:
    raises("unsupported_type", filename, b"anything", *fragments)


@pytest.mark.parametrize("filename", ["通知.TXT", "通知.Txt ", "C:\\Users\\办公室\\通知.txt", "/tmp/a.b/通知.txt"])
def test_extension_is_case_insensitive_and_path_tolerant(filename: str) -> None:
    assert extract_text(filename, TITLE.encode()).format == "txt"


# ---------------------------------------------------------------------------------------------
# .docx


def _policy_docx(document: DocxDocument) -> None:
    document.add_paragraph("第一章　总则")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "申报条件"
    table.cell(0, 1).text = "年营业收入 2000 万元以上"
    table.cell(1, 0).text = "奖励标准"
    table.cell(1, 1).text = "最高 500 万元"
    table.cell(1, 1).add_paragraph("分三年拨付")
    table.cell(2, 0).merge(table.cell(2, 1)).text = "由市工信局负责解释"
    document.add_paragraph("第二章　附则")


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    document = extract_text("措施.docx", make_docx(_policy_docx))
    assert document.format == "docx"
    assert document.encoding is None
    assert document.text == (
        "第一章　总则\n"
        "申报条件\t年营业收入 2000 万元以上\n"
        "奖励标准\t最高 500 万元 分三年拨付\n"
        "由市工信局负责解释\n"  # a merged cell is written once
        "第二章　附则"
    )


def test_docx_title_from_core_properties() -> None:
    def build(document: DocxDocument) -> None:
        document.add_paragraph("滨州市人民政府文件")
        document.add_paragraph("关于印发滨州市支持高端铝业\n发展的若干措施的通知")  # wrapped by hand
        document.add_heading("一、总体要求", level=1)
        document.add_paragraph(BODY)

    title = f"  关于印发{TITLE}的通知 "
    assert extract_text("措施.docx", make_docx(build, title=title)).title == f"关于印发{TITLE}的通知"


def test_stale_docx_core_title_is_ignored() -> None:
    # Clerks copy last year's file: the core title then names a different document.
    def build(document: DocxDocument) -> None:
        document.add_heading(TITLE, level=0)
        document.add_paragraph(BODY)

    assert extract_text("措施.docx", make_docx(build, title="2023年工作要点")).title == TITLE
    data = make_docx(lambda document: document.add_paragraph(BODY), title="文档1")
    assert extract_text("措施.docx", data).title is None


def test_docx_title_from_title_style_or_opening_heading() -> None:
    def titled(document: DocxDocument) -> None:
        document.add_paragraph("滨政发〔2024〕5号")
        document.add_heading(TITLE, level=0)  # style "Title"
        document.add_paragraph(BODY)

    def opening_heading(document: DocxDocument) -> None:
        document.add_heading(TITLE, level=1)
        document.add_paragraph(BODY)

    def section_heading_only(document: DocxDocument) -> None:
        document.add_paragraph(TITLE)
        document.add_heading("一、总体要求", level=1)

    assert extract_text("a.docx", make_docx(titled)).title == TITLE
    assert extract_text("a.docx", make_docx(opening_heading)).title == TITLE
    assert extract_text("a.docx", make_docx(section_heading_only)).title is None


def test_docx_without_core_properties_has_no_invented_title() -> None:
    data = make_docx(lambda document: document.add_paragraph(BODY))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("_rels/.rels").decode()
    rels = re.sub(r"<Relationship [^>]*core-properties[^>]*/>", "", rels)
    data = rewrite_zip(data, {"docProps/core.xml": None, "_rels/.rels": rels.encode()})
    document = extract_text("a.docx", data)
    assert document.title is None  # python-docx would have said "Word Document"
    assert document.text == BODY


def test_docx_tracked_insertions_content_controls_and_breaks() -> None:
    def build(document: DocxDocument) -> None:
        paragraph = document.add_paragraph("保留")
        inserted = OxmlElement("w:ins")
        inserted.set(qn("w:id"), "1")
        inserted.set(qn("w:author"), "审核人")
        inserted.append(_run("w:t", "新增内容"))
        deleted = OxmlElement("w:del")
        deleted.set(qn("w:id"), "2")
        deleted.set(qn("w:author"), "审核人")
        deleted.append(_run("w:delText", "删除内容"))
        paragraph._p.append(inserted)
        paragraph._p.append(deleted)
        run = paragraph.add_run("甲")
        run.add_break()
        run.add_text("乙")
        control = document.add_paragraph("控件内文字")._p
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        control.addprevious(sdt)
        content.append(control)
        sdt.append(content)
        document.add_paragraph("结尾")

    assert extract_text("a.docx", make_docx(build)).text == "保留新增内容甲\n乙\n控件内文字\n结尾"


def _run(tag: str, text: str) -> BaseOxmlElement:
    run, content = OxmlElement("w:r"), OxmlElement(tag)
    content.text = text
    run.append(content)
    return run


def test_docx_with_only_empty_paragraphs_is_empty() -> None:
    def build(document: DocxDocument) -> None:
        for _ in range(3):
            document.add_paragraph("  ")

    raises("empty", "a.docx", make_docx(build), "Word 文件中没有可读取的文字")


def test_docx_that_is_a_zip_without_word_document() -> None:
    raises("type_mismatch", "措施.docx", make_zip({"readme.txt": TITLE.encode()}), ".docx", "ZIP 压缩包")
    workbook = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    raises("type_mismatch", "措施.docx", workbook, "Excel")


@pytest.mark.parametrize(("data", "fragment"), [
    (make_pdf([[TITLE]]), "PDF 文件"),
    (TITLE.encode(), "不是 Word（.docx）文件"),
    (ole_file("WordDocument"), "旧版 Office 文件"),
])
def test_docx_that_is_not_a_zip(data: bytes, fragment: str) -> None:
    raises("type_mismatch", "措施.docx", data, "扩展名为 .docx", fragment)


def test_password_protected_docx_is_encrypted() -> None:
    raises("encrypted", "措施.docx", ole_file("EncryptionInfo", "EncryptedPackage"), "密码")


def test_corrupt_docx() -> None:
    data = make_docx(_policy_docx)
    raises("corrupt", "措施.docx", data[: len(data) // 2], "损坏")
    raises("corrupt", "措施.docx", rewrite_zip(data, {"word/document.xml": b"<w:document><w:body>"}), "损坏")
    raises("corrupt", "措施.docx", rewrite_zip(data, {"[Content_Types].xml": None}), "损坏")
    stored = rewrite_zip(data, {})
    offset = stored.find(b"word/document.xml") + len("word/document.xml") + 40
    flipped = stored[:offset] + bytes([stored[offset] ^ 0xFF]) + stored[offset + 1:]  # bad CRC / deflate
    raises("corrupt", "措施.docx", flipped, "损坏")


def test_docx_declaring_a_huge_document_is_refused_before_parsing() -> None:
    data = declare_size(make_docx(_policy_docx), "word/document.xml", 3_000_000_000)
    raises("too_large", "措施.docx", data, "解压后内容过大", "50 MB", status=413)


def test_real_deflate_bomb_docx() -> None:
    data = make_docx(_policy_docx)
    bomb = rewrite_zip(data, {"word/media/padding.bin": b"\x00" * 201_000_000})
    assert len(bomb) < 1_000_000
    raises("too_large", "措施.docx", bomb, "200 MB", status=413)


# ---------------------------------------------------------------------------------------------
# .pdf


def test_pdf_chinese_text_layer_with_cid_font() -> None:
    data = make_pdf([[TITLE, "第一条　为推动铝产业高质量发展，制定本措施。"], ["第二页：申报条件（２０２４年）㐀𠀀"]], title=TITLE)
    document = extract_text("措施.PDF", data)
    assert document.format == "pdf"
    assert document.encoding is None
    assert document.title == TITLE
    assert document.text == f"{TITLE}\n第一条　为推动铝产业高质量发展，制定本措施。\n\n第二页：申报条件（２０２４年）㐀𠀀"


def test_pdf_placeholder_stale_and_word_printer_titles() -> None:
    assert extract_text("a.pdf", make_pdf([[TITLE]])).title is None  # reportlab writes "untitled"
    assert extract_text("a.pdf", make_pdf([[TITLE]], title="2023年工作要点")).title is None
    assert extract_text("a.pdf", make_pdf([[TITLE]], title=f"Microsoft Word - {TITLE}.docx")).title == TITLE


def test_image_only_pdf_has_no_text_layer() -> None:
    raises("no_text_layer", "扫描件.pdf", make_image_only_pdf(), "未能从 PDF 中读取文字", "扫描件", "文字层")


def test_pdf_with_user_password_is_encrypted() -> None:
    data = encrypt_pdf(make_pdf([[TITLE]]), user_password="binzhou", owner_password="admin")
    raises("encrypted", "措施.pdf", data, "已加密", "密码")


def test_pdf_with_only_an_owner_password_is_read() -> None:
    data = encrypt_pdf(make_pdf([[TITLE]]), user_password="", owner_password="admin")
    assert extract_text("措施.pdf", data).text == TITLE


def test_pdf_page_limit() -> None:
    raises("too_many_pages", "汇编.pdf", make_blank_pdf(501), "共 501 页", "500 页")
    raises("no_text_layer", "汇编.pdf", make_blank_pdf(500))  # 500 is still allowed
    raises("corrupt", "空白.pdf", make_blank_pdf(0), "找不到任何页面")


@pytest.mark.parametrize(("data", "fragment"), [
    (TITLE.encode(), "内容不是 PDF 文件"),
    (b"<!DOCTYPE html><html><body>\xe8\xaf\xb7\xe7\x99\xbb\xe5\xbd\x95</body></html>", "网页"),
    (make_docx(_policy_docx), "改为 .docx"),
])
def test_pdf_that_is_not_a_pdf(data: bytes, fragment: str) -> None:
    raises("type_mismatch", "措施.pdf", data, "扩展名为 .pdf", fragment)


def test_truncated_pdf_is_corrupt() -> None:
    data = make_pdf([[TITLE], [BODY]])
    for cut in (len(data) - 30, len(data) // 2, 100):
        raises("corrupt", "措施.pdf", data[:cut], "损坏或不完整")


def test_junk_before_the_pdf_header_is_tolerated() -> None:
    assert extract_text("措施.pdf", b"\r\n\x00junk\n" + make_pdf([[TITLE]])).text == TITLE


# ---------------------------------------------------------------------------------------------
# .html / .htm

_PAGE = """<!DOCTYPE html>
<html><head>{meta}<title> 关于印发{title}的
  通知 </title>
<style>p {{ color: red }}</style><script>var secret = "脚本内容";</script></head>
<body>
<noscript>请启用脚本</noscript>
<!-- 内部备注 -->
<div><h1>{title}</h1>
  <p>第一条　为推动铝产业<b>高质量</b>发展，
     制定本措施。</p><p>第二条<br>申报条件如下：</p>
  <table><tr><th>项目</th><th>标准</th></tr><tr><td>奖励</td><td>500 万元</td></tr></table>
  <ul><li>条件一</li><li>条件二</li></ul>
</div></body></html>"""

_PAGE_TEXT = (
    f"{TITLE}\n第一条　为推动铝产业高质量发展，制定本措施。\n第二条\n申报条件如下：\n项目\t标准\n奖励\t500 万元\n条件一\n条件二"
)


def test_utf8_html() -> None:
    document = extract_text("措施.html", _PAGE.format(meta='<meta charset="utf-8">', title=TITLE).encode())
    assert document == ExtractedDocument(
        text=_PAGE_TEXT, format="html", encoding="utf-8", title=f"关于印发{TITLE}的通知"
    )


@pytest.mark.parametrize("meta", [
    '<meta charset="gbk">',
    '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gb2312">',
    "",  # no declaration: UTF-8 fails, GB18030 is tried
    '<meta charset="utf-8">',  # a wrong declaration falls back too
])
def test_gbk_html(meta: str) -> None:
    document = extract_text("措施.htm", _PAGE.format(meta=meta, title=TITLE).encode("gbk"))
    assert (document.text, document.encoding, document.format) == (_PAGE_TEXT, "gb18030", "html")


def test_html_title_falls_back_to_h1_and_utf8_bom() -> None:
    data = codecs.BOM_UTF8 + f"<html><body><h1>\n  {TITLE}\n</h1><p>正文</p></body></html>".encode()
    document = extract_text("a.html", data)
    assert (document.title, document.text, document.encoding) == (TITLE, f"{TITLE}\n正文", "utf-8")


def test_xhtml_with_xml_declaration_and_things_bs4_warns_about() -> None:
    xhtml = f'<?xml version="1.0" encoding="gb2312"?>\n<rss><channel><title>{TITLE}</title></channel></rss>'
    assert extract_text("feed.html", xhtml.encode("gb2312")).text == TITLE  # XMLParsedAsHTMLWarning
    url = "https://www.binzhou.gov.cn/art/2024/1/1/art_1.html"
    assert extract_text("link.html", url.encode()).text == url  # MarkupResemblesLocatorWarning


def test_html_without_body_text_is_empty() -> None:
    data = f"<html><head><title>{TITLE}</title><script>alert(1)</script></head><body> </body></html>"
    raises("empty", "a.html", data.encode(), "网页文件中没有正文文字")


def test_html_that_is_really_a_pdf_or_binary() -> None:
    raises("type_mismatch", "a.html", make_pdf([[TITLE]]), "扩展名为 .html", "PDF")
    raises("type_mismatch", "a.htm", b"<html>\x00\x01\x02</html>", "二进制")


def test_html_with_too_many_tags_is_refused_before_parsing() -> None:
    raises("too_large", "a.html", b"<b>" * 300_001, "标签", status=413)


# ---------------------------------------------------------------------------------------------
# Nothing but DocumentError escapes


def _mutants(data: bytes, seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    mutants = []
    for _ in range(count):
        mutant = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(mutant))
            mutant[position] = rng.randrange(256)
        if rng.random() < 0.3:
            del mutant[rng.randrange(len(mutant)):]
        mutants.append(bytes(mutant) or b"x")
    return mutants


@pytest.mark.parametrize(("filename", "data"), [
    ("a.pdf", make_pdf([[TITLE], [BODY]], title=TITLE)),
    ("a.docx", rewrite_zip(make_docx(_policy_docx), {})),
    ("a.html", _PAGE.format(meta='<meta charset="gbk">', title=TITLE).encode("gbk")),
    ("a.txt", f"{TITLE}\n{BODY}".encode("gb18030")),
])
def test_damaged_files_raise_only_document_error(filename: str, data: bytes) -> None:
    for mutant in _mutants(data, seed=len(data), count=40):
        try:
            document = extract_text(filename, mutant)
        except DocumentError as error:
            assert CJK_RE.search(error.message)
        else:
            assert isinstance(document.text, str)
            assert document.text
