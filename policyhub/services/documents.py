"""Plain text, title and encoding out of an uploaded policy file (.txt, .docx, .pdf, .html/.htm)."""

from __future__ import annotations

import codecs
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import docx
import pypdf
from bs4 import BeautifulSoup, CData, NavigableString, Tag
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from lxml import etree
from pypdf.errors import (
    DependencyError,
    FileNotDecryptedError,
    LimitReachedError,
    PyPdfError,
)

__all__ = ["ALLOWED_EXTENSIONS", "MAX_UPLOAD_BYTES", "DocumentError", "ExtractedDocument", "extract_text", "sniff_kind"]

MAX_UPLOAD_BYTES: Final = 20 * 1024 * 1024
#: Lower-case, without the dot, as in Flask's upload examples.
ALLOWED_EXTENSIONS: Final = frozenset({"txt", "docx", "pdf", "html", "htm"})

_ACCEPTED: Final = "请上传 .txt、.docx、.pdf、.html 或 .htm 文件"
_FORMAT_OF_EXTENSION: Final = {"txt": "txt", "docx": "docx", "pdf": "pdf", "html": "html", "htm": "html"}

# A .docx is a zip: its declared sizes bound what python-docx will inflate (zipfile stops at the
# declared size and then checks the CRC), so checking them first stops zip bombs cheaply.
_MAX_DOCX_XML_BYTES: Final = 50 * 1000 * 1000
_MAX_DOCX_TOTAL_BYTES: Final = 200 * 1000 * 1000
_MAX_PDF_PAGES: Final = 500
# BeautifulSoup builds a Python object per tag (about 1.5 s and several hundred MB per 200 000
# tags); refuse markup that would tie up a worker for longer than that.
_MAX_HTML_TAGS: Final = 300_000
# Acrobat accepts a header anywhere in the first 1024 bytes (some servers prepend junk).
_PDF_HEADER_WINDOW: Final = 1024
# Share of control / private-use / replacement characters above which "text" is really binary;
# a handful is tolerated whatever the length, so one stray control code does not sink a short file.
_MAX_SUSPICIOUS_SHARE: Final = 0.01
_MAX_SUSPICIOUS_ANYWAY: Final = 4

_UTF8_BOM: Final = codecs.BOM_UTF8
_UTF16_BOMS: Final = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class DocumentError(ValueError):
    """Why a file cannot be used; `message` is Chinese for the person who uploaded it."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __reduce__(self) -> tuple[type[DocumentError], tuple[str, str, int]]:
        # The default would call DocumentError(message) and fail: keep it picklable for job queues.
        return (type(self), (self.code, self.message, self.status))

    def __repr__(self) -> str:
        return f"DocumentError({self.code!r}, {self.message!r}, status={self.status})"


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    """The normalised body text of an upload and what was learnt reading it."""

    text: str
    format: str  # "txt" | "docx" | "pdf" | "html"
    encoding: str | None  # for txt/html: "utf-8", "gb18030", "utf-16-le", ...; None for docx/pdf
    title: str | None


def extract_text(filename: str, data: bytes) -> ExtractedDocument:
    """Read an uploaded file; raise DocumentError (and nothing else) if it cannot be used."""
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DocumentError(
            "too_large",
            f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限（当前 {_megabytes(len(data))} MB），"
            "请压缩图片或拆分文件后重新上传",
            413,
        )
    extension = _extension(filename)
    fmt = _FORMAT_OF_EXTENSION.get(extension)
    if fmt is None:
        raise _unsupported_type(extension)
    if not data:
        raise DocumentError("empty", "文件是空的（0 字节），请检查文件后重新上传")
    extractor = _EXTRACTORS[fmt]
    try:
        document = extractor(data, extension)
    except (DocumentError, Warning):
        # A Warning only arrives here when warnings are errors (the test suite): that is a bug in
        # how this module calls a library, not a bad upload, so it must not be hidden as "corrupt".
        raise
    except Exception as exc:  # the libraries raise many unrelated types on malformed input
        raise DocumentError("corrupt", f"无法读取该 .{extension} 文件，文件可能已损坏，请重新导出后上传") from exc
    if not _has_real_text(document.text):
        raise DocumentError("empty", _EMPTY_MESSAGES[fmt])
    return document


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _megabytes(size: int) -> str:
    # Round up so that 20 MiB + 1 byte reads "20.1 MB", never "20.0 MB" next to a 20 MB limit.
    return f"{math.ceil(size * 10 / (1024 * 1024)) / 10:.1f}"


def _extension(filename: str) -> str:
    # Old browsers send the full client path ("C:\\Users\\...\\通知.docx").
    basename = re.split(r"[/\\]", filename or "")[-1].strip()
    _stem, dot, extension = basename.rpartition(".")
    # Clipped: the extension is quoted back in messages and a filename is attacker-controlled.
    return extension.strip().lower()[:16] if dot else ""


def _unsupported_message(extension: str) -> str:
    if not extension:
        return f"文件没有扩展名，无法判断格式，{_ACCEPTED}"
    if extension in ("doc", "dot"):
        return f"不支持旧版 Word（.{extension}）格式，请在 Word 或 WPS 中“另存为” .docx 后上传"
    if extension in ("wps", "wpt"):
        return f"不支持 WPS 文字（.{extension}）格式，请在 WPS 中“另存为” .docx 后上传"
    if extension == "ofd":
        return "不支持 OFD 版式文件，请导出为 PDF 或另存为 .docx 后上传"
    if extension in ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp"):
        return f"不支持图片（.{extension}）文件，{_ACCEPTED}（扫描件请先识别为文字）"
    return f"不支持 .{extension} 格式的文件，{_ACCEPTED}"


def _unsupported_type(extension: str) -> DocumentError:
    message = _unsupported_message(extension)
    if _ACCEPTED not in message:
        message += "（支持的格式：.txt、.docx、.pdf、.html、.htm）"
    # 422 like the other content problems (not 415): the upload API documents 413 and 422 only.
    return DocumentError("unsupported_type", message)


_EMPTY_MESSAGES: Final = {
    "txt": "文件中没有文字内容（只有空白字符或标点符号），请检查文件后重新上传",
    "html": "网页文件中没有正文文字，请检查文件后重新上传",
    "docx": "Word 文件中没有可读取的文字；如果内容是图片（扫描件），请上传带文字的版本",
    "pdf": "PDF 文件中没有可读取的文字",
}

# \r\n first, then lone \r, vertical tab / form feed (page breaks from Word exports), NEL and the
# Unicode line / paragraph separators: all are line ends, so dropping them would glue lines.
_LINE_BREAK_RE: Final = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Remaining C0/C1 controls, DEL and stray BOMs (from concatenated files) are never text.
_CONTROL_RE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
_BLANK_LINES_RE: Final = re.compile(r"\n{3,}")
_TRAILING_SPACE_RE: Final = re.compile(r"[^\S\n]+$", re.MULTILINE)
# \w covers CJK ideographs, letters and digits: a file of only punctuation or spaces is empty.
_REAL_TEXT_RE: Final = re.compile(r"[^\W_]")


def _normalise(text: str) -> str:
    # NFC only: NFKC would turn full-width punctuation and digits ("，", "（", "２０２４") into
    # ASCII, which Chinese text needs. NFC does map the dozen CJK compatibility ideographs that
    # have canonical equivalents (U+F900-U+FAFF) to their unified forms, which helps search.
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_SPACE_RE.sub("", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def _has_real_text(text: str) -> bool:
    return _REAL_TEXT_RE.search(text) is not None


_SPACE_RE: Final = re.compile(r"\s+")
# Titles sit at the top; wrapped or spaced differently on the page, so compare without spaces.
_TITLE_SEARCH_CHARS: Final = 10_000


def _appears_in(title: str, text: str) -> bool:
    # Word and PDF metadata titles are often stale: inherited from the template or from last
    # year's file that the clerk copied ("2023年工作要点"), or "文档1". Trust one only if the
    # document actually says it.
    return _SPACE_RE.sub("", title) in _SPACE_RE.sub("", text[:_TITLE_SEARCH_CHARS])


def _collapse_title(title: object) -> str | None:
    if not isinstance(title, str):
        return None
    title = " ".join(_normalise(title).split())
    return title or None


@contextmanager
def _quiet_parser_warnings() -> Iterator[None]:
    # pypdf (PdfReadWarning) and bs4 (XMLParsedAsHTMLWarning, MarkupResemblesLocatorWarning) warn
    # about the *file*; under "-W error" those would abort a perfectly readable upload. They are
    # all UserWarnings. DeprecationWarnings are about *our* code and are left alone on purpose.
    # catch_warnings() swaps process-wide state in Python 3.11; concurrent requests may briefly
    # share the filter, which only ever hides file warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# ---------------------------------------------------------------------------------------------
# What the bytes really are


_KIND_NAMES: Final = {
    "pdf": ("PDF 文件", ".pdf"),
    "docx": ("Word（.docx）文件", ".docx"),
    "xlsx": ("Excel（.xlsx）表格", None),
    "pptx": ("PowerPoint（.pptx）演示文稿", None),
    "ofd": ("OFD 版式文件", None),
    "zip": ("ZIP 压缩包", None),
    "ole": ("旧版 Office 文件（.doc/.xls/.wps 等）", None),
    "office_encrypted": ("设置了密码的 Office 文件", None),
    "rtf": ("RTF 文档", None),
    "html": ("网页（HTML）文件", ".html"),
    "png": ("PNG 图片", None),
    "jpeg": ("JPEG 图片", None),
    "gif": ("GIF 图片", None),
    "bmp": ("BMP 图片", None),
    "tiff": ("TIFF 图片", None),
    "webp": ("WebP 图片", None),
    "exe": ("可执行程序", None),
    "archive": ("压缩包", None),
}

_MAGIC: Final = (
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x7fELF", "exe"),
    (b"\x1f\x8b", "archive"),
    (b"Rar!\x1a\x07", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
)
_HTML_START_RE: Final = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)


def sniff_kind(data: bytes) -> str | None:
    """What a file is from its content (pdf, png, jpeg, docx, xlsx, …), or None when it may be text."""
    return _sniff(data)


def _sniff(data: bytes) -> str | None:
    """The kind of a binary file from its first bytes, or None when it may well be text."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if kind == "ole" and "EncryptedPackage".encode("utf-16-le") in data:
                # Word and WPS store a password-protected .docx as an OLE file with this stream.
                return "office_encrypted"
            return kind
    if data.startswith(b"MZ") and b"\x00" in data[:64]:  # "MZ" alone could start a text
        return "exe"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM") and len(data) > 14 and int.from_bytes(data[2:6], "little") == len(data):
        return "bmp"
    if _HTML_START_RE.match(data[:1024].removeprefix(_UTF8_BOM)):
        return "html"
    return None


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _spaced(name: str) -> str:
    # Chinese typesetting puts a space between a Chinese word and a Latin one: "不是 PDF 文件".
    return f" {name}" if name[:1].isascii() else name


def _type_mismatch(extension: str, expected: str, kind: str | None) -> DocumentError:
    if kind is None:
        return DocumentError("type_mismatch", f"文件扩展名为 .{extension}，但内容不是{_spaced(expected)}，请确认文件后重新上传")
    if kind == "office_encrypted" and extension == "docx":
        return DocumentError("encrypted", "该 Word 文件设置了打开密码，请在 Word 或 WPS 中取消密码后重新上传")
    name, proper_extension = _KIND_NAMES[kind]
    message = f"文件扩展名为 .{extension}，但内容是{_spaced(name)}"
    if kind == "html" and extension == "pdf":
        message += "（下载时可能保存成了网页），请重新下载 PDF 原文件后上传"
    elif kind == "ole":
        message += "，请在 Word 或 WPS 中“另存为” .docx 后上传"
    elif proper_extension is not None:
        message += f"，请将扩展名改为 {proper_extension} 后重新上传"
    else:
        message += f"，{_ACCEPTED}"
    return DocumentError("type_mismatch", message)


# ---------------------------------------------------------------------------------------------
# Text files (.txt, and the bytes of .html)

# Control characters (except tab/line ends/form feed and the DOS end-of-file ^Z), private-use
# code points (GBK's user-defined areas land here) and U+FFFD. A real text has almost none;
# binary bytes that happen to decode as GB18030 are full of them.
_SUSPICIOUS_RE: Final = re.compile(
    "[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x84\x86-\x9f\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]"
)


def _check_not_binary(data: bytes, extension: str, expected: str) -> None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # UTF-16 is full of NULs by design
    kind = _sniff(data)
    if kind is not None and kind != "html":
        raise _type_mismatch(extension, expected, kind)
    if b"\x00" in data:
        raise DocumentError(
            "type_mismatch", f"文件扩展名为 .{extension}，但内容含有二进制数据，不是{_spaced(expected)}；请确认上传的是正确的文件"
        )


def _decode(data: bytes, extension: str, expected: str, declared: str | None = None) -> tuple[str, str]:
    """The text and the encoding that decoded it strictly: BOM, declared, UTF-8, then GB18030."""
    if data.startswith(_UTF8_BOM):
        candidates: tuple[tuple[bytes, str], ...] = ((data[len(_UTF8_BOM):], "utf-8"),)
    else:
        candidates = tuple((data[len(bom):], name) for bom, name in _UTF16_BOMS if data.startswith(bom))
        if not candidates:
            # UTF-8 first: valid UTF-8 is almost never GBK by accident, the reverse often is.
            # GBK and GB2312 are subsets of GB18030, which also covers CJK Extension A/B (㐀, 𠀀).
            names = dict.fromkeys(name for name in (declared, "utf-8", "gb18030") if name)
            candidates = tuple((data, name) for name in names)
    for payload, encoding in candidates:
        try:
            text = payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        suspicious = len(_SUSPICIOUS_RE.findall(text))
        if suspicious > _MAX_SUSPICIOUS_ANYWAY and suspicious > len(text) * _MAX_SUSPICIOUS_SHARE:
            raise DocumentError(
                "type_mismatch",
                f"文件扩展名为 .{extension}，但内容看起来不是{_spaced(expected)}（含有大量控制字符），可能是其他格式的文件",
            )
        return text, encoding
    raise DocumentError(
        "undecodable",
        f"无法识别该 .{extension} 文件的文字编码（已尝试 UTF-8、GB18030），"
        "请用记事本或 WPS 将文件另存为 UTF-8 编码后重新上传",
    )


def _extract_txt(data: bytes, extension: str) -> ExtractedDocument:
    _check_not_binary(data, extension, "文本文件")
    text, encoding = _decode(data, extension, "文本文件")
    return ExtractedDocument(text=_normalise(text), format="txt", encoding=encoding, title=None)


# ---------------------------------------------------------------------------------------------
# HTML

_META_CHARSET_RE: Final = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([a-z0-9_.:-]+)", re.IGNORECASE)
_XML_ENCODING_RE: Final = re.compile(rb"\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([a-z0-9_.:-]+)", re.IGNORECASE)
# Chinese pages often put the <meta> after long <link>/<script> blocks; look further than the
# 1024 bytes of the HTML standard's prescan.
_CHARSET_WINDOW: Final = 16 * 1024
# WHATWG maps every GB label to the GB18030 decoder (pages labelled gb2312 routinely use GBK
# characters); a <meta> claiming UTF-16 cannot be true, so it means UTF-8. Other labels are not
# honoured: UTF-8 then GB18030 is the right guess for this city's files.
_CHARSET_LABELS: Final = {
    **dict.fromkeys(
        ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "chinese", "csgb2312",
         "csiso58gb231280", "gb_2312", "gb_2312-80", "iso-ir-58", "euc-cn"),
        "gb18030",
    ),
    **dict.fromkeys(("utf-8", "utf8", "unicode-1-1-utf-8", "utf-16", "utf-16le", "utf-16be"), "utf-8"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("iso-8859-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252"), "cp1252"),
}


def _declared_charset(data: bytes) -> str | None:
    head = data[:_CHARSET_WINDOW]
    match = _XML_ENCODING_RE.match(head) or _META_CHARSET_RE.search(head)
    if match is None:
        return None
    return _CHARSET_LABELS.get(match.group(1).decode("ascii").lower())


_DROPPED_TAGS: Final = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
_BLOCK_TAGS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p",
        "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "title", "tr", "ul",
    }
)
_CELL_TAGS: Final = frozenset({"td", "th"})
_HTML_SPACE_RE: Final = re.compile(r"[ \t\n\r\f]+")
_CJK: Final = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
# A source line break between two CJK characters is not a space (CSS Text 3, segment breaks):
# "为推动\n铝产业" is one phrase, unlike "policy\ntext".
_CJK_BREAK_RE: Final = re.compile(f"(?<=[{_CJK}])[ \t]*[\r\n][ \t\r\n]*(?=[{_CJK}])")
_LINE_END: Final = object()


def _collapse_html_space(text: str) -> str:
    return _HTML_SPACE_RE.sub(" ", _CJK_BREAK_RE.sub("", text))


def _html_text(root: Tag) -> str:
    # Iterative, so a page of 10 000 nested <div>s cannot hit the recursion limit. Line breaks go
    # only around block elements: get_text("\n") would split "申报<b>条件</b>" in three lines.
    parts: list[str] = []
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if node is _LINE_END:
            parts.append("\n")
        elif isinstance(node, Tag):
            if node.name in _DROPPED_TAGS:
                continue
            if node.name == "br":
                parts.append("\n")
                continue
            if node.name in _CELL_TAGS:
                parts.append("\t")
            elif node.name in _BLOCK_TAGS:
                parts.append("\n")
                stack.append(_LINE_END)
            if node.name == "pre":
                parts.append(node.get_text())
                continue
            stack.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, processing instructions
            parts.append(_collapse_html_space(str(node)))
    lines = (line.strip(" \t") for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _html_title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag):
            title = _collapse_title(_collapse_html_space(tag.get_text()))
            if title:
                return title
    return None


def _extract_html(data: bytes, extension: str) -> ExtractedDocument:
    _check_not_binary(data, extension, "网页文件")
    tags = data.count(b"<")
    if tags > _MAX_HTML_TAGS:
        raise DocumentError(
            "too_large",
            f"网页文件结构过于复杂（约 {tags} 个标签，上限 {_MAX_HTML_TAGS} 个），请另存为 .docx 或 PDF 后上传",
            413,
        )
    markup, encoding = _decode(data, extension, "网页文件", _declared_charset(data))
    with _quiet_parser_warnings():
        soup = BeautifulSoup(markup, "lxml")
        title = _html_title(soup)
        text = _html_text(soup)
    return ExtractedDocument(text=_normalise(text), format="html", encoding=encoding, title=title)


# ---------------------------------------------------------------------------------------------
# Word (.docx)

_W_P: Final = qn("w:p")
_W_TBL: Final = qn("w:tbl")
_W_TR: Final = qn("w:tr")
_W_TC: Final = qn("w:tc")
_W_SDT: Final = qn("w:sdt")
_W_SDT_CONTENT: Final = qn("w:sdtContent")
_W_T: Final = qn("w:t")
_W_TAB: Final = qn("w:tab")
# Runs anywhere in the paragraph: python-docx's Paragraph.text skips runs inside tracked
# insertions (w:ins), fields and smart tags. Deleted text is w:delText, so it stays out. Text
# boxes are skipped: Word stores each twice (mc:Choice and mc:Fallback).
_RUN_CONTENT: Final = etree.XPath(
    ".//w:r[not(ancestor::w:txbxContent)]/*[self::w:t or self::w:tab or self::w:br or self::w:cr]",
    namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"},
)
_TITLE_SCAN_PARAGRAPHS: Final = 20


def _paragraph_text(paragraph: etree._Element) -> str:
    pieces = []
    for node in _RUN_CONTENT(paragraph):
        if node.tag == _W_T:
            pieces.append(node.text or "")
        else:
            pieces.append("\t" if node.tag == _W_TAB else "\n")  # w:br and w:cr are line breaks
    return "".join(pieces)


def _block_lines(container: etree._Element) -> Iterator[str]:
    """One line per paragraph and per table row, in document order."""
    for child in container.iterchildren():
        if child.tag == _W_P:
            yield _paragraph_text(child)
        elif child.tag == _W_TBL:
            yield from _table_lines(child)
        elif child.tag == _W_SDT:  # content controls wrap ordinary paragraphs and tables
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from _block_lines(content)


def _cells(row: etree._Element) -> Iterator[etree._Element]:
    for child in row.iterchildren():
        if child.tag == _W_TC:
            yield child
        elif child.tag == _W_SDT:
            for content in child.iterchildren(_W_SDT_CONTENT):
                yield from content.iterchildren(_W_TC)


def _table_lines(table: etree._Element) -> Iterator[str]:
    # Policies put their criteria in tables, so a row stays one line with tab-separated cells.
    # Working on w:tc (not python-docx's cell grid) writes a horizontally merged cell once.
    for row in table.iterchildren(_W_TR):
        cells = [" ".join(line.strip() for line in _block_lines(cell) if line.strip()) for cell in _cells(row)]
        if any(cells):
            yield "\t".join(cells)


def _docx_title(document: DocxDocument, text: str) -> str | None:
    try:
        # Without this part python-docx invents one titled "Word Document".
        document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
    except KeyError:
        pass
    else:
        title = _collapse_title(document.core_properties.title)
        if title and _appears_in(title, text):
            return title
    style_names = {style.style_id: (style.name or "").lower() for style in document.styles}
    seen = 0
    for paragraph in document.element.body.iterchildren(_W_P):
        text = _collapse_title(_paragraph_text(paragraph))
        if not text:
            continue
        style = style_names.get(paragraph.style or "", "")
        # A "Title" paragraph near the top is the title; a heading only if it opens the document,
        # because otherwise it is the first section heading ("一、总体要求").
        if style == "title" or (seen == 0 and style.startswith("heading")):
            return text
        seen += 1
        if seen >= _TITLE_SCAN_PARAGRAPHS:
            break
    return None


def _extract_docx(data: bytes, extension: str) -> ExtractedDocument:
    if not data.startswith(b"PK\x03\x04"):
        raise _type_mismatch(extension, "Word（.docx）文件", _sniff(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DocumentError("corrupt", "Word 文件已损坏（压缩结构不完整），可能上传或下载不完整，请重新保存后上传") from exc
    sizes = {member.filename: member.file_size for member in members}
    if "word/document.xml" not in sizes:
        raise _type_mismatch(extension, "Word（.docx）文件", _sniff_zip(data))
    if sizes["word/document.xml"] > _MAX_DOCX_XML_BYTES or sum(sizes.values()) > _MAX_DOCX_TOTAL_BYTES:
        raise DocumentError(
            "too_large",
            f"Word 文件解压后内容过大（正文超过 {_MAX_DOCX_XML_BYTES // 1000_000} MB 或全部内容超过 "
            f"{_MAX_DOCX_TOTAL_BYTES // 1000_000} MB），可能是异常文件；请拆分文档或重新保存后上传",
            413,
        )
    try:
        with _quiet_parser_warnings():
            document = docx.Document(io.BytesIO(data))
            text = _normalise("\n".join(_block_lines(document.element.body)))
            title = _docx_title(document, text)
    except Warning:
        raise  # see extract_text: a warning-as-error is a bug here, not a broken file
    except Exception as exc:  # python-docx: KeyError, ValueError, lxml XMLSyntaxError, BadZipFile, ...
        raise DocumentError("corrupt", "Word 文件已损坏或格式不正确，无法读取，请在 Word 或 WPS 中重新保存为 .docx 后上传") from exc
    return ExtractedDocument(text=text, format="docx", encoding=None, title=title)


# ---------------------------------------------------------------------------------------------
# PDF

# Placeholders that PDF producers write when the author gave no title.
_PLACEHOLDER_PDF_TITLES: Final = frozenset({"untitled", "无标题", "unknown", "title"})
_WORD_PRINTER_PREFIX_RE: Final = re.compile(r"^Microsoft Word - ")
_WORD_SUFFIX_RE: Final = re.compile(r"\.docx?$", re.IGNORECASE)


def _pdf_title(reader: pypdf.PdfReader, text: str) -> str | None:
    try:
        metadata = reader.metadata
        raw = metadata.title if metadata is not None else None
    # A broken /Info dictionary should not cost the body text.
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, UnicodeError):
        return None
    title = _collapse_title(raw)
    if title is None:
        return None
    # PDF printers title a Word export "Microsoft Word - 通知.docx".
    title = _WORD_SUFFIX_RE.sub("", _WORD_PRINTER_PREFIX_RE.sub("", title)).strip()
    if not title or title.lower() in _PLACEHOLDER_PDF_TITLES or not _appears_in(title, text):
        return None
    return title


def _encrypted(detail: str) -> DocumentError:
    return DocumentError("encrypted", f"该 PDF 文件已加密{detail}，无法读取文字，请取消密码保护后重新上传")


def _extract_pdf(data: bytes, extension: str) -> ExtractedDocument:
    start = data.find(b"%PDF-", 0, _PDF_HEADER_WINDOW)
    if start < 0:
        raise _type_mismatch(extension, "PDF 文件", _sniff(data))
    try:
        with _quiet_parser_warnings():
            # Offsets inside the file count from the header, so cut any junk in front of it.
            reader = pypdf.PdfReader(io.BytesIO(data[start:]), strict=False)
            # pypdf has already tried the empty password, which opens "no copying" style files.
            if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                raise _encrypted("（需要打开密码）")
            page_count = len(reader.pages)
            if page_count == 0:  # no producer writes such a file; pypdf says 0 when the page tree is broken
                raise DocumentError("corrupt", "PDF 文件中找不到任何页面，文件可能已损坏，请重新导出 PDF 后上传")
            if page_count > _MAX_PDF_PAGES:
                raise DocumentError(
                    "too_many_pages",
                    f"PDF 文件共 {page_count} 页，超过 {_MAX_PDF_PAGES} 页上限，请拆分后分别上传",
                )
            text = _normalise("\n\n".join(page.extract_text() or "" for page in reader.pages))
            title = _pdf_title(reader, text)
    except DocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise _encrypted("（需要打开密码）") from exc
    except DependencyError as exc:  # AES without the optional crypto package
        raise _encrypted("（本系统暂不支持该加密方式）") from exc
    except LimitReachedError as exc:  # decompression bombs, but also absurd values in a damaged file
        raise DocumentError(
            "corrupt", "PDF 文件结构异常（部分数据超出处理上限），可能已损坏，请重新导出 PDF 后上传"
        ) from exc
    except Warning:
        raise  # see extract_text: a warning-as-error is a bug here, not a broken file
    except Exception as exc:  # pypdf: PdfReadError, PdfStreamError, KeyError, ValueError, ...
        raise DocumentError("corrupt", "PDF 文件已损坏或不完整（可能上传或下载中断），请重新导出 PDF 后上传") from exc
    if not _has_real_text(text):
        raise DocumentError(
            "no_text_layer", "未能从 PDF 中读取文字，可能是扫描件，请上传带文字层的 PDF 或 Word 文件"
        )
    return ExtractedDocument(text=text, format="pdf", encoding=None, title=title)


_EXTRACTORS: Final[dict[str, Callable[[bytes, str], ExtractedDocument]]] = {
    "txt": _extract_txt,
    "html": _extract_html,
    "docx": _extract_docx,
    "pdf": _extract_pdf,
}
