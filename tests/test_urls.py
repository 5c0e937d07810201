from newsflow.urls import doc_id, domain_of, normalize_url


def test_tracking_parameters_and_case_are_normalised() -> None:
    a = normalize_url("HTTPS://WWW.Example.COM:443/News/Story?utm_source=rss&b=2&a=1&fbclid=x#comments")
    assert a == "https://www.example.com/News/Story?a=1&b=2"


def test_same_article_same_id_different_article_different_id() -> None:
    assert doc_id("http://example.com/a?utm_medium=feed") == doc_id("http://EXAMPLE.com:80/a")
    assert doc_id("http://example.com/a") != doc_id("http://example.com/b")
    assert doc_id("http://example.com/a?page=2") != doc_id("http://example.com/a?page=3")


def test_path_case_and_non_default_port_are_kept() -> None:
    assert normalize_url("http://127.0.0.1:8765/A") == "http://127.0.0.1:8765/A"
    assert normalize_url("http://example.com") == "http://example.com/"


def test_domain_drops_www() -> None:
    assert domain_of("https://www.bbc.co.uk/news") == "bbc.co.uk"
