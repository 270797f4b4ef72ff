"""The catalog snapshot on disk: round trip, atomic writes, and bad files ignored."""

import os
from pathlib import Path

import pytest

from app.catalog import snapshot
from app.catalog.records import Catalog, parse_page
from tests.data import DATA_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    body = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    return Catalog(tuple(parse_page(body).models))


def test_round_trip(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "catalog.json"
    snapshot.save(path, catalog)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    loaded = snapshot.load(path)
    assert loaded is not None
    assert loaded.models == catalog.models
    assert (loaded.source, loaded.loaded_at) == ("snapshot", 1_700_000_000)
    assert loaded.lookup("black-forest-labs/flux.2-pro") is not None


def test_save_replaces_the_file_whole_and_leaves_no_temp_file(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(b"old")
    snapshot.save(path, catalog)
    assert path.read_bytes() == catalog.listing
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]


def test_a_failed_save_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    path = tmp_path / "catalog.json"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        snapshot.save(path, catalog)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"data": {}}', b'{"data": []}', b"\xff\xfe"]
)
def test_a_corrupt_snapshot_is_ignored_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    assert snapshot.load(path) is None
    assert "ignoring the catalog snapshot" in caplog.text


def test_a_missing_snapshot_is_not_an_error(tmp_path: Path) -> None:
    assert snapshot.load(tmp_path / "nothing-yet.json") is None


def test_an_unreadable_snapshot_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert snapshot.load(tmp_path) is None  # a folder, not a file
    assert "ignoring the catalog snapshot" in caplog.text
