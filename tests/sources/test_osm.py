"""The live path (osmnx -> Overpass) against recorded responses, the cache, and `corridor osm fetch`."""

from __future__ import annotations

import json
import logging

import pytest

from geo import settings
from geo.errors import OSMUnavailableError
from geo.sources import osm
from tests.sources.conftest import FIXTURE_BOX


def test_fetch_success_writes_cache_with_manifest(fake_overpass, osm_dir):
    fake = fake_overpass()
    folder = osm.fetch_osm("test", polygon=FIXTURE_BOX, progress=False)
    assert folder == osm_dir / "test"
    # one features query and one query per network type, nothing retried
    assert len(fake.posts) == 1 + len(settings.OSM_NETWORK_TYPES)
    assert fake.waits == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    import osmnx

    assert manifest["osmnx_version"] == osmnx.__version__
    assert manifest["source"] == "overpass"
    assert manifest["query"]["overpass_url"] == "https://overpass.test/api"
    assert manifest["query"]["tags"]["amenity"] == ["university", "college", "research_institute"]
    assert manifest["fetched_at"].endswith("+00:00")
    assert "OpenStreetMap contributors" in manifest["attribution"]
    for name, entry in manifest["files"].items():
        assert (folder / name).exists() and len(entry["sha256"]) == 64

    features = osm.load_osm_features(areas=["test"])
    campus = features[features["osm_key"] == "way/101"].iloc[0]
    assert campus["name_zh"] == "华中科技大学"
    assert campus["name_en"] == "Huazhong University of Science and Technology"
    assert campus["category"] == "university"
    assert set(features.loc[features["theme"] == "landuse", "category"]) == {"park", "industrial"}
    graph = osm.load_osm_graph("test", "drive")
    assert graph.number_of_edges() > 0
    assert osm.cached_areas() == ["test"]


def test_fetch_retries_after_timeout_then_succeeds(fake_overpass, caplog):
    fake = fake_overpass(["timeout"])
    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        folder = osm.fetch_osm("test", polygon=FIXTURE_BOX, network_types=("drive",), progress=False)
    assert folder is not None
    # the timed-out features query was sent again after one back-off of OSM_BACKOFF_S
    assert fake.waits == [settings.OSM_BACKOFF_S]
    assert len(fake.posts) == 3
    assert fake.posts[0] == fake.posts[1]
    assert "retrying" in caplog.text and "timed out" in caplog.text
    assert len(osm.load_osm_features(areas=["test"])) > 0


def test_rate_limit_and_gateway_timeout_back_off_exponentially(fake_overpass):
    fake = fake_overpass(["429", "504"])
    folder = osm.fetch_osm("test", polygon=FIXTURE_BOX, network_types=(), progress=False)
    assert folder is not None
    assert fake.waits == [settings.OSM_BACKOFF_S, 2 * settings.OSM_BACKOFF_S]


def test_persistent_504_gives_up_after_max_retries(fake_overpass):
    fake = fake_overpass(default="504")
    with pytest.raises(OSMUnavailableError, match="504"):
        osm.fetch_osm("test", polygon=FIXTURE_BOX, network_types=(), require_osm=True, progress=False)
    assert len(fake.posts) == settings.OSM_MAX_RETRIES + 1
    assert fake.waits == [settings.OSM_BACKOFF_S * 2**i for i in range(settings.OSM_MAX_RETRIES)]


def test_offline_falls_back_with_one_line_message(fake_overpass, osm_dir, caplog):
    fake_overpass(offline=True)
    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        assert osm.fetch_osm("test", polygon=FIXTURE_BOX, progress=False) is None
    messages = [r.getMessage() for r in caplog.records if r.name == "corridor.osm"]
    assert len(messages) == 1 and "\n" not in messages[0]
    assert "OpenStreetMap unavailable" in messages[0] and "embedded layers" in messages[0]
    assert not (osm_dir / "test").exists()


def test_offline_with_require_osm_raises(fake_overpass):
    fake_overpass(offline=True)
    with pytest.raises(OSMUnavailableError, match="require-osm"):
        osm.fetch_osm("test", polygon=FIXTURE_BOX, require_osm=True, progress=False)


def test_layers_osm_offline_builds_embedded_layers(fake_overpass, layer_set, tmp_path, caplog):
    from geo.layers import read_built_layer
    from geo.sources.conflate import build_layers_with_osm

    fake_overpass(offline=True)
    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        gpkg = build_layers_with_osm(out_dir=tmp_path / "out", progress=False)
    assert gpkg.exists()
    campuses = read_built_layer("campuses", build_dir=tmp_path / "out")
    assert (campuses["source"] == "traced").all()
    messages = [r.getMessage() for r in caplog.records if r.name == "corridor.osm"]
    assert len(messages) == 1 and "OpenStreetMap unavailable" in messages[0]


def test_layers_osm_without_cache_or_fetch(layer_set, osm_dir, tmp_path, caplog):
    from geo.sources.conflate import build_layers_with_osm

    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        build_layers_with_osm(out_dir=tmp_path / "out", progress=False, fetch=False)
    assert "no OpenStreetMap data in the cache" in caplog.text
    assert "embedded layers" in caplog.text
    with pytest.raises(OSMUnavailableError):
        build_layers_with_osm(out_dir=tmp_path / "out2", progress=False, fetch=False, require_osm=True)


def test_layers_osm_from_cache_without_network(fake_overpass, layer_set, tmp_path):
    """Fetch once, then build offline: the cache alone reproduces the OSM geometry."""
    from geo.layers import read_built_layer
    from geo.sources.conflate import build_layers_with_osm

    fake_overpass()
    osm.fetch_osm("hongshan-wuchang", progress=False)  # polygon from the synthetic district layer
    fake_overpass(offline=True)
    out = tmp_path / "out"
    build_layers_with_osm(out_dir=out, progress=False)
    campuses = read_built_layer("campuses", build_dir=out)
    hust = campuses.set_index("id").loc["hust-main"]
    assert hust["source"] == "osm"
    assert "way/101" in hust["source_detail"] and "OpenStreetMap contributors" in hust["source_detail"]
    assert hust.geometry.bounds == pytest.approx((114.405, 30.505, 114.412, 30.511))
    report = (out / "conflation_report.csv").read_text(encoding="utf-8")
    assert "hust-main" in report and "matched" in report
    summary = json.loads((out / "layers.json").read_text(encoding="utf-8"))
    assert summary["layers"]["campuses"]["from_osm"] == 1
    assert summary["osm"]["areas"]["hongshan-wuchang"]["source"] == "overpass"


def test_cli_fetch_offline(fake_overpass, capsys):
    from geo.cli import main

    fake_overpass(offline=True)
    assert main(["osm", "fetch", "--area", "hongshan-wuchang", "--require-osm"]) == 1
    assert "unavailable" in capsys.readouterr().err


def test_merged_tags_combine_themes():
    tags = osm.merged_tags(["campuses", "landuse", "buildings"])
    assert tags["building"] is True
    assert "industrial" in tags["landuse"] and "park" in tags["leisure"]
