"""Saved-search alerts on the embedded index with real receivers: a webhook server on
127.0.0.1 (:mod:`alert_receiver`) and JSONL files. Each new match is delivered once across
reruns; a failing receiver is recorded and caught up with; only new documents match."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_receiver import receiver
from conftest import make_settings

from newsflow.alerts import SavedSearch, run_alerts
from newsflow.config import Settings
from newsflow.index.embedded import EmbeddedBackend
from newsflow.state import StateStore

WORDS = {
    "flood": ("River flood reaches the old town", "The river flood closed the bridge and the market."),
    "bank": ("Central bank keeps its rate", "The bank said prices rose more slowly in spring."),
}


def doc(doc_id: str, kind: str, *, language: str = "en", note: str = "") -> dict[str, Any]:
    title, text = WORDS[kind]
    return {"id": doc_id, "url": f"http://paper.test/{doc_id}", "title": title + note, "text": text,
            "source": "Paper", "domain": "paper.test", "language": language,
            "published_at": "2026-03-01T08:00:00Z"}


class World:
    """An embedded index, a state store and settings in one temporary directory."""

    def __init__(self, data_dir: Path, **changes: Any) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.settings: Settings = make_settings(data_dir, alert_retry_delay=0.01, **changes)
        self.index = EmbeddedBackend(self.settings.index_file)
        self.state = StateStore(self.settings.state_location)

    def add(self, name: str, target: str, text: str = "flood", **search: Any) -> None:
        assert self.state.add_alert(name, SavedSearch(text=text, **search).check().to_json(), target)

    def run(self) -> dict[str, Any]:
        return run_alerts(self.settings, state=self.state, backend=self.index).as_dict()

    def close(self) -> None:
        self.index.close()
        self.state.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "data")
    yield w
    w.close()


def next_second() -> None:
    """indexed_at and the alert's creation are compared in whole seconds."""
    time.sleep(1.1)


def outcome(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in report["alerts"] if o["name"] == name)


def test_each_new_match_reaches_the_webhook_once_across_reruns(world: World) -> None:
    world.index.upsert([doc("old", "flood")])  # indexed before the alert: never a match
    next_second()
    with receiver() as hook:
        world.add("floods", hook.url)
        world.index.upsert([doc("d1", "flood"), doc("d2", "bank")])
        assert outcome(world.run(), "floods") == {"name": "floods", "found": 1, "delivered": 1, "waiting": 0,
                                                  "error": None, "skipped": None}
        assert hook.doc_ids() == ["d1"]
        key, body = hook.received[0]
        assert body["delivery_id"] == key and len(key) == 32
        assert body["alert"] == "floods" and body["search"] == {"text": "flood", "filters": {}, "mode": "keyword"}
        assert body["document"]["url"] == "http://paper.test/d1" and "<mark>" in body["highlights"]["title"][0]

        assert world.run()["found"] == 0  # nothing new
        next_second()
        world.index.upsert([doc("d1", "flood", note=" (updated)"), doc("d3", "flood"), doc("d2", "bank")])
        report = world.run()
        assert (report["found"], report["delivered"]) == (1, 1)
        assert world.run()["found"] == 0
    assert hook.doc_ids() == ["d1", "d3"]  # d1 was written again, but it matched this alert before
    assert all(len(keys) == 1 for keys in hook.by_doc().values())
    alert = world.state.alert("floods")
    assert alert is not None and (alert.delivered, alert.waiting, alert.last_error) == (2, 0, None)


def test_a_document_written_again_after_the_alert_was_made_matches_once(world: World) -> None:
    """The rule for 'new': written (new, or changed by a run or reprocess) since the last run."""
    world.index.upsert([doc("old", "bank")])
    next_second()
    target = world.settings.data_dir / "banks.jsonl"
    world.add("rates", str(target), text="bank OR flood")
    assert world.run()["found"] == 0
    next_second()
    world.index.upsert([doc("old", "bank", note=" again")])  # e.g. reprocessed with a new extractor
    world.index.upsert([doc("old", "bank", note=" again")])  # unchanged: not written
    assert world.run()["found"] == 1 and world.run()["found"] == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["document"]["id"] for line in lines] == ["old"]


def test_filters_and_exclusions_use_the_search_syntax(world: World) -> None:
    target = world.settings.data_dir / "de.jsonl"
    world.add("german-floods", str(target), text="drought OR flood", filters={"language": ("de",)})
    world.add("no-bridge", str(target), text="flood -bridge")
    world.index.upsert([doc("en1", "flood"), doc("de1", "flood", language="de")])
    report = world.run()
    assert (outcome(report, "german-floods")["found"], outcome(report, "no-bridge")["found"]) == (1, 0)
    assert [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()] == ["de1"]


def test_a_failing_receiver_is_recorded_and_the_match_is_sent_once_it_recovers(world: World) -> None:
    target = world.settings.data_dir / "floods.jsonl"
    with receiver(status=503) as hook:
        world.add("webhook", hook.url)
        world.add("file", str(target))
        world.index.upsert([doc("d1", "flood")])
        report = world.run()
        failed = outcome(report, "webhook")
        assert report["failed"] == ["webhook"] and (failed["found"], failed["delivered"], failed["waiting"]) == (1, 0, 1)
        assert "answered 503" in failed["error"] and "after 3 attempts" in failed["error"]
        assert outcome(report, "file")["delivered"] == 1  # the other alert went on
        assert len(hook.received) == 3 and len({k for k, _ in hook.received}) == 1  # retried, same key
        alert = world.state.alert("webhook")
        assert alert is not None and "503" in (alert.last_error or "") and alert.waiting == 1

        hook.status = 200
        report = world.run()
        assert report["failed"] == [] and outcome(report, "webhook")["delivered"] == 1
        assert world.run()["delivered"] == 0
    assert len(hook.received) == 4 and {k for k, _ in hook.received} == {hook.received[0][0]}
    alert = world.state.alert("webhook")
    assert alert is not None and (alert.last_error, alert.delivered, alert.waiting) == (None, 1, 0)


def test_a_client_error_is_not_retried_within_the_run(world: World) -> None:
    with receiver(status=410) as hook:
        world.add("webhook", hook.url)
        world.index.upsert([doc("d1", "flood")])
        error = outcome(world.run(), "webhook")["error"]
        assert "answered 410" in error and len(hook.received) == 1


def test_a_receiver_that_never_answers_times_out_and_is_tried_again(tmp_path: Path) -> None:
    w = World(tmp_path / "data", read_timeout=0.5, alert_attempts=2)
    try:
        with receiver(status=None) as hook:
            w.add("silent", hook.url)
            w.index.upsert([doc("d1", "flood")])
            failed = outcome(w.run(), "silent")
            assert "ReadTimeout" in failed["error"] and "after 2 attempts" in failed["error"]
            assert len(hook.received) == 2 and failed["waiting"] == 1
    finally:
        w.close()


def test_a_dead_receiver_is_the_alerts_failure_with_its_reason(world: World) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    world.add("dead", f"http://127.0.0.1:{port}/hook")
    world.index.upsert([doc("d1", "flood")])
    failed = outcome(world.run(), "dead")
    assert "ConnectError" in failed["error"] and failed["waiting"] == 1


def test_the_ssrf_guard_keeps_a_private_receiver_out_unless_allowed(tmp_path: Path) -> None:
    w = World(tmp_path / "data", allow_hosts=())
    try:
        with receiver() as hook:
            w.add("inside", hook.url)
            w.index.upsert([doc("d1", "flood")])
            failed = outcome(w.run(), "inside")
            assert "allow_hosts" in failed["error"] and hook.received == []
    finally:
        w.close()


def test_jsonl_lines_are_appended_once_each(world: World) -> None:
    target = world.settings.data_dir / "out" / "floods.jsonl"
    target.parent.mkdir()
    world.add("floods", str(target))
    world.index.upsert([doc("d1", "flood"), doc("d2", "flood")])
    assert world.run()["delivered"] == 2
    next_second()
    world.index.upsert([doc("d3", "flood")])
    assert world.run()["delivered"] == 1 and world.run()["delivered"] == 0
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["document"]["id"] for line in lines) == ["d1", "d2", "d3"]
    assert len({line["delivery_id"] for line in lines}) == 3


def test_an_unwritable_file_is_recorded_and_retried(world: World) -> None:
    target = world.settings.data_dir / "later" / "floods.jsonl"
    world.add("floods", str(target))
    world.index.upsert([doc("d1", "flood")])
    assert "cannot append" in outcome(world.run(), "floods")["error"]
    target.parent.mkdir()
    assert world.run()["delivered"] == 1
    assert len(target.read_text().splitlines()) == 1


def test_every_page_of_matches_is_delivered(world: World) -> None:
    from newsflow.alerts.matching import PAGE

    target = world.settings.data_dir / "many.jsonl"
    world.add("many", str(target))
    world.index.upsert([doc(f"d{n:04d}", "flood") for n in range(2 * PAGE + 5)])
    assert world.run()["delivered"] == 2 * PAGE + 5
    ids = [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 2 * PAGE + 5


def test_a_line_a_killed_writer_left_unfinished_stays_apart_from_the_next(world: World) -> None:
    target = world.settings.data_dir / "floods.jsonl"
    target.write_text('{"delivery_id":"x","alert":"flo', encoding="utf-8")  # cut off mid-line
    world.add("floods", str(target))
    world.index.upsert([doc("d1", "flood")])
    assert world.run()["delivered"] == 1
    torn, line = target.read_text(encoding="utf-8").split("\n")[:2]
    assert torn == '{"delivery_id":"x","alert":"flo' and json.loads(line)["document"]["id"] == "d1"
