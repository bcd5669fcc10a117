"""Ingest: every input format, directories and stdin, and every kind of bad input.

Bad files and records must become Problems that name the file (and the line, for JSONL) while
the other inputs are still read; only a missing path stops the run (InputError).
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest

from mtqa import ingest
from mtqa.config import Config
from mtqa.errors import InputError
from mtqa.pipeline import prepare

AR = "قال مسؤولون إن 14 شخصا لقوا حتفهم يوم الثلاثاء بعد انهيار جزء من مفيض سد خرزان."
AR2 = "وأضافوا أن المياه غمرت سبع قرى، وأن نحو 1200 أسرة نزحت من منازلها."
FA = "وزیر آب و انرژی روز چهارشنبه از سد بازدید کرد و گفت علت حادثه مشخص می‌شود."


@pytest.fixture(scope="module")
def cfg() -> dict:
    return Config.load().section("ingest")


def _good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(AR + "\n" + AR2 + "\n", encoding="utf-8")
    return path


def _load(paths: list[Path | str], cfg: dict) -> tuple[list, list]:
    return ingest.load([str(p) for p in paths], cfg)


def _only_problem(problems: list, source: Path | str) -> str:
    assert len(problems) == 1, problems
    assert problems[0].source == str(source)
    return problems[0].message


# --- formats -----------------------------------------------------------------------------------

def test_text_file_keeps_crlf_and_drops_bom(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "story-1.txt"
    path.write_bytes(b"\xef\xbb\xbf" + (AR + "\r\n\r\n" + AR2 + "\r\n").encode("utf-8"))
    arts, problems = _load([path], cfg)
    assert problems == []
    (art,) = arts
    assert art.id == "story-1" and art.source == str(path)
    assert art.text == AR + "\r\n\r\n" + AR2 + "\r\n"  # decoded text, newlines untouched


def test_directory_is_searched_recursively_by_extension(tmp_path: Path, cfg: dict) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "b" / "deep" / "c.txt").write_text(FA, encoding="utf-8")
    (tmp_path / "b" / "notes.md").write_text("# not an article", encoding="utf-8")
    (tmp_path / "b" / "script.py").write_text("print(1)", encoding="utf-8")
    (tmp_path / ".hidden" / "x.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "f.jsonl").write_text(json.dumps({"id": "j1", "text": AR2}) + "\n", encoding="utf-8")
    arts, problems = _load([tmp_path], cfg)
    assert problems == []
    assert [a.id for a in arts] == ["a", "b/deep/c", "j1"]


def test_same_file_twice_is_read_once(tmp_path: Path, cfg: dict) -> None:
    good = _good(tmp_path)
    arts, problems = _load([good, tmp_path, good], cfg)
    assert [a.id for a in arts] == ["good"] and problems == []


def test_jsonl_records(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "feed.jsonl"
    recs = [
        {"id": "r1", "text": AR, "lang": "ar", "title": "T", "url": "https://x.example/1",
         "published": "2024-03-05", "translation": "Officials said 14 people died."},
        {"id": 2, "text": FA + "\n" + FA},
    ]
    path.write_text(json.dumps(recs[0], ensure_ascii=False) + "\n\n"
                    + json.dumps(recs[1], ensure_ascii=False) + "\n", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert problems == []
    a, b = arts
    assert (a.id, a.line, a.lang, a.title, a.url, a.published) == (
        "r1", 1, "ar", "T", "https://x.example/1", "2024-03-05")
    assert a.supplied_translation == "Officials said 14 people died." and a.source == str(path)
    assert (b.id, b.line, b.text) == ("2", 3, FA + "\n" + FA)


def test_jsonl_without_id_gets_one_from_the_line(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"text": AR}) + "\n", encoding="utf-8")
    arts, _ = _load([path], cfg)
    assert arts[0].id == "x-1"


def test_stdin_text_and_jsonl(monkeypatch: pytest.MonkeyPatch, cfg: dict) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(AR.encode("utf-8"))))
    arts, problems = ingest.load(["-"], cfg)
    assert problems == [] and arts[0].id == "stdin" and arts[0].source == "<stdin>"
    assert arts[0].text == AR
    data = json.dumps({"id": "s1", "text": AR}) + "\n" + "{broken\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    arts, problems = ingest.load(["-"], cfg)
    assert [a.id for a in arts] == ["s1"]
    assert problems[0].source == "<stdin>:2" and "not valid JSON" in problems[0].message


def test_html_main_text_and_title(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        '<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>انهيار السد | موقع</title>'
        "<script>var s = '<p>not text</p>';</script></head><body>"
        '<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/w">العالم</a></li></ul></nav>'
        f"<article><h1>انهيار السد</h1><p>{AR}</p><p>{AR2}</p></article>"
        "<footer>جميع الحقوق محفوظة</footer></body></html>", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert problems == []
    (art,) = arts
    lines = art.text.split("\n")
    assert AR in lines and AR2 in lines  # paragraphs kept as lines
    assert "not text" not in art.text and "var s" not in art.text
    assert art.title and "انهيار السد" in art.title
    assert art.lang == "ar"


def test_html_fallback_extractor_drops_chrome() -> None:
    page = (f"<html><head><title>x</title></head><body><nav>الرئيسية</nav><p>{AR}</p>"
            f"<div>{AR2}<br>{FA}</div><footer>حقوق</footer></body></html>")
    assert ingest.html_to_text(page, skip_chrome=True).split("\n") == [AR, AR2, FA]


RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>اخبار</title><language>ar</language>
<item><title>انهيار &lt;b&gt;السد&lt;/b&gt;</title><link>https://x.example/1</link>
<pubDate>Tue, 05 Mar 2024 18:00:00 GMT</pubDate>
<description>&lt;p&gt;{AR}&lt;/p&gt;&lt;p&gt;{AR2}&lt;/p&gt;</description></item>
<item><title>بلا نص</title><link>https://x.example/2</link><description></description></item>
</channel></rss>
"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>اخبار</title><id>urn:f</id>
<updated>2024-03-06T09:30:00Z</updated>
<entry><title>بازدید وزیر</title><link href="https://x.example/fa/1"/><id>urn:1</id>
<updated>2024-03-06T09:30:00Z</updated><summary>short</summary>
<content type="html">&lt;p&gt;{FA}&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;</content></entry>
</feed>
"""


def test_rss_entries(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "news.rss"
    path.write_text(RSS, encoding="utf-8")
    arts, problems = _load([path], cfg)
    (art,) = arts
    assert art.id == "news-1" and art.text == AR + "\n" + AR2
    assert art.title == "انهيار السد" and art.url == "https://x.example/1"
    assert art.published and "2024" in art.published and art.lang == "ar"
    assert len(problems) == 1 and problems[0].source == str(path) and "entry 2" in problems[0].message


def test_atom_feed_sniffed_from_xml(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(ATOM, encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert problems == []
    (art,) = arts
    assert art.text == FA and "evil" not in art.text  # content preferred over summary, sanitised
    assert art.url == "https://x.example/fa/1" and art.published == "2024-03-06T09:30:00Z"


def test_unknown_extension_is_sniffed(tmp_path: Path, cfg: dict) -> None:
    feed = tmp_path / "feed.data"
    feed.write_text(RSS, encoding="utf-8")
    recs = tmp_path / "records.dat"
    recs.write_text(json.dumps({"id": "z", "text": AR}) + "\n", encoding="utf-8")
    arts, _ = _load([feed, recs], cfg)
    assert [a.id for a in arts] == ["feed-1", "z"]


@pytest.mark.parametrize("doc", [
    # billion laughs
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    "<rss><channel><item><title>&b;</title><description>x</description></item></channel></rss>",
    # external entity (XXE)
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<rss><channel><item><title>&x;</title><description>&x;</description></item></channel></rss>",
])
def test_unsafe_feeds_are_rejected(tmp_path: Path, cfg: dict, doc: str) -> None:
    path = tmp_path / "evil.rss"
    path.write_text(doc, encoding="utf-8")
    good = _good(tmp_path)
    arts, problems = _load([path, good], cfg)
    assert [a.id for a in arts] == ["good"]
    msg = _only_problem(problems, path)
    assert "feed rejected" in msg and "entities" in msg


def test_malformed_feed(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "broken.rss"
    path.write_text("<rss><channel><item><title>x</title></channel>", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert arts == [] and "not well-formed XML" in _only_problem(problems, path)


# --- bad inputs ------------------------------------------------------------------------------

def test_missing_path_raises(tmp_path: Path, cfg: dict) -> None:
    with pytest.raises(InputError) as exc:
        _load([_good(tmp_path), tmp_path / "nope.txt"], cfg)
    assert exc.value.path.endswith("nope.txt") and exc.value.problem == "no such file or directory"


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "empty file"),
    (b"  \n\r\n\t ", "empty file"),
    (b"\xef\xbb\xbf\n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file (contains NUL bytes)"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20, "binary file (control characters)"),
    ("قال مسؤولون إن المياه غمرت سبع قرى".encode("cp1256"), "looks like cp1256"),
    ("قال مسؤولون".encode("utf-16"), "looks like UTF-16"),
    ("قال مسؤولون إن المياه".encode("utf-16-le"), "looks like UTF-16 (no byte-order mark)"),
    ("The minister said".encode("utf-16-le"), "looks like UTF-16"),
    (b"caf\xe9 \xff\xfe\xfd", "not UTF-8 text (invalid UTF-8 byte 0xe9 at line 1, column 4, byte offset 3)"),
])
def test_bad_files_become_problems(tmp_path: Path, cfg: dict, data: bytes, expected: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(data)
    good = _good(tmp_path)
    arts, problems = _load([bad, good], cfg)
    assert [a.id for a in arts] == ["good"]
    assert expected in _only_problem(problems, bad)


def test_non_utf8_is_reported_not_transcoded(tmp_path: Path, cfg: dict) -> None:
    bad = tmp_path / "legacy.txt"
    bad.write_bytes(AR.encode("cp1256"))
    arts, problems = _load([bad], cfg)
    assert arts == []
    msg = _only_problem(problems, bad)
    assert msg.startswith("not UTF-8") and "re-encode it as UTF-8" in msg


def test_too_large_file(tmp_path: Path, cfg: dict) -> None:
    big = tmp_path / "big.txt"
    big.write_text(AR * 30000, encoding="utf-8")
    arts, problems = _load([big], {**cfg, "max_file_mb": 1})
    assert arts == [] and "max_file_mb" in _only_problem(problems, big)


@pytest.mark.parametrize(("line", "expected"), [
    ("{not json", "not valid JSON"),
    ('["a", "b"]', "must be a JSON object, got array"),
    ('{"id": "x"}', "has no 'text' field"),
    ('{"id": "x", "text": 42}', "'text' must be a string, got number"),
    ('{"id": "x", "text": ["a"]}', "'text' must be a string, got array"),
    ('{"id": "x", "text": "   "}', "'text' is empty"),
    ('{"id": "x", "text": "نص", "title": 5}', "'title' must be a string"),
    ('{"id": {"a": 1}, "text": "نص"}', "'id' must be a non-empty string or number"),
])
def test_bad_jsonl_records(tmp_path: Path, cfg: dict, line: str, expected: str) -> None:
    path = tmp_path / "recs.jsonl"
    good1 = json.dumps({"id": "g1", "text": AR}, ensure_ascii=False)
    good2 = json.dumps({"id": "g2", "text": AR2}, ensure_ascii=False)
    path.write_text("\n".join([good1, line, good2]) + "\n", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert [a.id for a in arts] == ["g1", "g2"]
    assert expected in _only_problem(problems, f"{path}:2")


def test_duplicate_jsonl_ids(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(json.dumps({"id": "a", "text": t}, ensure_ascii=False)
                              for t in (AR, AR2, FA)) + "\n", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert [a.text for a in arts] == [AR]
    assert [p.source for p in problems] == [f"{path}:2", f"{path}:3"]
    assert all("duplicate id 'a' (first used on line 1)" in p.message for p in problems)


def test_same_file_name_in_two_folders_is_two_articles(tmp_path: Path, cfg: dict) -> None:
    (tmp_path / "outletA").mkdir()
    (tmp_path / "outletB").mkdir()
    (tmp_path / "outletA" / "2024-01-27.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "outletB" / "2024-01-27.txt").write_text(AR2, encoding="utf-8")
    arts, problems = _load([tmp_path], cfg)
    assert problems == []
    assert [(a.id, a.text) for a in arts] == [("outletA/2024-01-27", AR), ("outletB/2024-01-27", AR2)]


def test_same_stem_given_as_two_files_is_qualified_with_a_note(tmp_path: Path, cfg: dict) -> None:
    for folder, text in (("x", AR), ("y", AR2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(text, encoding="utf-8")
    arts, problems = _load([tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt"], cfg)
    assert problems == [] and [a.id for a in arts] == ["same", "y/same"]
    assert arts[0].notes == () and arts[1].notes[0].code == "INGEST002"
    assert "already used by" in arts[1].notes[0].message
    # the same record id in two JSONL exports: both kept, the second qualified by its file
    for folder, text in (("x", AR), ("y", AR2)):
        (tmp_path / folder / "feed.jsonl").write_text(json.dumps({"id": "1", "text": text}) + "\n",
                                                      encoding="utf-8")
    arts, problems = _load([tmp_path / "x" / "feed.jsonl", tmp_path / "y" / "feed.jsonl"], cfg)
    assert problems == [] and [a.id for a in arts] == ["1", "feed.jsonl:1"]


def test_duplicate_id_inside_one_file_is_still_skipped(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps({"id": "a", "text": t}) for t in (AR, AR2)) + "\n",
                    encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert [a.text for a in arts] == [AR]
    assert problems[0].source.endswith("f.jsonl:2") and "duplicate id 'a'" in problems[0].message


def test_lone_surrogate_escape_is_replaced_and_noted(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "js.jsonl"
    # \ud83d without its low half, as JavaScript exports write it; a proper pair stays an emoji
    path.write_text('{"id": "a", "title": "x\\udc00", "text": "\\ud83d' + AR + ' \\ud83d\\ude00"}\n'
                    + json.dumps({"id": "b", "text": AR2}) + "\n", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert problems == [] and [a.id for a in arts] == ["a", "b"]
    assert arts[0].text == "\ufffd" + AR + " \U0001f600" and arts[0].title == "x\ufffd"
    note = arts[0].notes[0]
    assert note.code == "INGEST001" and "2 unpaired UTF-16 surrogate" in note.message
    assert "'text'" in note.message and "'title'" in note.message
    arts[0].text.encode("utf-8")  # nothing downstream can trip on it any more


def test_deeply_nested_json_is_one_bad_record(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"id": "d", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                    + json.dumps({"id": "b", "text": AR2}) + "\n", encoding="utf-8")
    arts, problems = _load([path], cfg)
    assert [a.id for a in arts] == ["b"]
    assert problems[0].source.endswith("deep.jsonl:1") and "nested too deeply" in problems[0].message


@pytest.mark.parametrize(("encoding", "expected"), [
    ("bogus-enc", "declares an unknown encoding 'bogus-enc'"),
    ("UTF-7", "declares encoding 'UTF-7' but its bytes are not valid UTF-7"),
    ("Shift_JIS", "declares encoding 'Shift_JIS' but its bytes are not valid Shift_JIS"),
    ("UTF-32", "declares encoding 'UTF-32' but its bytes are not valid UTF-32"),
    ("base64", "declares encoding 'base64', which is not a text encoding"),
])
def test_feed_declaring_an_undecodable_encoding(tmp_path: Path, cfg: dict, encoding: str,
                                               expected: str) -> None:
    path = tmp_path / "odd.rss"
    path.write_bytes(RSS.replace('encoding="utf-8"', f'encoding="{encoding}"').encode("utf-8"))
    good = _good(tmp_path)
    arts, problems = _load([path, good], cfg)
    assert [a.id for a in arts] == ["good"]
    assert expected in _only_problem(problems, path)


def test_stray_byte_in_utf8_points_at_the_byte_not_at_cp1256(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "stray.txt"
    path.write_bytes((AR + "\n" + AR2[:10]).encode("utf-8") + b"\xff" + AR2[10:].encode("utf-8"))
    arts, problems = _load([path], cfg)
    msg = _only_problem(problems, path)
    assert arts == [] and "cp1256" not in msg
    assert "invalid UTF-8 byte 0xff at line 2, column 11, byte offset 160" in msg
    assert "otherwise valid UTF-8" in msg


@pytest.mark.parametrize("stdin", [None, "closed"])
def test_closed_or_absent_stdin_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, cfg: dict,
                                                 stdin: str | None) -> None:
    stream = None
    if stdin == "closed":
        stream = io.TextIOWrapper(io.BytesIO(b""))
        stream.close()
    monkeypatch.setattr(sys, "stdin", stream)
    with pytest.raises(InputError, match="standard input"):
        ingest.load(["-"], cfg)


def test_bad_jsonl_file_encoding(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(json.dumps({"id": "a", "text": AR}, ensure_ascii=False).encode("cp1256"))
    arts, problems = _load([path], cfg)
    assert arts == [] and "looks like cp1256" in _only_problem(problems, path)


def test_five_megabyte_single_line_file(tmp_path: Path, cfg: dict) -> None:
    unit = AR[:-1] + "، " + AR2[:-1] + " "
    path = tmp_path / "huge.txt"
    path.write_text(unit * (5_000_000 // len(unit)), encoding="utf-8")
    t0 = time.perf_counter()
    arts, problems = _load([path], cfg)
    art = prepare(arts[0], Config.load())
    elapsed = time.perf_counter() - t0
    assert problems == [] and art.lang == "ar"
    assert elapsed < 20, elapsed
    assert len(art.passages) > 1000
    assert all(len(p.text) <= 600 for p in art.passages)
    covered = sum(p.end - p.start for p in art.passages)
    non_space = len(art.text) - sum(c.isspace() for c in art.text)
    assert covered >= non_space


def test_two_hundred_articles_prepare_quickly(examples_dir: Path, cfg: dict) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((examples_dir / "articles").glob("*.txt"))]
    config = Config.load()
    from mtqa.model import Article

    arts = [Article(id=f"a{i}", source=f"a{i}.txt", text=texts[i % len(texts)]) for i in range(200)]
    t0 = time.perf_counter()
    out = [prepare(a, config) for a in arts]
    assert time.perf_counter() - t0 < 10
    assert all(a.passages for a in out)


def test_directory_without_inputs_is_a_problem(tmp_path: Path, cfg: dict) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("x", encoding="utf-8")
    good = _good(tmp_path)
    arts, problems = _load([empty, good], cfg)
    assert [a.id for a in arts] == ["good"]
    assert "directory has no input files" in _only_problem(problems, empty)


def test_feed_with_declared_legacy_encoding(tmp_path: Path, cfg: dict) -> None:
    path = tmp_path / "legacy.rss"
    doc = RSS.replace('encoding="utf-8"', 'encoding="windows-1256"')
    path.write_bytes(doc.encode("cp1256"))
    arts, problems = _load([path], cfg)
    assert arts[0].text == AR + "\n" + AR2  # declared by the document itself, so decoded
    undeclared = tmp_path / "undeclared.rss"
    undeclared.write_bytes(RSS.replace(' encoding="utf-8"', "").encode("cp1256"))
    arts, problems = _load([undeclared], cfg)
    assert arts == [] and "looks like cp1256" in _only_problem(problems, undeclared)
