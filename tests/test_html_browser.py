"""The HTML report in a real browser: headless Chromium screenshot and DOM dump.

Checks that a flagged span is visibly highlighted (pixels of mark.flag's background colour,
``mtqa.report.html.FLAG_COLOUR`` = #ffd60a, in the screenshot), that the page's own script ran
under its Content-Security-Policy (it sets ``data-js="on"``), and that hostile article text did
not become elements (no ``<img>``, one ``<script>``). Skips when ``chromium`` is not installed
(CI installs it in ``.ci/run``).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import HOSTILE_IMG, sample_report

from mtqa import gate
from mtqa.report import render
from mtqa.report.html import FLAG_COLOUR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium not installed (apt-get install chromium); skipping "
                                "the browser test of the HTML report")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--force-color-profile=srgb", "--hide-scrollbars", "--window-size=1280,2000"]


def decode_png(data: bytes) -> np.ndarray:
    """RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium writes), as (h, w, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 1:  # Sub: running sum per channel
            cur = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) & 0xFF
        elif ftype == 2:  # Up
            cur = (line + prev) & 0xFF
        else:  # Average (3) or Paeth (4): depends on the left neighbour, pixel by pixel
            cur = np.zeros(stride, dtype=np.int32)
            lv, pv = line.tolist(), prev.tolist()
            cv = [0] * stride
            for i in range(stride):
                a = cv[i - channels] if i >= channels else 0
                b = pv[i]
                if ftype == 3:
                    cv[i] = (lv[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = pv[i - channels] if i >= channels else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cv[i] = (lv[i] + pred) & 0xFF
            cur = np.array(cv, dtype=np.int32)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)


def colour_pixels(pixels: np.ndarray, hex_colour: str, tolerance: int = 3) -> int:
    """How many pixels are within ``tolerance`` of ``hex_colour`` in every channel."""
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int32)
    diff = np.abs(pixels[..., :3].astype(np.int32) - target)
    return int(np.all(diff <= tolerance, axis=-1).sum())


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM or "chromium", *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = sample_report()
    report.gate = gate.evaluate(report, gate.load_gate_config(None))
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


def test_png_decoder_on_a_known_image() -> None:
    # 3x2 RGB image, rows filtered with Sub and Paeth: decoding must give the exact pixels.
    pixels = [[(255, 214, 10), (0, 0, 0), (255, 214, 10)], [(1, 2, 3), (255, 214, 10), (9, 9, 9)]]
    def sub(row: list[int]) -> bytes:
        return bytes([1] + [(row[i] - (row[i - 3] if i >= 3 else 0)) & 0xFF for i in range(len(row))])
    def paeth(row: list[int], up: list[int]) -> bytes:
        out = [4]
        for i, x in enumerate(row):
            a = row[i - 3] if i >= 3 else 0
            b, c = up[i], (up[i - 3] if i >= 3 else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((x - pred) & 0xFF)
        return bytes(out)
    r0 = [v for px in pixels[0] for v in px]
    r1 = [v for px in pixels[1] for v in px]
    raw = sub(r0) + paeth(r1, r0)
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    decoded = decode_png(png)
    assert decoded.tolist() == [[list(p) for p in row] for row in pixels]
    assert colour_pixels(decoded, FLAG_COLOUR) == 3


def test_screenshot_shows_the_flag_highlight(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    out = _chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot: {out.stderr[-2000:]}"
    pixels = decode_png(shot.read_bytes())
    assert pixels.shape[:2] == (2000, 1280)
    highlighted = colour_pixels(pixels, FLAG_COLOUR)
    # Several highlighted words, each some hundreds of pixels: far more than anti-aliasing noise.
    assert highlighted > 2000, f"only {highlighted} pixels of {FLAG_COLOUR}: flags not highlighted"
    # And the colour is not simply everywhere (it marks spans, not the page).
    assert highlighted < 0.1 * pixels.shape[0] * pixels.shape[1]


def test_rendered_dom_has_marks_and_no_injected_elements(page: Path, tmp_path: Path) -> None:
    out = _chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = out.stdout
    assert "<html" in dom, f"no DOM dumped: {out.stderr[-2000:]}"
    parser = _Elements()
    parser.feed(dom)
    tags = parser.tags
    marks = [a for t, a in tags if t == "mark" and "flag" in (a.get("class") or "").split()]
    assert marks, "no <mark class=flag> in the rendered DOM"
    assert any(a.get("data-code") == "GARB001" for a in marks)
    # our script ran (so the CSP hash is right) and set the flag on <html>
    html_attrs = next(a for t, a in tags if t == "html")
    assert html_attrs.get("data-js") == "on", "the page's own script did not run under its CSP"
    # hostile text stayed text
    assert not [t for t, _ in tags if t == "img"], "hostile <img> became an element"
    assert sum(t == "script" for t, _ in tags) == 1
    assert not [a for _, a in tags if any(k.startswith("on") for k in a)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert HOSTILE_IMG.replace(">", "&gt;").replace("<", "&lt;") in dom


def test_linking_to_a_removed_passage_opens_it(page: Path, tmp_path: Path) -> None:
    # The cross-check links to passages by id; a removed (collapsed) passage must open when its
    # anchor is the target — the page's script does that.
    out = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#ar-iraq:4")
    parser = _Elements()
    parser.feed(out.stdout)
    details = {a.get("id"): a for t, a in parser.tags if t == "details"}
    assert "open" in details["ar-iraq:4"], "the targeted removed passage stayed collapsed"
    assert "open" not in details["prs-kabul:2"]
