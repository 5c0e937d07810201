"""Pages without a declared charset are decoded by detection, with a warning when unsure."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.demo_server import serving
from newsflow.encoding import decode_html
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource

RUSSIAN = """<!doctype html><html><head><title>Порт снова открыт после шторма</title></head><body>
<article><h1>Порт снова открыт после шторма</h1>
<p>Порт Эллис вновь открылся в понедельник после трёх дней закрытия, сообщили в администрации порта,
когда бригады убрали обломки, оставленные штормом, который затопил набережную.</p>
<p>Рыбацкие лодки вернулись к причалу к середине утра, а паром на острова возобновил рейсы, хотя
инспекторы оставят один пирс закрытым, пока проверяют его сваи.</p></article></body></html>"""


def test_a_windows_1251_page_without_a_charset_is_indexed_readable(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{{BASE}}/</link>'
        "<item><title>Порт</title><link>{{BASE}}/ru.html</link></item></channel></rss>", encoding="utf-8")
    (site / "ru.html").write_bytes(RUSSIAN.encode("cp1251"))  # served as text/html, no charset anywhere
    settings = make_settings(tmp_path / "data", workers=1, obey_robots=False)
    with serving(site) as server:
        summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="ru")])
    assert summary.articles_new == 1
    backend = EmbeddedBackend(settings.index_file)
    [doc] = list(backend.iter_documents())
    backend.close()
    assert doc["title"] == "Порт снова открыт после шторма"
    assert "Рыбацкие лодки вернулись к причалу" in doc["text"]
    assert doc["field_sources"]["encoding"] == "cp1251 (detected)"


@pytest.mark.parametrize(("text", "codec"), [
    (RUSSIAN, "koi8-r"),
    ("<p>Το λιμάνι άνοιξε ξανά τη Δευτέρα μετά από τρεις ημέρες, είπαν οι αρχές του λιμανιού.</p>" * 3, "cp1253"),
    ("<p>東京の港は月曜日に再開しました。漁船は朝までに岸壁に戻りました。</p>" * 3, "shift_jis"),
])
def test_undeclared_encodings_are_detected(text: str, codec: str) -> None:
    decoded = decode_html(text.encode(codec), None)
    assert decoded.text == text
    assert decoded.source == "detected" and decoded.warning is None


def test_declared_charsets_win_and_a_thin_guess_is_flagged() -> None:
    assert decode_html("<p>Порт</p>".encode("cp1251"), "windows-1251").provenance == "cp1251 (header)"
    meta = '<meta charset="koi8-r"><p>Порт</p>'.encode("koi8-r")
    assert decode_html(meta, None).text.endswith("Порт</p>") and decode_html(meta, None).source == "meta"
    assert decode_html("<p>Café</p>".encode(), None).provenance == "utf-8 (utf-8)"
    thin = decode_html("<p>Привет, мир</p>".encode("cp1251"), None)  # 9 letters: cannot be sure
    assert thin.warning is not None and "unsure" in thin.warning and "unsure" in thin.provenance
    assert decode_html(b"<p>\x81\x8d\x8f\x90\x9d</p>", "no-such-charset").text.startswith("<p>")  # never raises
