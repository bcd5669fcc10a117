"""A realistic hand-built Report for the reporter and gate tests (not a test module: its
invariants are checked in ``test_report_sample.py``).

Test modules import :func:`sample_report` and :func:`make_article` from here, as they import
``translate_fixtures``. The articles are invented for the tests (Arabic, Iranian Persian, Dari);
offsets are computed, never typed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mtqa.model import (
    Article,
    CrossCheck,
    Disagreement,
    Fact,
    FactMention,
    Flag,
    Passage,
    Problem,
    Report,
    Story,
    Translation,
    TranslationComparison,
)

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'
SIGNATURE = "lid:1|clean:1|seg:1|tr:supplied|thr:0.5|version:0.1.0"


@dataclass
class S:
    """One passage to build: text, kind, translations, flags as (code, name, msg, substring)."""

    text: str
    kind: str = "content"
    reason: str = ""
    garble: float | None = 0.1
    translations: tuple[tuple[str, str], ...] = ()
    flags: tuple[tuple[str, str, str, str], ...] = ()
    tflags: tuple[tuple[str, str, str, str], ...] = ()  # translation side, substring of 1st rendering
    raw_flags: tuple[tuple[str, int, int], ...] = ()  # (code, start, end) relative to passage start
    evidence: dict[str, float] = field(default_factory=dict)


def make_article(aid: str, source: str, lang: str | None, lines: list[list[S]], *, line: int = 1,
                 sep: str = "\n", title: str | None = None, threshold: float = 0.5) -> Article:
    """An Article whose text is the lines joined by ``sep`` (sentences joined by a space)."""
    text_parts: list[str] = []
    passages: list[Passage] = []
    pos = 0
    n = 0
    for para_no, sentences in enumerate(lines):
        if para_no:
            text_parts.append(sep)
            pos += len(sep)
        for k, s in enumerate(sentences):
            if k:
                text_parts.append(" ")
                pos += 1
            start, end = pos, pos + len(s.text)
            text_parts.append(s.text)
            pos = end
            flags = []
            for code, name, msg, sub in s.flags:
                off = s.text.index(sub)
                flags.append(Flag(code, name, msg, start + off, start + off + len(sub), "warning", 0.8))
            for code, a, b in s.raw_flags:
                flags.append(Flag(code, code.lower(), f"raw flag {code}", start + a, start + b))
            for code, name, msg, sub in s.tflags:
                off = s.translations[0][1].index(sub)
                flags.append(Flag(code, name, msg, off, off + len(sub), side="translation"))
            garble = s.garble if s.kind == "content" else None
            flagged = s.kind == "content" and garble is not None and garble >= threshold
            passages.append(Passage(
                id=f"{aid}:{n}", article_id=aid, start=start, end=end, text=s.text, lang=lang or "",
                paragraph=para_no, kind=s.kind, reason=s.reason,  # type: ignore[arg-type]
                translations=tuple(Translation(sys_, t) for sys_, t in s.translations),
                evidence=dict(s.evidence), garble=garble, flagged=flagged,
                flags=tuple(flags),
            ))
            n += 1
    text = "".join(text_parts)
    article = Article(id=aid, source=source, text=text, lang=lang, lang_confidence=0.97,
                      title=title, line=line, passages=tuple(passages))
    for p in article.passages:
        assert article.text[p.start : p.end] == p.text
    return article


def arabic_article() -> Article:
    """Plain-text Arabic article over several lines: flags, overlap, boilerplate, hostile text."""
    return make_article("ar-iraq", "news/ar_iraq.txt", "ar", [
        [S("انسحاب القوات الأمريكية من العراق", garble=0.05,
           translations=(("supplied", "US troops withdraw from Iraq"),))],
        [S("أعلن رئيس الوزراء العراقي، الأحد، بدء الحوار مع الولايات المتحدة.", garble=0.12,
           translations=(("supplied", "The Iraqi prime minister announced on Sunday the start of "
                                      "talks with the United States."),)),
         S("وقال إن عدد الجنود الأمريكيين في العراق يبلغ نحو 2500 جندي.", garble=0.2,
           translations=(("supplied", "He said the number of US troops in Iraq is about 2,500."),))],
        [S("وأضاف أبو علي. العسكري أن الانسحاب سيتم خلال انقر هنا للحصول على تطبيق", garble=0.97,
           translations=(("supplied", "Abu Ali added. The military that the withdrawal will be "
                                      "during click here to get the app"),),
           flags=(("GARB001", "broken-name", "A name is cut by a full stop: “أبو علي. العسكري”.",
                   "أبو علي. العسكري"),
                  ("GARB010", "pasted-promo", "App promotion pasted into the text.",
                   "انقر هنا للحصول على تطبيق"),
                  ("GARB005", "unknown-word", "Overlaps the name flag.", "علي. العسكري أن")),
           tflags=(("TRAN005", "mt-fragment", "The English stops mid-clause.", "during click here"),),
           raw_flags=(("GARB099", -5, 3), ("GARB098", 60, 500)))],
        [S("اقرأ أيضاً: أخبار ذات صلة", kind="boilerplate", reason="read-also link list")],
        [S(f"المقال {HOSTILE_SCRIPT} نص {HOSTILE_IMG} آخر.", garble=0.8,
           translations=(("supplied", f"The article {HOSTILE_SCRIPT} text {HOSTILE_IMG} more."),),
           flags=(("GARB006", "latin-run", f"Latin run {HOSTILE_IMG}", HOSTILE_SCRIPT),))],
    ], title="انسحاب القوات الأمريكية من العراق")


def persian_jsonl_article() -> Article:
    """A Persian JSONL record on line 3, translated by two systems (agreement evidence)."""
    return make_article("fa-1", "feeds/fa.jsonl", "fa", [
        [S("نخست‌وزیر عراق روز یکشنبه از آغاز گفت‌وگو با آمریکا خبر داد.", garble=0.1,
           translations=(("supplied", "Iraq's prime minister announced talks with America on "
                                      "Sunday."),
                         ("gemma3-270m", "The Iraqi prime minister said on Sunday talks begin.")),
           evidence={"agreement_chrf": 48.2, "agreement_cos": 0.83}),
         S("او گفت شمار سربازان آمریکایی حدود ۳۰۰۰ نفر است.", garble=0.3,
           translations=(("supplied", "He said the number of American soldiers is about 3,000."),
                         ("gemma3-270m", "He soldiers American number 3000 person is is.")),
           evidence={"agreement_chrf": 14.5, "agreement_cos": 0.41})],
        [S("به گزارش خبرگزاری، این این گفت‌وگو ها ادامه خواهد داشت داشت.", garble=0.92,
           translations=(("supplied", "According to the agency, these talks will continue."),),
           flags=(("GARB007", "repetition", "Words repeated back to back: “این این”.", "این این"),),
           evidence={"agreement_chrf": 55.0})],
    ], line=3, sep="\n")


def dari_article() -> Article:
    """A clean Dari article: nothing flagged."""
    return make_article("prs-kabul", "news/prs_kabul.txt", "prs", [
        [S("وزارت خارجه افغانستان روز یکشنبه اعلامیه‌ای نشر کرد.", garble=0.08,
           translations=(("supplied", "Afghanistan's foreign ministry issued a statement on "
                                      "Sunday."),))],
        [S("در این اعلامیه آمده است که گفتگوها ادامه دارد.", garble=0.11,
           translations=(("supplied", "The statement says the talks continue."),))],
        [S("برای دریافت اپلیکیشن اینجا کلیک کنید", kind="boilerplate", reason="app promotion")],
    ])


def crosscheck_for(articles: list[Article]) -> CrossCheck:
    """A cross-check section per docs: one conflict (2,500 vs 3,000), one corroborated fact."""
    ar, fa = articles[0], articles[1]
    p_ar = ar.passages[2]
    p_fa = fa.passages[1]
    s_ar = p_ar.start + p_ar.text.index("2500")
    s_fa = p_fa.start + p_fa.text.index("۳۰۰۰")
    facts = [
        Fact(id="fact-1", story="story-1", type="number", key="troops|us|iraq",
             label="US troops in Iraq", status="conflict", articles=(ar.id, fa.id), values=(
                 FactMention(value="2500", display="about 2,500", article=ar.id, source=ar.source,
                             passage=p_ar.id, start=s_ar, end=s_ar + 4, text="2500"),
                 FactMention(value="3000", display="about 3,000", article=fa.id, source=fa.source,
                             passage=p_fa.id, start=s_fa, end=s_fa + 4, text="۳۰۰۰"))),
        Fact(id="fact-2", story="story-1", type="date", key="talks|start",
             label="talks start <b>Sunday</b>", status="corroborated", articles=(ar.id, fa.id),
             values=(
                 FactMention(value="sunday", display="Sunday", article=ar.id, source=ar.source,
                             passage=ar.passages[1].id, start=ar.passages[1].start + 27,
                             end=ar.passages[1].start + 32, text="الأحد"),
                 FactMention(value="sunday", display="Sunday", article=fa.id, source=fa.source,
                             passage=fa.passages[0].id, start=0, end=6, text="Sunday",
                             side="translation"))),
    ]
    disagreement = Disagreement(
        article=fa.id, passage=p_fa.id, start=p_fa.start, end=p_fa.end,
        systems=("supplied", "gemma3-270m"), chrf=14.5, cosine=0.41,
        renderings={"supplied": p_fa.translations[0].text, "gemma3-270m": p_fa.translations[1].text},
        message="The renderings disagree (chrF 14.5, cosine 0.41).")
    story = Story("story-1", tuple(a.id for a in articles), "US troops withdraw from Iraq")
    return CrossCheck.build([a.id for a in articles], [story], facts,
                            TranslationComparison(3, (disagreement,)))


def sample_report(*, problems: bool = True, with_crosscheck: bool = True) -> Report:
    articles = [arabic_article(), persian_jsonl_article(), dari_article()]
    return Report(
        version="0.1.0", signature=SIGNATURE, articles=articles,
        problems=[Problem("feeds/bad.jsonl", "line 7: not valid JSON (Expecting value)")]
        if problems else [],
        crosscheck=crosscheck_for(articles) if with_crosscheck else None,
    )


def clean_report() -> Report:
    """Only the clean Dari article, no problems: passes every gate rule."""
    return Report(version="0.1.0", signature=SIGNATURE, articles=[dari_article()])


def with_lang(report: Report, article_id: str, lang: str | None) -> Report:
    arts = [replace(a, lang=lang) if a.id == article_id else a for a in report.articles]
    return replace(report, articles=arts)
