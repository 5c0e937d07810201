"""The one atomic write (newsflow.files.replacing): the feed list and the cache's artefacts
are replaced whole, keep the replaced file's permissions, and a failed write leaves the old
file and no temporary file behind."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from newsflow.feeds import dump_feed_list, load_feed_list
from newsflow.files import replacing
from newsflow.models import FeedSource


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    with replacing(target) as partial:
        partial.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    assert _mode(target) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "notes.txt"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full, say")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in target.parent.iterdir()] == ["notes.txt"]


def test_a_new_file_and_its_directory_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "new.bin"
    with replacing(target) as partial:
        partial.write_bytes(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_the_feed_list_is_rewritten_with_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    feeds = [FeedSource(url="https://a.example/rss", name="A", language="en", tags=("world",))]
    dump_feed_list(feeds, path)
    path.chmod(0o640)
    dump_feed_list([*feeds, FeedSource(url="https://b.example/rss", name="B")], path)
    assert _mode(path) == 0o640
    assert [f.name for f in load_feed_list(path)] == ["A", "B"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.yaml"]
