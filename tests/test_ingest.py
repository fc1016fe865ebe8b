"""Tests for fazhi_graph.ingest: decoding, format detection, page chrome, bad inputs, file discovery."""

from __future__ import annotations

import codecs
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from fazhi_graph import textnorm
from fazhi_graph.ingest import (
    MT_DOCX,
    MT_HTML,
    MT_MD,
    MT_PDF,
    MT_TEXT,
    OUTPUT_MARKER,
    IngestError,
    chrome_spans,
    iter_input_files,
    looks_like_report,
    read_document,
)

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures" / "ingest"
SEEDS = sorted((HERE.parent / "seeds").glob("*.txt"))
sys.path.insert(0, str(HERE / "fixtures"))
import make_fixtures  # noqa: E402

REPORT = (FIX / "sifaju_report.txt").read_text(encoding="utf-8")


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2tw.json").convert(text)  # Taiwan forms: all encodable in Big5


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ----------------------------------------------------------------------------- encodings

ENCODINGS = [
    # id, raw bytes, expected text, expected Document.encoding
    ("utf8", REPORT.encode("utf-8"), REPORT, "utf-8"),
    ("utf8-bom", codecs.BOM_UTF8 + REPORT.encode("utf-8"), REPORT, "utf-8"),
    ("gb18030", REPORT.encode("gb18030"), REPORT, "gb18030"),
    ("gbk", REPORT.replace("—", "-").encode("gbk"), REPORT.replace("—", "-"), "gb18030"),
    ("gb2312-short", "二、存在的问题和不足\n".encode("gb2312"), "二、存在的问题和不足\n", "gb18030"),
    ("utf16le-bom", codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), REPORT, "utf-16-le"),
    ("utf16be-bom", codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), REPORT, "utf-16-be"),
    ("utf16le-nobom", REPORT.encode("utf-16-le"), REPORT, "utf-16-le"),
    ("crlf-utf8", REPORT.replace("\n", "\r\n").encode("utf-8"), REPORT, "utf-8"),
    ("crlf-gb18030", REPORT.replace("\n", "\r\n").encode("gb18030"), REPORT, "gb18030"),
    ("cr-only", REPORT.replace("\n", "\r").encode("utf-8"), REPORT, "utf-8"),
]


@pytest.mark.parametrize("raw,expected,encoding", [e[1:] for e in ENCODINGS], ids=[e[0] for e in ENCODINGS])
def test_text_encodings(tmp_path, raw, expected, encoding):
    doc = read_document(write(tmp_path, "青山县 司法局报告.txt", raw))
    assert doc.text == expected
    assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
    assert doc.encoding == encoding
    assert doc.media_type == MT_TEXT
    assert len(doc.norm) == len(doc.text) and doc.norm == textnorm.normalize(doc.text)
    import hashlib

    assert doc.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "codec,expected", [("big5", ("big5", "big5hkscs")), ("utf-8", ("utf-8",)), ("utf-16", ("utf-16-le",))]
)
def test_traditional_text_kept_original_and_matched_normalised(tmp_path, codec, expected):
    trad = _traditional(REPORT).replace("—", "-")
    assert trad != REPORT
    doc = read_document(write(tmp_path, f"trad_{codec}.txt", trad.encode(codec)))
    assert doc.text == trad  # the original, traditional characters
    assert doc.encoding in expected
    i = doc.norm.index("法治政府建设")  # matching works on the simplified copy …
    assert doc.text[i : i + 6] == "法治政府建設"  # … and offsets quote the original
    assert looks_like_report(doc)[0]


# ----------------------------------------------------------------------------- HTML

GOV_PAGE_LINES = [
    "东湖区人民政府2023年法治政府建设年度报告",
    "2023年，东湖区人民政府坚持以习近平法治思想为指导，全面贯彻落实《法治政府建设实施纲要（2021—2025年）》，"
    "扎实推进依法行政，法治政府建设取得新成效。现将有关情况报告如下：",
    "一、主要工作成效",
    "（一）健全依法决策机制。严格执行《重大行政决策程序暂行条例》，全年对12项重大行政决策事项进行合法性审查，"
    "区政府常务会议审议议题前合法性审查率达100%。",
    "（二）深化行政执法体制改革。推进街道综合行政执法，全面落实行政执法三项制度，全年开展行政执法案卷评查2次。",
    "（三）加强行政复议和应诉工作。全年收到行政复议申请86件，办结79件；行政机关负责人出庭应诉率100%。",
    "二、存在的不足",
    "一是部分部门法治意识有待增强；二是基层执法队伍专业化水平不高。",
    "三、下一步工作安排",
    "2024年，我区将持续推进法治政府建设，全面提升依法行政水平。",
    "东湖区人民政府",
    "2024年2月26日",
]


def test_html_government_page_keeps_only_report_text():
    doc = read_document(FIX / "gov_page.html")
    assert doc.media_type == MT_HTML
    lines = [x for x in doc.text.split("\n") if x.strip()]
    assert lines == GOV_PAGE_LINES  # headings on their own lines, nothing else survives


@pytest.mark.parametrize(
    "leak",
    ["脚本里的字", "样式里的字", "框架里的字", "无脚本里的字", "onerror里的字", "alert", "_hmt", "索引号", "发布机构",
     "网站地图", "ICP备", "公网安备", "分享到", "打印本页", "关闭窗口", "字体", "当前的位置", "首页", "浏览次数",
     "主办", "相关链接", "12345", "|"],
)
def test_html_no_script_or_chrome_survives(leak):
    assert leak not in read_document(FIX / "gov_page.html").text


def test_html_gbk_declared_charset_and_sniffed_extension(tmp_path):
    html = (FIX / "gov_page.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb2312"')
    raw = html.encode("gb18030")
    for name in ("page.htm", "page saved as.txt"):  # a page saved as .txt is still a page
        doc = read_document(write(tmp_path, name, raw))
        assert doc.media_type == MT_HTML
        assert doc.encoding == "gb18030"
        assert [x for x in doc.text.split("\n") if x.strip()] == GOV_PAGE_LINES


def test_html_header_in_article_and_pre_and_table_cells(tmp_path):
    html = """<html><body><header>网站头部 首页</header><article><header><h1>某某区市场监管局2024年法治政府建设工作报告</h1></header>
    <p>全年办理案件如下表：</p><table><tr><th>类别</th><th>件数</th></tr><tr><td>行政处罚</td><td>512</td></tr></table>
    <div>一、主要做法<br>（一）规范执法</div></article><footer>版权所有 某某区人民政府</footer></body></html>"""
    doc = read_document(write(tmp_path, "a.html", html.encode("utf-8")))
    lines = [x for x in doc.text.split("\n") if x.strip()]
    assert lines == ["某某区市场监管局2024年法治政府建设工作报告", "全年办理案件如下表：", "类别\t件数", "行政处罚\t512",
                     "一、主要做法", "（一）规范执法"]


# Page chrome in text saved from a web page (seed 001 style): spans are reported, not removed.
CHROME_LINES = [
    "您当前所在的位置: 首页 > 政务公开 > 依法行政",
    "当前位置：首页>>信息公开",
    "首页 > 政务公开 > 法治政府建设",
    "  • 来源:市城管局",
    "索引号：11430581MB1A/2024-00012\t发布机构：武冈市城管局",
    "发文日期：2024-02-28",
    "【字体：大 中 小】",
    "字号：大 中 小",
    "【打印本页】【关闭窗口】",
    "分享到：微信 微博 QQ空间",
    "扫一扫在手机打开当前页",
    "湘ICP备13005897号   公安备案编号:湘公网安备43058102000008号",
    "網站地圖 | 聯繫我們",  # traditional page
    "主辦：某某縣人民政府辦公室",
]
CONTENT_LINES = [
    "一、主要工作成效",
    "（一）强化组织领导，落实法治责任",
    "由县司法局主办的“法律进社区”活动共开展12场，覆盖群众3000余人。",
    "2024年，县城管局共发布行政处罚决定86件，全部在网站公示。",
    "来源广泛的群众意见建议均得到及时回复。",
    "武冈市城市管理和综合执法局",
    "2025年3月14日",
]


@pytest.mark.parametrize("line", CHROME_LINES)
def test_chrome_line_detected(line):
    body = "2024年，我局坚持以习近平法治思想为指导，全面推进严格规范公正文明执法，法治政府建设取得新成效。"
    text = "某某局2024年法治政府建设工作报告\n" + line + "\n" + body + "\n"
    spans = chrome_spans(text)
    assert [text[s:e] for s, e in spans] == [line + "\n"]


@pytest.mark.parametrize("line", CONTENT_LINES)
def test_content_line_not_chrome(line):
    assert chrome_spans(line + "\n") == []


def test_chrome_spans_of_web_seed_cover_breadcrumb_and_footer():
    seed = next(p for p in SEEDS if p.name.startswith("001_"))
    doc = read_document(seed)
    spans = chrome_spans(doc.text)
    chrome = "".join(doc.text[s:e] for s, e in spans)
    for marker in ("当前所在的位置", "来源:市城管局", "网站地图", "ICP备", "市民服务热线"):
        assert marker in chrome
    kept = "".join(doc.text[a:b] for a, b in zip([0] + [e for _, e in spans], [s for s, _ in spans] + [len(doc.text)]))
    assert "武冈市城市管理和综合执法局2024年法治政府建设工作报告" in kept
    assert "2025年3月14日" in kept


# ----------------------------------------------------------------------------- Markdown, DOCX, PDF


def test_markdown_kept_verbatim():
    raw = (FIX / "shichang_report.md").read_text(encoding="utf-8")
    doc = read_document(FIX / "shichang_report.md")
    assert doc.media_type == MT_MD
    assert doc.text == raw  # nothing stripped: offsets are offsets into the file
    assert "## 2024年度法治政府建设情况报告" in doc.text.split("\n")


def test_docx_paragraphs_and_table_in_document_order(tmp_path):
    doc = read_document(make_fixtures.make_docx(tmp_path / "青山县 司法局.docx"))
    assert doc.media_type == MT_DOCX
    lines = doc.text.split("\n")
    table = ["\t".join(r) for r in make_fixtures.DOCX_TABLE]
    assert lines == make_fixtures.DOCX_PARAGRAPHS + table + [make_fixtures.DOCX_AFTER]
    assert looks_like_report(doc)[0]


def test_pdf_text_layer(tmp_path):
    doc = read_document(make_fixtures.make_pdf(tmp_path / "report.pdf"))
    assert doc.media_type == MT_PDF
    assert [x for x in doc.text.split("\n") if x.strip()] == make_fixtures.PDF_LINES


def test_pdf_paragraphs_broken_at_margin_are_rejoined(tmp_path):
    para1 = "2023年，我局坚持以习近平法治思想为指导，深入推进依法行政，全面落实行政执法三项制度，严格规范公正文明执法，法治政府建设取得明显成效。"
    para2 = "一是执法人员法律素养有待提升；二是普法宣传的针对性和实效性还需加强；三是行政执法信息化水平不高，执法数据共享不充分。"

    def wrap(text: str, width: int = 40) -> list[str]:  # like a PDF: fill each line to the margin
        out, cur, w = [], "", 0
        for ch in text:
            cw = 1 if ch.isascii() else 2
            if w + cw > width:
                out.append(cur)
                cur, w = "", 0
            cur, w = cur + ch, w + cw
        return out + [cur]

    lines = ["某某县市场监督管理局2023年法治政府建设工作报告", "一、主要工作成效"]
    lines += wrap(para1) + ["二、存在的问题"] + wrap(para2)
    lines += ["1. 第一项整改措施", "2. 第二项整改措施", "青山县市场监督管理局关于法治政府建设的情况说明", "正文从这里开始。"]
    doc = read_document(make_fixtures.make_pdf(tmp_path / "wrapped.pdf", lines))
    assert [x for x in doc.text.split("\n") if x.strip()] == [
        lines[0], "一、主要工作成效", para1, "二、存在的问题", para2, "1. 第一项整改措施", "2. 第二项整改措施",
        "青山县市场监督管理局关于法治政府建设的情况说明", "正文从这里开始。",  # wider than a full line: not joined
    ]


# ----------------------------------------------------------------------------- bad inputs


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("reports/a.txt", "法治政府建设")
    return buf.getvalue()


def _ole_bytes() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


BAD = [
    ("empty.txt", lambda p: b"", "empty file"),
    ("blank.txt", lambda p: b" \n\r\n\t ", "empty file"),
    ("fullwidth-blank.txt", lambda p: "\u3000\u3000\n".encode("utf-8"), "empty file"),
    ("bom-only.txt", lambda p: codecs.BOM_UTF16_LE, "empty file"),
    ("nul.txt", lambda p: b"abc\x00\x01\x02\x03\xff\xfe\x00\x00" * 10, "binary file (contains NUL bytes)"),
    ("photo.txt", lambda p: make_fixtures.make_png(p).read_bytes(), "binary file (looks like PNG image)"),
    ("photo.png", lambda p: make_fixtures.make_png(p).read_bytes(), "binary file (looks like PNG image)"),
    ("scan.jpg", lambda p: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "binary file (looks like JPEG image)"),
    ("archive.txt", lambda p: _zip_bytes(), "binary file (looks like ZIP archive)"),
    ("old.doc", lambda p: _ole_bytes(), "legacy Office file"),
    ("random.txt", lambda p: bytes(range(0x80, 0x100)) * 50, "cannot decode text: not UTF-8/GB18030/Big5/UTF-16"),
    ("latin1-mojibake.txt", lambda p: (REPORT.encode("utf-8").decode("latin-1").encode("utf-8")), "mojibake"),
    ("gbk-as-cp1252.txt", lambda p: REPORT.replace("—", "-").encode("gbk").decode("latin-1").encode("utf-8"),
     "mojibake"),
    ("kunjinkao.txt", lambda p: ("锟斤拷" * 30 + REPORT).encode("utf-8"), "mojibake"),
    ("truncated.docx", lambda p: make_fixtures.make_truncated_docx(p).read_bytes(),
     "not a valid .docx (truncated or corrupt)"),
    ("renamed.docx", lambda p: REPORT.encode("utf-8"), "not a valid .docx (truncated or corrupt)"),
    ("scanned.pdf", lambda p: make_fixtures.make_image_pdf(p).read_bytes(), "PDF has no text layer (scanned image?)"),
    ("truncated.pdf", lambda p: make_fixtures.make_pdf(p).read_bytes()[:300], "PDF"),
    ("fake.pdf", lambda p: REPORT.encode("utf-8"), "not a valid PDF"),
]


@pytest.mark.parametrize("name,make,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_input_clear_error(tmp_path, name, make, reason):
    p = tmp_path / name
    data = make(p)
    p.write_bytes(data)
    with pytest.raises(IngestError) as ei:
        read_document(p)
    err = ei.value
    assert reason in err.reason
    assert err.path == str(p)
    assert str(err) == f"{p}: {err.reason}"


def test_missing_and_directory_and_size_limit(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        read_document(tmp_path / "不存在.txt")
    with pytest.raises(IngestError, match="is a directory"):
        read_document(tmp_path)
    p = write(tmp_path, "big.txt", REPORT.encode("utf-8"))
    with pytest.raises(IngestError, match="file too large"):
        read_document(p, max_bytes=1000)
    assert read_document(p, max_bytes=10_000).text == REPORT


# ----------------------------------------------------------------------------- looks_like_report


@pytest.mark.parametrize("seed", SEEDS, ids=[p.name[:3] for p in SEEDS])
def test_seeds_look_like_reports(seed):
    ok, why = looks_like_report(read_document(seed))
    assert ok, why


@pytest.mark.parametrize("name", ["sifaju_report.txt", "shichang_report.md", "gov_page.html"])
def test_other_department_reports_pass(name):
    ok, why = looks_like_report(read_document(FIX / name))
    assert ok, why
    assert why.startswith("rule-of-law report")


@pytest.mark.parametrize("name", ["news.txt", "recipe.txt", "pufa_news.txt"])
def test_non_reports_rejected(name):
    ok, why = looks_like_report(read_document(FIX / name))
    assert not ok
    assert why.startswith("not a rule-of-law report")


# ----------------------------------------------------------------------------- iter_input_files


def _tree(root: Path) -> None:
    (root / "2023 年度" / "司法局").mkdir(parents=True)
    (root / "2024").mkdir()
    (root / "2023 年度" / "司法局" / "青山县 司法局.txt").write_text(REPORT, encoding="utf-8")
    (root / "2023 年度" / "b.md").write_text("# 标题\n", encoding="utf-8")
    (root / "2024" / "page.html").write_text("<p>x</p>", encoding="utf-8")
    (root / "2024" / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # unsupported extension: skipped
    (root / "2024" / ".hidden.txt").write_text("x", encoding="utf-8")
    (root / "2024" / "~$lock.docx").write_bytes(b"x")
    (root / ".git").mkdir()
    (root / ".git" / "x.txt").write_text("x", encoding="utf-8")
    out = root / "graph-out"
    out.mkdir()
    (out / OUTPUT_MARKER).write_text("", encoding="utf-8")
    (out / "report.html").write_text("<p>x</p>", encoding="utf-8")


def test_iter_input_files_recursive_sorted_skips_hidden_and_output(tmp_path):
    _tree(tmp_path)
    files, errors = iter_input_files([tmp_path])
    assert errors == []
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "2023 年度/b.md",
        "2023 年度/司法局/青山县 司法局.txt",
        "2024/page.html",
    ]
    # explicit files are returned whatever their name; duplicates once
    hidden = tmp_path / "2024" / ".hidden.txt"
    files2, _ = iter_input_files([hidden, tmp_path / "2023 年度" / "b.md", tmp_path / "2023 年度"])
    assert files2 == [hidden, tmp_path / "2023 年度" / "b.md", tmp_path / "2023 年度" / "司法局" / "青山县 司法局.txt"]


def test_iter_input_files_symlink_loops_and_missing(tmp_path):
    _tree(tmp_path)
    (tmp_path / "2024" / "回到上级").symlink_to(tmp_path, target_is_directory=True)  # loop
    (tmp_path / "2024" / "self").symlink_to(tmp_path / "2024" / "self")  # ELOOP
    (tmp_path / "2024" / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "alias").symlink_to(tmp_path / "2023 年度", target_is_directory=True)  # followed, not a loop
    files, errors = iter_input_files([tmp_path, tmp_path / "缺失 的.txt"])
    rel = [p.relative_to(tmp_path).as_posix() for p in files]
    assert rel == ["2023 年度/b.md", "2023 年度/司法局/青山县 司法局.txt", "2024/page.html"]  # alias = same files
    got = {(p.relative_to(tmp_path).as_posix(), r) for p, r in errors}
    assert got == {
        ("2024/回到上级", "symlink loop"),
        ("2024/self", "symlink loop"),
        ("2024/dangling.txt", "broken symlink"),
        ("缺失 的.txt", "no such file or directory"),
    }


def test_iter_input_files_exclude_drops_files_however_they_are_reached(tmp_path):
    """A build passes its output folder as ``exclude``: nothing in it is read back as input,
    whether walked into, named explicitly or reached by a symlinked file or folder."""
    _tree(tmp_path)
    out = tmp_path / "2024" / "out"  # no marker yet: a first build
    out.mkdir()
    (out / "graph.md").write_text("# x\n", encoding="utf-8")
    (tmp_path / "2023 年度" / "linked.md").symlink_to(out / "graph.md")
    (tmp_path / "2023 年度" / "linked-dir").symlink_to(out, target_is_directory=True)
    files, errors = iter_input_files([tmp_path, out / "graph.md"], exclude=[out])
    assert errors == []
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "2023 年度/b.md",
        "2023 年度/司法局/青山县 司法局.txt",
        "2024/page.html",
    ]
    # without ``exclude`` the same folder is an ordinary input (found once, through the walk)
    files, _ = iter_input_files([tmp_path / "2024"])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["2024/out/graph.md", "2024/page.html"]


_UNREADABLE_SCRIPT = """
import json, os, sys
from pathlib import Path
from fazhi_graph.ingest import iter_input_files, read_document, IngestError
import fazhi_graph.ontology, fazhi_graph.textnorm
if len(sys.argv) > 2:  # started as root: import first, then become an ordinary user
    os.setgroups([]); os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[2]))
root = Path(sys.argv[1])
files, errors = iter_input_files([root])
out = {"files": [p.name for p in files], "errors": [[p.name, r] for p, r in errors]}
try:
    read_document(root / "locked.txt")
except IngestError as e:
    out["read"] = e.reason
print(json.dumps(out, ensure_ascii=False))
"""


def test_unreadable_file_and_directory_reported():
    """chmod 000 is no obstacle to root, so as root the check runs in a child process as 'nobody'."""
    import json

    root = Path(tempfile.mkdtemp(prefix="fazhi-ingest-"))
    try:
        os.chmod(root, 0o755)
        (root / "ok.txt").write_text(REPORT, encoding="utf-8")
        (root / "locked.txt").write_text(REPORT, encoding="utf-8")
        (root / "closed").mkdir()
        (root / "closed" / "inner.txt").write_text(REPORT, encoding="utf-8")
        os.chmod(root / "locked.txt", 0)
        os.chmod(root / "closed", 0)
        cmd = [sys.executable, "-c", _UNREADABLE_SCRIPT, str(root)]
        env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
        if os.geteuid() == 0:
            try:
                import pwd

                cmd.append(str(pwd.getpwnam("nobody").pw_uid))
            except KeyError:
                pytest.skip("running as root and no 'nobody' user to drop privileges to")
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["files"] == ["ok.txt"]
        assert sorted(out["errors"]) == [
            ["closed", "permission denied (cannot list directory)"],
            ["locked.txt", "permission denied"],
        ]
        assert out["read"] == "permission denied"
    finally:
        os.chmod(root / "closed", 0o755)
        shutil.rmtree(root)


# ----------------------------------------------------------------------------- size and speed


@pytest.mark.slow
def test_five_mb_single_line(tmp_path):
    unit = "全面落实行政执法公示制度、执法全过程记录制度、重大执法决定法制审核制度，"
    line = unit * (5 * 1024 * 1024 // len(unit.encode("utf-8")) + 1)
    p = write(tmp_path, "one line.txt", line.encode("utf-8"))
    t0 = time.perf_counter()
    doc = read_document(p)
    ok, _ = looks_like_report(doc)
    spans = chrome_spans(doc.text)
    elapsed = time.perf_counter() - t0
    assert doc.text == line and spans == []
    assert elapsed < 20, elapsed


@pytest.mark.slow
def test_fifty_mb_file_within_bounds(tmp_path):
    p = tmp_path / "huge.txt"
    chunk = (REPORT.replace("\n", "\r\n") * 40).encode("gb18030")
    with open(p, "wb") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    size = p.stat().st_size
    t0 = time.perf_counter()
    doc = read_document(p)
    elapsed = time.perf_counter() - t0
    print(f"\n50 MB GB18030 CRLF file: {size / 1e6:.1f} MB in {elapsed:.2f} s ({size / 1e6 / elapsed:.1f} MB/s)")
    assert doc.encoding == "gb18030" and "\r" not in doc.text
    assert doc.text.startswith(REPORT)
    assert elapsed < 60, elapsed
    with pytest.raises(IngestError, match="file too large"):
        read_document(p, max_bytes=size - 1)
