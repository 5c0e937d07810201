"""The extractors' data files read through :func:`extractors.yaml_data.load_yaml`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extractors.yaml_data import load_yaml

DATA = Path(__file__).resolve().parent.parent / "extractors" / "data"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_every_data_file_reads_as_the_pure_python_safe_loader_reads_it(path: Path) -> None:
    data = load_yaml(path)
    assert data  # none of them is empty
    assert data == yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def test_only_plain_data_no_python_objects(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        load_yaml(path)


def test_a_non_ascii_file_reads_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "names.yaml"
    path.write_text("names: [Zürich, Київ, Besançon]\n", encoding="utf-8")
    assert load_yaml(path) == {"names": ["Zürich", "Київ", "Besançon"]}
