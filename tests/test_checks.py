"""Each garble check on constructed Arabic and Persian examples: code, span, and a clean twin."""

from __future__ import annotations

import pytest

from mtqa.checks import BY_CODE, CHECKS
from mtqa.checks import model as checks_model
from mtqa.checks.base import Context
from mtqa.checks.features import SIGNALS, lexicon
from mtqa.checks.text import WordLists, tokens, units, unmatched_quotes
from mtqa.config import defaults
from mtqa.model import Article, Translation
from mtqa.script import fold_lookup, numbers


@pytest.fixture(scope="module")
def cfg() -> dict:
    return defaults()["checks"]


def make_ctx(cfg: dict, text: str, lang: str = "ar", line: int | None = None, *,
             translation: str | None = None, calib: dict | None = None, **kw) -> Context:
    """Context for the whole text, or for one of its lines (with its neighbours' tails)."""
    lines = text.split("\n")
    if line is None:
        start, end, prev, nxt = 0, len(text), None, None
    else:
        start = sum(len(x) + 1 for x in lines[:line])
        end = start + len(lines[line])
        prev = lines[line - 1][-8:] if line > 0 else None
        nxt = lines[line + 1][-8:] if line + 1 < len(lines) else None
    tr = Translation("test", translation) if translation is not None else None
    return Context(text=text, start=start, end=end, lang=lang, cfg=cfg, lexicon=lexicon(cfg, lang),
                   calib=calib or {}, prev_tail=prev, next_tail=nxt, translation=tr, **kw)


def run(code: str, ctx: Context) -> list[tuple[str, str]]:
    flags = BY_CODE[code]().run(ctx)
    assert all(f.code == code for f in flags)
    return [(f.code, ctx.text[f.start:f.end]) for f in flags if f.side == "source"]


def run_tr(code: str, ctx: Context) -> list[str]:
    assert ctx.translation is not None
    return [ctx.translation.text[f.start:f.end] for f in BY_CODE[code]().run(ctx) if f.side == "translation"]


def test_registry_codes_are_unique_and_complete(cfg: dict) -> None:
    checks = [c() for c in CHECKS]
    codes = [c.code for c in checks]
    assert len(codes) == len(set(codes))
    assert set(cfg["enabled"]) <= set(codes)
    assert all(c.name and c.message and c.supports("ar") and c.supports("fa") and c.supports("prs")
               for c in checks)
    assert not checks[0].supports("en")
    assert codes == sorted(codes)  # the table is in code order


def test_every_model_feature_has_exactly_one_producer(cfg: dict) -> None:
    """A feature key is set apart from a check's name: renaming a check must not drop a feature."""
    producers = [c.feature for c in CHECKS if c.feature is not None] + list(SIGNALS)
    assert len(producers) == len(set(producers))
    gm = checks_model(cfg)
    for mode, logistic in gm.models.items():
        missing = set(logistic.features) - set(producers)
        assert not missing, f"{mode} model reads features nothing produces: {sorted(missing)}"


# --- GARB001 broken-phrase --------------------------------------------------------------------

def test_broken_name_after_kunya(cfg: dict) -> None:
    ctx = make_ctx(cfg, "قتلت الغارة زعيم الميليشيا أبو علي. مهدي المهندس قرب المطار.")
    assert run("GARB001", ctx) == [("GARB001", "أبو علي. مهدي")]


def test_period_after_preposition(cfg: dict) -> None:
    assert run("GARB001", make_ctx(cfg, "وصل الوفد إلى. بغداد صباح اليوم.")) == [("GARB001", "إلى. بغداد")]
    assert run("GARB001", make_ctx(cfg, "نیروها به. عراق رسیدند.", "fa")) == [("GARB001", "به. عراق")]


def test_orphaned_conjunction_after_period(cfg: dict) -> None:
    ctx = make_ctx(cfg, "نوقشت الخطط في المرة الأخيرة. العام الماضي وأن التوقيت لا علاقة له بالهجمات.")
    assert run("GARB001", ctx) == [("GARB001", "الأخيرة. العام الماضي وأن")]


def test_broken_phrase_negatives(cfg: dict) -> None:
    assert run("GARB001", make_ctx(cfg, "قال أبو علي. وأضاف أن الوضع هادئ في المدينة.")) == []
    assert run("GARB001", make_ctx(cfg, "وصل الوفد إلى بغداد. وبدأت المحادثات اليوم.")) == []
    assert run("GARB001", make_ctx(cfg, "نیروها به عراق رسیدند. گفتگوها آغاز شد.", "fa")) == []


def test_broken_phrase_sees_the_paragraph_but_flags_inside_the_passage(cfg: dict) -> None:
    text = "قتلت الغارة أبو علي. مهدي المهندس قرب المطار."
    cut = text.index("مهدي")
    second = Context(text=text, start=cut, end=len(text), lang="ar", cfg=cfg, lexicon=lexicon(cfg, "ar"),
                     para_start=0, para_end=len(text))
    flags = BY_CODE["GARB001"]().run(second)
    assert [(f.start, f.end) for f in flags] == [(cut, cut + len("مهدي"))]


# --- GARB002 dangling-fragment ----------------------------------------------------------------

def test_dangling_fragment(cfg: dict) -> None:
    ctx = make_ctx(cfg, "أعلن رئيس الوزراء بدء الحوار بحسب وكالة أسوشيتد برس. يضعط.")
    assert run("GARB002", ctx) == [("GARB002", "يضعط.")]
    ctx = make_ctx(cfg, "این گروه را سپاه پاسداران ایران آموزش داد. پاسداران.", "fa")
    assert run("GARB002", ctx) == [("GARB002", "پاسداران.")]


def test_dangling_fragment_negatives(cfg: dict) -> None:
    assert run("GARB002", make_ctx(cfg, "أعلن الوزير بدء الحوار. وأضاف أن الجولة الثانية قريبة.")) == []
    assert run("GARB002", make_ctx(cfg, "التقى الوزير د. محمد في بغداد.")) == []  # an initial
    assert run("GARB002", make_ctx(cfg, "يضعط.")) == []  # a paragraph of its own is not a fragment
    assert run("GARB002", make_ctx(cfg, "تبدأ الجولة اليوم. وأدلى...")) == []  # a cut teaser


# --- GARB003 stray-punctuation / GARB004 unbalanced-quote --------------------------------------

def test_stray_punctuation(cfg: dict) -> None:
    ctx = make_ctx(cfg, "قال المسؤول: “المحادثات مستمرة”. .")
    assert run("GARB003", ctx) == [("GARB003", ". .")]
    assert run("GARB003", make_ctx(cfg, "قال المسؤول،، إن المحادثات مستمرة.")) == [("GARB003", "،،")]
    assert run("GARB003", make_ctx(cfg, "گفتگوها ادامه دارد..", "fa")) == [("GARB003", "..")]


def test_stray_punctuation_negatives(cfg: dict) -> None:
    assert run("GARB003", make_ctx(cfg, "وتستعد البلاد لمزيد من الاحتكاك...")) == []
    assert run("GARB003", make_ctx(cfg, "هل هذا صحيح؟!")) == []
    assert run("GARB003", make_ctx(cfg, "قال المسؤول، إن المحادثات مستمرة.")) == []


def test_quote_cut_mid_phrase(cfg: dict) -> None:
    text = "وقال إن اللجنة ستعمل “على تحديد الظروف اللازمة لنقل السلطة”. مهمة في العراق”، بحسب التقرير."
    assert run("GARB004", make_ctx(cfg, text)) == [("GARB004", "مهمة في العراق”")]


def test_quote_never_closed(cfg: dict) -> None:
    text = "او گفت: «این یک تحول است. و این معنای تحول است."
    assert run("GARB004", make_ctx(cfg, text, "fa")) == [("GARB004", "«این یک تحول است.")]


def test_balanced_quotes_pass(cfg: dict) -> None:
    assert run("GARB004", make_ctx(cfg, "قال: “لن ننسحب من العراق”. وأضاف: «هذا تحول».")) == []
    assert run("GARB004", make_ctx(cfg, 'صدر اعظم گفته است: "ختم ماموریت ضروری است."', "prs")) == []


# --- GARB005 unknown-word -----------------------------------------------------------------------

def test_unknown_word(cfg: dict) -> None:
    assert run("GARB005", make_ctx(cfg, "ذهب الرجل إلى السوق يضعط صباحا.")) == [("GARB005", "يضعط")]


def test_known_words_with_clitics_zwnj_and_lost_spaces(cfg: dict) -> None:
    assert run("GARB005", make_ctx(cfg, "والولايات المتحدة وبالأردن وللعراق.")) == []
    assert run("GARB005", make_ctx(cfg, "آنها به خانه‌هایشان می‌روند.", "fa")) == []
    assert run("GARB005", make_ctx(cfg, "ایالات متحده درعراق حضور دارد.", "prs")) == []


# --- GARB006 latin-ui-string / GARB010 promo-string ----------------------------------------------

def test_latin_ui_string(cfg: dict) -> None:
    ctx = make_ctx(cfg, "انقر للحصول على تطبيق FOX NEWS")
    assert run("GARB006", ctx) == [("GARB006", "FOX NEWS")]
    assert run("GARB010", ctx) == [("GARB010", "انقر للحصول على تطبيق")]
    assert run("GARB006", make_ctx(cfg, "برای اخبار بیشتر اینجا Click کنید.", "fa")) == [("GARB006", "Click")]


def test_single_acronym_is_not_ui(cfg: dict) -> None:
    ctx = make_ctx(cfg, "استأنفت شركة طيران ITA الإيطالية رحلاتها المباشرة.")
    assert run("GARB006", ctx) == []
    assert run("GARB010", ctx) == []



# Clean sentences naming Latin-script artists and songs (constructed): normal in news, never
# interface text. Each has at least as many Arabic-script words as Latin ones, so GARB006 looks.
MIXED_CLEAN = [
    ("fa", "در جشنواره امسال که در شهر لس‌آنجلس برگزار شد، هنرمندان مشهوری مانند Taylor Swift، "
           "Ed Sheeran، Billie Eilish، Bruno Mars و Elton John برای هزاران نفر از تماشاگران "
           "روی صحنه رفتند و بلیت‌های این برنامه در چند ساعت به فروش رفت."),
    ("fa", "این خواننده جوان ترانه‌های «Shape of You»، «Blinding Lights» و «Bad Guy» را در "
           "کنسرت تهران بازخوانی کرد."),
    ("ar", "وأدت الفرقة أغنيتي \"Bohemian Rhapsody\" و\"We Will Rock You\" أمام آلاف الحاضرين "
           "في القاهرة مساء الخميس."),
    ("ar", "والتقى الرئيس الأمريكي (Joe Biden) برئيس الوزراء البريطاني (Rishi Sunak) في لندن أمس."),
    ("fa", "آهنگ «Here Comes the Sun» از گروه The Beatles در این مراسم پخش شد."),
]
# Interface and app-promotion text (constructed) that must still be flagged.
MIXED_PROMO = [
    ("ar", "للمزيد من الأخبار Download the app الآن مجانا.", "Download the app"),
    ("fa", "برای دریافت اخبار Click Here را بزنید.", "Click Here"),
    ("ar", "تابعوا البث على قناة SKY NEWS الآن.", "SKY NEWS"),
]


@pytest.mark.parametrize(("lang", "text"), MIXED_CLEAN)
def test_latin_names_and_titles_are_not_ui_strings(cfg: dict, lang: str, text: str) -> None:
    from mtqa import checks

    assert run("GARB006", make_ctx(cfg, text, lang)) == []
    garble = checks.combined(checks.score_pairs([text], [None], lang, cfg), "source", cfg)[0]
    assert garble < cfg["threshold_source"]


@pytest.mark.parametrize(("lang", "text", "ui"), MIXED_PROMO)
def test_latin_interface_strings_are_still_flagged(cfg: dict, lang: str, text: str, ui: str) -> None:
    assert run("GARB006", make_ctx(cfg, text, lang)) == [("GARB006", ui)]


def test_seed_promo_string_is_still_flagged(cfg: dict, seeds_dir) -> None:
    """The seed 002 article's app-promotion line keeps its GARB006 flag."""
    path = next(seeds_dir.glob("002_*.txt"))
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if any("A" <= c <= "Z" for c in ln) and "تطبيق" in ln]
    assert lines
    for line in lines:
        flags = run("GARB006", make_ctx(cfg, line))
        assert flags and all(t.isupper() for _, t in flags)


# --- GARB007 repetition -------------------------------------------------------------------------

def test_repetition(cfg: dict) -> None:
    assert run("GARB007", make_ctx(cfg, "قال المسؤول إن إن المحادثات مستمرة.")) == [("GARB007", "إن إن")]
    ctx = make_ctx(cfg, "نیروهای آمریکایی نیروهای آمریکایی در عراق هستند.", "fa")
    assert run("GARB007", ctx) == [("GARB007", "نیروهای آمریکایی نیروهای آمریکایی")]


def test_repetition_negatives(cfg: dict) -> None:
    assert run("GARB007", make_ctx(cfg, "قالت الولايات المتحدة إن الولايات المتحدة لن تنسحب.")) == []
    assert run("GARB007", make_ctx(cfg, "اوضاع کم کم آرام شد.", "fa")) == []


# --- GARB008 truncated / GARB011 pasted-headline --------------------------------------------------

def test_truncated_on_comma_and_preposition(cfg: dict) -> None:
    ctx = make_ctx(cfg, "يحذر الخبراء من أن الانسحاب سيسمح لإيران بزرع المزيد من الخلاف،")
    assert run("GARB008", ctx) == [("GARB008", "من الخلاف،")]
    ctx = make_ctx(cfg, "نیروهای آمریکایی در حال خروج از", "fa")
    assert run("GARB008", ctx) == [("GARB008", "خروج از")]


def test_truncated_negatives(cfg: dict) -> None:
    assert run("GARB008", make_ctx(cfg, "يحذر الخبراء من الانسحاب.")) == []
    assert run("GARB008", make_ctx(cfg, "القاهرة –")) == []  # a dateline
    assert run("GARB008", make_ctx(cfg, "الولايات المتحدة والعراق يعلنان نهاية التحالف")) == []  # a title


def test_pasted_headline_between_paragraphs(cfg: dict) -> None:
    text = ("أعلنت الحكومة بدء الحوار.\nالنقاد يهاجمون بايدن بعد الهجوم في الأردن\n"
            "وأعقب ذلك بيان من التحالف.")
    expected = [("GARB011", "النقاد يهاجمون بايدن بعد الهجوم في الأردن")]
    assert run("GARB011", make_ctx(cfg, text, line=1)) == expected
    title = "النقاد يهاجمون بايدن بعد الهجوم في الأردن\nأعلنت الحكومة بدء الحوار."
    assert run("GARB011", make_ctx(cfg, title, line=0)) == []  # a title has no paragraph before it


# --- GARB009 unnatural-text ---------------------------------------------------------------------

def test_unnatural_text_uses_the_fitted_limit(cfg: dict) -> None:
    text = "ذهب الرجل إلى السوق يضعطقثب صباحا."
    flagged = run("GARB009", make_ctx(cfg, text, calib={"lm_bits_flag_ar": 0.5}))
    assert flagged == [("GARB009", "يضعطقثب")]
    assert run("GARB009", make_ctx(cfg, text, calib={"lm_bits_flag_ar": 50.0})) == []
    assert run("GARB009", make_ctx(cfg, text)) == []  # no calibration, no flag


# --- translation side ---------------------------------------------------------------------------

def test_number_mismatch_both_sides(cfg: dict) -> None:
    ctx = make_ctx(cfg, "قتل 2500 جندي في عام ٢٠٢٣.", translation="2,500 soldiers were killed in 2024.")
    flags = BY_CODE["TRAN003"]().run(ctx)
    got = {(f.side, (ctx.translation.text if f.side == "translation" else ctx.text)[f.start:f.end])
           for f in flags}
    assert got == {("translation", "2024"), ("source", "٢٠٢٣")}
    ok = make_ctx(cfg, "قتل ۲٬۵۰۰ جندي في عام 2023.", translation="2,500 soldiers were killed in 2023.")
    assert BY_CODE["TRAN003"]().run(ok) == []


def test_script_residue(cfg: dict) -> None:
    ctx = make_ctx(cfg, "قال الوزير اليوم.", translation="The minister said يضعط today.")
    assert run_tr("TRAN004", ctx) == ["يضعط"]
    assert run_tr("TRAN004", make_ctx(cfg, "قال الوزير.", translation="The minister said.")) == []


def test_repetition_loop(cfg: dict) -> None:
    ctx = make_ctx(cfg, "استمرت المحادثات.", translation="The talks continued the talks continued the talks.")
    assert run_tr("TRAN005", ctx) == ["The talks continued the talks continued"]
    ok = make_ctx(cfg, "استمرت المحادثات.", translation="The talks continued on Sunday.")
    assert run_tr("TRAN005", ok) == []


def test_length_ratio_and_drift_and_logprob(cfg: dict) -> None:
    calib = {"log_len_ratio_lo": -1.0, "log_len_ratio_hi": 1.0, "xling_cos_flag": 0.8}
    short = make_ctx(cfg, "استمرت المحادثات بين البلدين طوال يوم الأحد في بغداد.", translation="Talks.",
                     calib=calib, xling_cos=0.5, logprob=-2.0)
    assert run_tr("TRAN006", short) == ["Talks."]
    assert run_tr("TRAN002", short) == ["Talks."]
    assert run_tr("TRAN001", short) == ["Talks."]
    good = make_ctx(cfg, "استمرت المحادثات يوم الأحد.", translation="Talks went on on Sunday.",
                    calib=calib, xling_cos=0.9, logprob=-0.3)
    assert run_tr("TRAN006", good) == run_tr("TRAN002", good) == run_tr("TRAN001", good) == []


# --- text helpers -------------------------------------------------------------------------------

def test_units_tokens_quotes_numbers() -> None:
    text = "قال أبو علي. مهدي المهندس “قال”. انتهى"
    assert [text[s:e] for s, e in units(text)] == ["قال أبو علي.", "مهدي المهندس “قال”.", "انتهى"]
    assert [t.text for t in tokens("موش‌های ۲۵۰۰ U.S. 2.5")] == ["موش‌های", "۲۵۰۰", "U", "S", "2.5"]
    assert unmatched_quotes("“a” b”", 0, 6) == [(5, "close")]
    assert [v for v, _, _ in numbers("۲٬۵۰۰ و 1,500 و 2.50 و 7", 2)] == ["2500", "1500", "2.5"]
    assert fold_lookup("أبو") == fold_lookup("ابو") and fold_lookup("ی") == fold_lookup("ي")
    assert fold_lookup("على") != fold_lookup("علي")


def test_lexicon_clitics() -> None:
    lex = WordLists({"clitic_prefixes": ["وال", "و"], "clitic_suffixes": ["ها"]}, "ar")
    assert lex.zipf("يضعط") == 0.0
    assert lex.zipf("والعراق") > 3.0


def _one_line_contexts(cfg: dict, sentences: list[str], shared: dict | None) -> list[Context]:
    """One context per sentence of a single-line paragraph (sharing ``shared`` when given)."""
    text = " ".join(sentences)
    out, pos = [], 0
    for s in sentences:
        out.append(Context(text=text, start=pos, end=pos + len(s), lang="ar", cfg=cfg,
                           lexicon=lexicon(cfg, "ar"), para_start=0, para_end=len(text),
                           **({} if shared is None else {"shared": shared})))
        pos += len(s) + 1
    return out


def test_paragraph_scans_are_shared_and_windowed(cfg: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long one-line paragraph is split into units once, not once per passage, and each passage
    reads only the units next to it; the flags are those of a context that scans everything."""
    import mtqa.checks.base as base

    sentences = ["قال الوزير إن السد آمن.", "أبو علي. مهدي المهندس قتل في الغارة.",
                 "وصل الوفد «إلى بغداد أمس.", "هذا هذا خبر مهم . . جدا."] * 50
    calls = []
    real_units = base.units
    monkeypatch.setattr(base, "units", lambda *a: calls.append(a) or real_units(*a))
    shared = _one_line_contexts(cfg, sentences, {})
    codes = ["GARB001", "GARB002", "GARB003", "GARB004", "GARB008"]
    got = [[(c, f.start, f.end) for c in codes for f in BY_CODE[c]().run(ctx)] for ctx in shared]
    assert len(calls) == 1  # 200 passages, one scan of the paragraph
    n_units = len(shared[0].para_units())
    assert n_units >= 200
    for ctx in shared:  # the units overlapping the passage and one neighbour on each side
        units_ = ctx.para_units()
        mine = [i for i, (a, b) in enumerate(units_) if b > ctx.start and a < ctx.end]
        assert list(ctx.unit_window()) == list(range(max(0, mine[0] - 1), min(n_units, mine[-1] + 2)))
    alone = _one_line_contexts(cfg, sentences, None)
    assert got == [[(c, f.start, f.end) for c in codes for f in BY_CODE[c]().run(ctx)] for ctx in alone]
    assert any(got) and {c for g in got for c, _, _ in g} >= {"GARB001", "GARB003", "GARB004"}


def test_overlong_token_is_flagged_and_flags_the_passage(cfg: dict) -> None:
    """A 200 KB run without spaces (GARB012): each passage holding a piece of it is flagged, with
    the run's length in the reason; ordinary long words are not."""
    from dataclasses import replace

    from mtqa import checks
    from mtqa.config import Config
    from mtqa.pipeline import prepare

    blob = "بلا" * 70_000
    text = f"قال الوزير إن السد آمن تماما. {blob} وأضاف أن العمل مستمر."
    config = Config.load()
    article = prepare(replace(Article(id="a", source="a.txt", text=text), lang="ar"), config)
    scored = checks.score([article], config.section("checks"))[0]
    start = text.index(blob)
    pieces = [p for p in scored.passages if p.start < start + len(blob) and p.end > start]
    assert len(pieces) >= 300
    for p in pieces:
        assert p.flagged
        g12 = [f for f in p.flags if f.code == "GARB012"]
        assert len(g12) == 1 and g12[0].severity == "error" and "210,000 characters" in g12[0].message
        assert g12[0].start == max(p.start, start) and g12[0].end == min(p.end, start + len(blob))
    others = [p for p in scored.passages if p not in pieces]
    assert others and not any(f.code == "GARB012" for p in others for f in p.flags)
    long_word = make_ctx(cfg, "استطاعوا وبمستشفياتهم والمستشفيات " + "x" * 199)
    assert run("GARB012", long_word) == []
    assert run("GARB012", make_ctx(cfg, "a " + "x" * 200)) == [("GARB012", "x" * 200)]
