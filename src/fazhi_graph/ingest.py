"""Ingest: turn a file on disk into a :class:`~fazhi_graph.model.Document`.

Reports arrive as UTF-8, GB18030/GBK, Big5 or UTF-16 text, Markdown, saved web pages,
Word files and PDFs. Everything later in the pipeline quotes ``Document.text`` by offset,
so this stage decides once what "the original" is: the decoded text with line endings
normalised to ``\\n`` (and, for HTML/DOCX/PDF, the extracted text). Bad inputs fail here
with an :class:`IngestError` that names the file and says what is wrong, instead of
turning into an empty or garbled bureau further down.

Cue words (page-chrome markers, rule-of-law vocabulary) live in
``ontology/lexicon/ingest.ttl``; this module holds only structure.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import io
import logging
import os
import re
import stat
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from . import textnorm
from .model import Document
from .ontology import lexicon, lexicon_patterns

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IngestError",
    "SUPPORTED_SUFFIXES",
    "chrome_spans",
    "iter_input_files",
    "looks_like_report",
    "read_document",
]

#: Files larger than this are refused (bounded memory). Override per call with
#: ``read_document(path, max_bytes=…)`` or for a whole run with ``$FAZHI_MAX_INPUT_MB``.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

TEXT_SUFFIXES = (".txt", ".text")
MD_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + MD_SUFFIXES + HTML_SUFFIXES + (".docx", ".pdf")

#: Written by our own writers into output folders so directory expansion skips them.
OUTPUT_MARKER = ".fazhi-graph-output"

MT_TEXT = "text/plain"
MT_MD = "text/markdown"
MT_HTML = "text/html"
MT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MT_PDF = "application/pdf"


class IngestError(Exception):
    """A file that cannot become a Document. ``str(e)`` is ``"PATH: reason"``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


# --------------------------------------------------------------------------- sniffing

# (magic bytes, offset, description). Checked before any decoding: a PNG renamed
# .txt must be reported as a PNG, not as "cannot decode".
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"WEBP", 8, "WebP image"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x7fELF", 0, "executable"),
    (b"MZ", 0, "Windows executable"),
    (b"\x00\x00\x01\x00", 0, "icon image"),
    (b"ftyp", 4, "video/audio file"),
    (b"ID3", 0, "MP3 audio"),
)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.wps, encrypted Office files
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _magic_kind(head: bytes) -> str | None:
    for magic, off, what in _MAGIC:
        if head[off : off + len(magic)] == magic:
            if what == "Windows executable" and b"\x00" not in head[:256]:
                continue  # a text that happens to start with "MZ"
            return what
    return None


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_DECODE_FAIL = "cannot decode text: not UTF-8/GB18030/Big5/UTF-16"

# Canonical names for what charset-normalizer reports; GBK/GB2312 are subsets of GB18030,
# so decoding with GB18030 never loses a character they could encode.
_CANON = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz": "gb18030",
    "big5": "big5",
    "big5hkscs": "big5hkscs",
    "cp950": "big5",
    "utf_16": "utf-16",
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
}


def _plausible(text: str) -> float:
    """Share of characters that occur in Chinese prose (CJK, ASCII, CJK punctuation…)."""
    if not text:
        return 0.0
    sample = text[:20000]
    good = 0
    for ch in sample:
        o = ord(ch)
        if (
            0x20 <= o < 0x7F
            or ch in "\n\r\t"
            or 0x4E00 <= o <= 0x9FFF
            or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF
            or 0x2000 <= o <= 0x206F
            or 0x3400 <= o <= 0x4DBF
            or o in (0xB7, 0xD7, 0xA0, 0xB0)
        ):
            good += 1
    return good / len(sample)


def _decode_utf16_nobom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM: try both byte orders, keep one that reads as prose."""
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _plausible(text)
        if score > 0.95 and (best is None or score > best[0]):
            best = (score, text, enc)
    return (best[1], best[2]) if best else None


def _declared_html_charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", data[:4096], re.I)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower().replace("-", "").replace("_", "")
    return {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5", "big5hkscs": "big5hkscs"}.get(
        name
    )


def _decode(data: bytes, path: str, *, html: bool = False) -> tuple[str, str]:
    """Bytes → (text, encoding name). BOM, strict UTF-8, declared HTML charset, then detection."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise IngestError(path, f"{_DECODE_FAIL} (has a {enc.upper()} byte-order mark but invalid bytes)")
            return text, enc
    if b"\x00" in data:
        got = _decode_utf16_nobom(data)
        if got:
            return got
        raise IngestError(path, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if html:
        declared = _declared_html_charset(data)
        if declared:
            try:
                return data.decode(declared), declared
            except UnicodeDecodeError:
                pass
    from charset_normalizer import from_bytes

    sample = data if len(data) <= 1 << 20 else data[: 1 << 20]
    matches = from_bytes(sample, cp_isolation=["gb18030", "big5", "utf_16"])
    # A 1 MB sample may end inside a multi-byte character; retry a shorter cut.
    if not len(matches) and sample is not data:
        for cut in (1, 2, 3):
            matches = from_bytes(sample[:-cut], cp_isolation=["gb18030", "big5", "utf_16"])
            if len(matches):
                break
    ordered = sorted(matches, key=lambda m: (m.chaos, -m.coherence, m.encoding))
    for m in ordered:
        enc = _CANON.get(m.encoding.lower(), m.encoding.lower())
        if enc == "big5":
            # Big5-HKSCS is a superset: same bytes, more characters (e.g. Hong Kong place names).
            candidates = ("big5", "big5hkscs")
        else:
            candidates = (enc,)
        for c in candidates:
            try:
                text = data.decode(c)
            except (UnicodeDecodeError, LookupError):
                continue
            if _plausible(text) >= 0.9:
                return text, c
    raise IngestError(path, _DECODE_FAIL)


_LATIN_MOJIBAKE = re.compile("[\u00c0-\u00ff\u0080-\u009f]")
_CJK = re.compile("[\u4e00-\u9fff]")


def _check_mojibake(text: str, path: str) -> None:
    """Refuse text that was decoded with the wrong codec before it reached us."""
    sample = text[:200000]
    n = max(len(sample), 1)
    latin = len(_LATIN_MOJIBAKE.findall(sample))
    cjk = len(_CJK.findall(sample))
    if latin > 20 and latin > cjk and latin / n > 0.05:
        raise IngestError(path, "text looks like mojibake (Chinese UTF-8/GBK bytes decoded as Latin-1/CP1252)")
    repl = sample.count("\ufffd")
    if repl > 20 and repl / n > 0.01:
        raise IngestError(path, f"text looks like mojibake ({repl} U+FFFD replacement characters)")
    norm_sample = textnorm.normalize(sample)
    hits = sum(norm_sample.count(m) for m in lexicon("ingest-mojibake-markers"))
    if hits >= 2:
        raise IngestError(path, "text looks like mojibake (UTF-8 decoded as GBK and saved again)")


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# --------------------------------------------------------------------------- page chrome


@lru_cache(maxsize=1)
def _chrome_rules() -> tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], re.Pattern[str]]:
    labels = lexicon("ingest-chrome-labels")
    label_re = "|".join(re.escape(t) for t in labels)
    line_res = [f"^({label_re})\\s*[:：]"] + list(lexicon_patterns("ingest-chrome-lines"))
    markers = tuple(t.lower() for t in lexicon("ingest-chrome-markers"))
    footers = tuple(t.lower() for t in lexicon("ingest-footer-markers"))
    return re.compile("|".join(f"(?:{p})" for p in line_res)), markers, footers, re.compile(r"^[\W_]*$")


_CHROME_MAX_LINE = 200  # a long paragraph that mentions 网站地图 is still content


_BULLETS = re.compile(r"^[\s•·●◆■▪►>*|\-]+")


def _is_chrome_line(norm_line: str) -> bool:
    line = _BULLETS.sub("", norm_line).strip()
    if not line:
        return False
    if len(line) > _CHROME_MAX_LINE:
        return False
    line_re, markers, _, _ = _chrome_rules()
    if line_re.search(line):
        return True
    low = line.lower()
    return any(m in low for m in markers)


def chrome_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of whole lines of ``text`` that are web-page chrome (breadcrumbs, 索引号 tables,
    share/print widgets, footers), including the trailing newline.

    HTML input has these removed already; a page saved as plain text (like seed 001) keeps
    them so offsets stay true to the file, and later stages can skip these spans instead."""
    norm = textnorm.normalize(text)
    lines = norm.split("\n")
    flags = _chrome_flags(lines)
    spans: list[tuple[int, int]] = []
    pos = 0
    for line, is_chrome in zip(lines, flags):
        end = pos + len(line) + 1
        if is_chrome:
            stop = min(end, len(text))
            if spans and spans[-1][1] == pos:
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((pos, stop))
        pos = end
    return spans


def _chrome_flags(norm_lines: list[str]) -> list[bool]:
    """Per line: is it chrome? Also cuts the site footer: from the first footer marker in the
    last part of the page, the rest is chrome if it holds no real paragraph."""
    flags = [_is_chrome_line(x) for x in norm_lines]
    _, _, footers, punct_only = _chrome_rules()
    n = len(norm_lines)
    content_idx = [i for i, x in enumerate(norm_lines) if x.strip() and not flags[i]]
    if not content_idx:
        return flags
    # Footer: first footer-marker line after which no long content line follows.
    # Suffix counts in one backward pass keep this linear on pages with many lines.
    after_count = [0] * (n + 1)
    after_max = [0] * (n + 1)
    for j in range(n - 1, -1, -1):
        s = norm_lines[j].strip()
        is_content = bool(s) and not flags[j]
        after_count[j] = after_count[j + 1] + is_content
        after_max[j] = max(after_max[j + 1], len(s) if is_content else 0)
    median_content = content_idx[len(content_idx) // 2]
    for i in range(median_content, n):
        if not flags[i] or not any(f in norm_lines[i].lower() for f in footers):
            continue
        if after_count[i + 1] <= 12 and after_max[i + 1] <= 40:
            for j in range(i, n):
                if norm_lines[j].strip():
                    flags[j] = True
            break
    # Widget leftovers: lines of only punctuation/symbols ("|", "·", "> >") next to chrome.
    for i in range(n):
        s = norm_lines[i].strip()
        if s and not flags[i] and punct_only.match(s) and len(s) <= 10:
            flags[i] = True
    return flags


def _drop_chrome_lines(text: str) -> str:
    lines = text.split("\n")
    norm_lines = textnorm.normalize(text).split("\n")
    flags = _chrome_flags(norm_lines)
    kept = [line for line, f in zip(lines, flags) if not f]
    return _squeeze_blank_lines("\n".join(kept))


def _squeeze_blank_lines(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


# --------------------------------------------------------------------------- HTML

_DROP_TAGS = (
    "script",
    "style",
    "iframe",
    "noscript",
    "nav",
    "template",
    "svg",
    "canvas",
    "object",
    "embed",
    "head",
    "select",
    "button",
    "textarea",
    "input",
    "map",
    "audio",
    "video",
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure "
    "form h1 h2 h3 h4 h5 h6 hgroup hr html li main menu ol p pre section summary table tbody tfoot thead tr ul "
    "caption header footer legend".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_WS = re.compile(r"[ \t\n\r\f\v]+")
_CJK_CLASS = "[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
# A source-code line break between two Chinese characters is layout, not a space.
_WS_NL_CJK = re.compile(f"(?<={_CJK_CLASS})[ \\t\\r\\f\\v]*\\n[ \\t\\n\\r\\f\\v]*(?={_CJK_CLASS})")


def _inside(node, tags: tuple[str, ...]) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in tags:
            return True
        p = p.parent
    return False


def _class_tokens(node) -> set[str]:
    attrs = node.attributes or {}
    raw = " ".join(str(attrs.get(k) or "") for k in ("class", "id"))
    return {t for t in re.split(r"[\s\-_]+", raw.lower()) if t}


def _html_to_text(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for tag in _DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    for tag in ("header", "footer"):
        # <header> inside <article> holds the report's title: keep it.
        for node in tree.css(tag):
            if not _inside(node, ("article", "main")):
                node.decompose()
    for node in tree.css("[hidden], [aria-hidden=true]"):
        node.decompose()
    for node in tree.css("[style]"):
        style = (node.attributes.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "visibility:hidden" in style:
            node.decompose()
    body = tree.body or tree.root
    if body is None:
        return ""
    total = len(body.text(deep=True, separator=""))
    chrome_classes = set(lexicon("ingest-html-chrome-classes"))
    for node in body.css("div, ul, ol, p, span, section, aside, table, td, dl"):
        if _class_tokens(node) & chrome_classes:
            size = len(node.text(deep=True, separator=""))
            # A wrapper named e.g. "main-nav-content" that holds the report must survive.
            if size <= 2000 and size <= 0.3 * max(total, 1):
                node.decompose()
    return _render_blocks(body)


def _render_blocks(root) -> str:
    """Text with one line per block element and one tab between table cells.

    Iterative walk: government CMS pages nest tables 40 levels deep."""
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(root, False)]
    pre_depth = 0
    while stack:
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag == "pre":
                pre_depth -= 1
            if tag in _BLOCK_TAGS:
                out.append("\n")
            elif tag in _CELL_TAGS:
                out.append("\t")
            continue
        if tag == "-text":
            t = node.text_content or ""
            if not pre_depth:
                t = _WS_NL_CJK.sub("", t)
                t = _WS.sub(" ", t)
            out.append(t)
            continue
        if tag in ("_comment", "-comment", "!doctype"):
            continue
        if tag == "br":
            out.append("\n")
            continue
        if tag in _BLOCK_TAGS:
            out.append("\n")
        if tag == "pre":
            pre_depth += 1
        stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        for c in reversed(children):
            stack.append((c, False))
    text = "".join(out)
    lines = []
    for line in text.split("\n"):
        line = line.strip(" \t\u3000\u00a0")
        line = re.sub(r"[ \t]*\t[ \t]*", "\t", line)
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- DOCX


def _docx_to_text(data: bytes, path: str, max_bytes: int) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        info = zf.getinfo("word/document.xml")
    except KeyError:
        raise IngestError(path, "not a valid .docx (ZIP archive without word/document.xml)")
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(path, "not a valid .docx (truncated or corrupt)")
    if info.file_size > 8 * max_bytes:  # zip bomb guard: bounded memory
        raise IngestError(path, f"document too large once unpacked ({info.file_size} bytes)")
    try:
        import docx
        from docx.oxml.ns import qn

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _docx_blocks(document.element.body, document, lines, qn)
    except IngestError:
        raise
    except Exception:
        raise IngestError(path, "not a valid .docx (truncated or corrupt)")
    return "\n".join(lines)


def _docx_blocks(container, document, lines: list[str], qn) -> None:
    """Paragraphs and tables in document order (python-docx lists them separately)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, document).text.replace("\r", ""))
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
                lines.append("\t".join(cells))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _docx_blocks(content, document, lines, qn)


# --------------------------------------------------------------------------- PDF


def _pdf_to_text(data: bytes, path: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise IngestError(path, "PDF is encrypted (password required)")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, Exception):
        raise IngestError(path, "not a valid PDF (truncated or corrupt)")
    text = "\n\n".join(p.strip("\n") for p in pages)
    visible = re.sub(r"\s+", "", text)
    if len(visible) < 20 * max(1, min(len(pages), 3)) and len(visible) < 50:
        raise IngestError(path, "PDF has no text layer (scanned image?)")
    odd = sum(1 for ch in visible[:20000] if ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF)
    if odd / max(len(visible[:20000]), 1) > 0.2:
        raise IngestError(path, "PDF text layer is not readable (fonts without a Unicode map)")
    line_re, _, _, _ = _chrome_rules()
    page_no = re.compile(r"^[-—–－]\s*\d{1,4}\s*[-—–－]$")
    out_pages = []
    for page in pages:
        kept = [
            x.rstrip()
            for x in page.strip("\n").split("\n")
            if not page_no.match(x.strip()) and not line_re.match(textnorm.normalize(x.strip()))
        ]
        out_pages.append("\n".join(_reflow(kept)))
    return "\n\n".join(out_pages)


_SENTENCE_END = tuple("。！？；：!?;:")


@lru_cache(maxsize=1)
def _heading_start() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in lexicon_patterns("ingest-heading-start")))


def _width(line: str) -> int:
    """Visual width in half-em units: ASCII letters/digits are half as wide as Chinese characters."""
    return sum(1 if ch.isascii() else 2 for ch in line.strip())


def _reflow(lines: list[str]) -> list[str]:
    """Re-join paragraphs that the PDF broke at the right margin.

    A line exactly as wide as the page's usual full line, not ending a sentence, continues
    on the next line unless that one starts with a heading number. Wider or narrower lines
    (titles, headings, last lines of paragraphs) end where they are. Pages whose lines do
    not share a common full width (lists, tables, one-line paragraphs) are left alone."""
    widths = [_width(x) for x in lines]
    counts: dict[int, int] = {}
    for w in widths:
        if w >= 20:
            counts[w] = counts.get(w, 0) + 1

    def near(w: int) -> int:
        return sum(counts.get(w + d, 0) for d in (-1, 0, 1))

    if not counts:
        return lines
    full = max(sorted(counts), key=lambda w: (near(w), w))
    if near(full) < 3:
        return lines
    out: list[str] = []
    joining = False
    for line, w in zip(lines, widths):
        stripped = line.strip()
        if joining and stripped and not _heading_start().match(stripped):
            prev = out[-1]
            sep = " " if prev[-1:].isascii() and prev[-1:].isalnum() and stripped[:1].isascii() else ""
            out[-1] = prev + sep + stripped
        else:
            out.append(line)
        joining = bool(stripped) and abs(w - full) <= 1 and not stripped.endswith(_SENTENCE_END)
    return out


# --------------------------------------------------------------------------- read_document


def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    env = os.environ.get("FAZHI_MAX_INPUT_MB")
    if env:
        try:
            return int(float(env) * 1024 * 1024)
        except ValueError:
            pass
    return DEFAULT_MAX_BYTES


def _read_bytes(p: Path, limit: int) -> bytes:
    path = str(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise IngestError(path, "no such file")
    except PermissionError:
        raise IngestError(path, "permission denied")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError(path, "symlink loop")
        raise IngestError(path, f"cannot read: {exc.strerror or exc}")
    if stat.S_ISDIR(st.st_mode):
        raise IngestError(path, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(path, "not a regular file")
    if st.st_size > limit:
        raise IngestError(path, f"file too large ({st.st_size:,} bytes; limit {limit:,} bytes)")
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise IngestError(path, "permission denied")
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}")
    if len(data) > limit:  # grew while we looked
        raise IngestError(path, f"file too large (more than {limit:,} bytes)")
    return data


def _looks_like_html(text: str) -> bool:
    """Web-page source saved under another extension (.txt, .doc, .pdf …)."""
    head = text[:8192].lstrip("\ufeff \t\r\n").lower()
    if not head.startswith("<"):
        return False
    if head.startswith(("<!doctype html", "<html")):
        return True
    return bool(re.search(r"<(html|body|div|p|table)[\s>]", head))


def read_document(path: str | Path, *, max_bytes: int | None = None) -> Document:
    """Read one input file (txt/md/html/docx/pdf) into a Document, or raise IngestError.

    The format is taken from the content first (a PDF named .txt is a PDF, a PNG named
    .txt is refused as an image) and from the extension second."""
    p = Path(path)
    source = str(path)
    limit = _max_bytes(max_bytes)
    data = _read_bytes(p, limit)
    if not data.strip():
        raise IngestError(source, "empty file")
    digest = hashlib.sha256(data).hexdigest()
    suffix = p.suffix.lower()
    head = data[:1024]

    if b"%PDF-" in head:
        text, enc, media = _pdf_to_text(data, source), "pdf", MT_PDF
    elif data.startswith(_ZIP):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = None
        if names is not None and "word/document.xml" not in names and suffix != ".docx":
            raise IngestError(source, "binary file (looks like ZIP archive)")
        if names is None and suffix != ".docx":
            raise IngestError(source, "binary file (looks like a truncated ZIP archive)")
        text, enc, media = _docx_to_text(data, source, limit), "docx", MT_DOCX
    elif data.startswith(_OLE):
        raise IngestError(source, "legacy Office file (.doc/.wps, or password-protected .docx): save it as .docx")
    elif suffix == ".docx":
        raise IngestError(source, "not a valid .docx (truncated or corrupt)")
    elif suffix == ".pdf" and not data.lstrip()[:1] == b"<":
        raise IngestError(source, "not a valid PDF (no %PDF header)")
    else:
        kind = _magic_kind(head)
        if kind:
            raise IngestError(source, f"binary file (looks like {kind})")
        if head.lstrip().startswith(b"{\\rtf"):
            raise IngestError(source, "RTF is not supported: save it as .docx or .txt")
        is_html_ext = suffix in HTML_SUFFIXES
        text, enc = _decode(data, source, html=is_html_ext or data[:1024].lstrip().startswith(b"<"))
        _check_mojibake(text, source)
        text = _newlines(text)
        if is_html_ext or (suffix not in MD_SUFFIXES and _looks_like_html(text)):
            text, media = _html_to_text(text), MT_HTML
            text = _drop_chrome_lines(text) if text.strip() else text
        elif suffix in MD_SUFFIXES:
            media = MT_MD
        else:
            media = MT_TEXT

    text = _newlines(text)
    if not text.strip():
        raise IngestError(source, "empty file" if media in (MT_TEXT, MT_MD) else "no text found in document")
    return Document(
        source=source, text=text, encoding=enc, media_type=media, sha256=digest, norm=textnorm.normalize(text)
    )


# --------------------------------------------------------------------------- looks_like_report

_MIN_HITS = 8  # absolute rule-of-law cue words
_MIN_DENSITY = 4.0  # per 1,000 characters, with a report-genre word in the opening
_STRONG_DENSITY = 12.0  # without a genre word
_STRONG_HITS = 40
_HEAD_CHARS = 600
_SAMPLE_CHARS = 400_000


@lru_cache(maxsize=1)
def _report_res() -> tuple[re.Pattern[str], tuple[str, ...]]:
    cues = lexicon("ingest-report-cues")
    return re.compile("|".join(re.escape(t) for t in cues)), lexicon("ingest-report-genre")


def looks_like_report(doc: Document) -> tuple[bool, str]:
    """Cheap check that a document is a rule-of-law (annual work) report.

    Counts rule-of-law cue words per 1,000 characters and looks for a report-genre word
    (工作报告, 情况报告, 报告如下 …) near the top, so a news item or a recipe is named
    "not a rule-of-law report" instead of becoming a bureau in the graph."""
    norm = doc.norm or textnorm.normalize(doc.text)
    sample = norm[:_SAMPLE_CHARS]
    chars = len(re.sub(r"\s+", "", sample))
    if chars == 0:
        return False, "not a rule-of-law report: no text"
    cue_re, genre_terms = _report_res()
    hits = len(cue_re.findall(sample))
    density = hits * 1000 / chars
    head = re.sub(r"\s+", "", sample[:_HEAD_CHARS])
    genre = next((g for g in genre_terms if g in head), None)
    stats = f"{hits} rule-of-law cue words, {density:.1f} per 1,000 characters"
    if genre and hits >= _MIN_HITS and density >= _MIN_DENSITY:
        return True, f"rule-of-law report: {stats}; report word {genre!r} near the top"
    if hits >= _STRONG_HITS and density >= _STRONG_DENSITY:
        return True, f"rule-of-law report: {stats} (no report word near the top)"
    why = "no report word near the top" if not genre else "too few rule-of-law words"
    return False, f"not a rule-of-law report: {stats}; {why}"


# --------------------------------------------------------------------------- iter_input_files


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")  # ~$ = Word lock files


def iter_input_files(
    paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = ()
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and directories into the list of input files to read.

    Directories are walked recursively in sorted order (deterministic runs), following
    symlinks; a symlink that points back to one of its own ancestors is reported as a
    loop instead of recursing forever. Hidden files, Word lock files (~$…), files with
    unsupported extensions and our own output folders (``exclude``, ``./output`` and any
    folder holding a ``.fazhi-graph-output`` marker) are skipped inside directories; a
    file named explicitly is always returned, unless it lies in a folder of ``exclude``
    (a build never reads its own output folder, however the file was named or linked).
    Returns ``(files, errors)``."""
    files: list[Path] = []
    errors: list[tuple[Path, str]] = []
    seen_files: set[str] = set()
    excluded_files = tuple(os.path.join(os.path.realpath(str(x)), "") for x in exclude)
    excluded = {os.path.realpath(str(x)) for x in exclude}
    excluded.add(os.path.realpath("output"))

    def add_file(p: Path, real: str | None = None) -> None:
        # ``real``: the caller knows the real path (a plain file in a resolved folder),
        # which spares a realpath() per file (≈ 40 µs: one lstat per path component)
        key = real or os.path.realpath(p)
        if key not in seen_files and not key.startswith(excluded_files):
            seen_files.add(key)
            files.append(p)

    def walk(d: Path, ancestors: tuple[str, ...]) -> None:  # ancestors[-1] is realpath(d)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except PermissionError:
            errors.append((d, "permission denied (cannot list directory)"))
            return
        except OSError as exc:
            errors.append((d, f"cannot list directory: {exc.strerror or exc}"))
            return
        for e in entries:
            if _is_hidden(e.name):
                continue
            p = Path(e.path)
            try:
                st = os.stat(p)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    errors.append((p, "symlink loop"))
                elif e.is_symlink():
                    errors.append((p, "broken symlink"))
                elif isinstance(exc, PermissionError):
                    errors.append((p, "permission denied"))
                else:
                    errors.append((p, f"cannot stat: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                real = os.path.realpath(p)
                if real in ancestors:
                    errors.append((p, "symlink loop"))
                    continue
                if real in excluded or os.path.exists(os.path.join(p, OUTPUT_MARKER)):
                    continue
                walk(p, ancestors + (real,))
            elif stat.S_ISREG(st.st_mode):
                if p.suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                if not os.access(p, os.R_OK):
                    errors.append((p, "permission denied"))
                    continue
                add_file(p, None if e.is_symlink() else os.path.join(ancestors[-1], e.name))

    for raw in paths:
        p = Path(raw)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            errors.append((p, "broken symlink" if os.path.islink(p) else "no such file or directory"))
            continue
        except PermissionError:
            errors.append((p, "permission denied"))
            continue
        except OSError as exc:
            errors.append((p, "symlink loop" if exc.errno == errno.ELOOP else f"cannot stat: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            if not os.access(p, os.R_OK | os.X_OK):
                errors.append((p, "permission denied (cannot list directory)"))
                continue
            walk(p, (os.path.realpath(p),))
        elif stat.S_ISREG(st.st_mode):
            if not os.access(p, os.R_OK):
                errors.append((p, "permission denied"))
                continue
            add_file(p)
        else:
            errors.append((p, "not a regular file"))
    return files, errors
