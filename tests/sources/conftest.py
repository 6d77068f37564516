"""Fixtures for the OSM source tests: the XML/PBF fixtures, a synthetic layer set, a fake Overpass.

No test here touches the network: the HTTP layer under osmnx (``requests``' transport adapter)
is replaced by :class:`FakeOverpass`, which answers from the recorded responses in
``tests/data/osm/overpass/``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import parse_qs

import geopandas as gpd
import osmium
import pytest
import requests
from shapely.geometry import box

from geo import settings

DATA = Path(__file__).resolve().parents[1] / "data" / "osm"
XML_FIXTURE = DATA / "campus.osm"
OVERPASS = DATA / "overpass"
#: Covers every object of the XML fixture.
FIXTURE_BOX = box(114.3990, 30.4990, 114.4210, 30.5135)
#: Traced campus = the OSM campus (114.405..114.412, 30.505..30.511) moved 0.0008° east.
TRACED_CAMPUS = box(114.4058, 30.5050, 114.4128, 30.5110)
TRACED_PARK = box(114.4012, 30.5012, 114.4042, 30.5031)


@pytest.fixture
def osm_dir(tmp_path, monkeypatch):
    """A private OSM cache (and osmnx HTTP cache) for one test."""
    folder = tmp_path / "osm"
    monkeypatch.setattr(settings, "OSM_DIR", folder)
    return folder


@pytest.fixture(scope="session")
def pbf_fixture(tmp_path_factory) -> Path:
    """The XML fixture written as PBF with pyosmium, plus a tagged way far outside the area."""
    path = tmp_path_factory.mktemp("pbf") / "campus.osm.pbf"
    far_nodes = [osmium.osm.mutable.Node(id=900 + i, location=(116.30 + 0.001 * i, 39.99), version=1)
                 for i in range(3)]
    far_way = osmium.osm.mutable.Way(id=800, nodes=[900, 901, 902], version=1,
                                     tags={"highway": "primary", "name": "far away (Beijing)"})
    extra = {"way": far_nodes, "relation": [far_way]}  # written before the first object of that type
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        # file objects are only valid while iterating, so write in one sorted pass
        for obj in osmium.FileProcessor(str(XML_FIXTURE)):
            kind = "way" if obj.is_way() else "relation" if obj.is_relation() else "node"
            for pending in extra.pop(kind, []) if kind != "node" else []:
                writer.add(pending)
            if kind == "relation" and "way" in extra:  # pragma: no cover - fixture always has ways
                raise AssertionError("fixture order")
            writer.add(obj)
    return path


def _feature(fid, name_zh, name_en, kind, geom, source="traced", **extra):
    props = {"id": fid, "name_zh": name_zh, "name_en": name_en, "kind": kind, "source": source,
             "source_detail": "synthetic test feature", "uncertainty_m": 50, "ref": None}
    props.update(extra)
    return {"type": "Feature", "properties": props, "geometry": json.loads(gpd.GeoSeries([geom]).to_json())[
        "features"][0]["geometry"]}


def write_layer_set(root: Path) -> Path:
    """A minimal valid source set for every layer of the catalogue, around the XML fixture."""
    from geo.layers import LAYER_SPECS

    special = {
        "campuses": [_feature("hust-main", "华中科技大学（主校区）", "Huazhong University of Science and Technology, "
                              "main campus", "campus", TRACED_CAMPUS, aliases="华科;华中大")],
        "parks": [_feature("beigang-park", "北港工业园", "Beigang Industrial Park", "park", TRACED_PARK)],
        "districts": [_feature("hongshan", "洪山区", "Hongshan District", "district", FIXTURE_BOX.buffer(0.01),
                               source="admin")],
        "cities": [_feature("wuhan", "武汉市", "Wuhan", "city", box(113.7, 29.97, 115.08, 31.36), source="admin")],
    }
    k = 0
    for spec in LAYER_SPECS.values():
        for idx, rel in enumerate(spec.sources):
            k += 1
            feats = special.get(spec.name) if idx == 0 else None
            if feats is None:
                x, y = 114.30 + 0.01 * k, 30.45
                geom = {"Polygon": box(x, y, x + 0.005, y + 0.005), "LineString": None, "Point": None}
                if spec.geometry_types[0] == "Polygon":
                    g = geom["Polygon"]
                elif spec.geometry_types[0] == "LineString":
                    from shapely.geometry import LineString

                    g = LineString([(x, y), (x + 0.005, y + 0.003)])
                else:
                    from shapely.geometry import Point

                    g = Point(x, y)
                src = "admin" if rel.startswith("admin/") else "traced"
                feats = [_feature(f"{spec.name.replace('_', '-')}-{idx}", f"测试{k}", f"Test {k}", "test", g,
                                  source=src)]
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"type": "FeatureCollection", "name": spec.name, "coordinate_system": "WGS-84",
                                        "features": feats}, ensure_ascii=False), encoding="utf-8")
    # a layer folder describes itself: its catalogue and the documents its features may cite
    for meta in (settings.catalogue_file(), settings.documents_file()):
        (root / meta.name).write_bytes(meta.read_bytes())
    return root


@pytest.fixture
def layer_set(tmp_path, monkeypatch):
    """Point the toolkit at a synthetic source set and a private build folder."""
    root = write_layer_set(tmp_path / "layers")
    monkeypatch.setattr(settings, "LAYERS_DIR", root)
    monkeypatch.setattr(settings, "BUILD_DIR", tmp_path / "build")
    return root


class FakeOverpass:
    """Stands in for requests' HTTP transport; answers Overpass from recorded responses.

    ``script`` lists what successive interpreter POSTs get: ``"ok"`` (the recorded JSON for the
    query: network.json for way queries on ``highway``, features.json otherwise), ``"timeout"``
    (a read time-out), ``"429"``/``"504"`` (a busy server) or ``"down"`` (connection refused).
    After the script runs out, every POST gets ``default``.  ``offline=True`` refuses every
    request, status probe included.
    """

    def __init__(self, script=(), *, default="ok", offline=False):
        self.script = list(script)
        self.default = default
        self.offline = offline
        self.posts: list[str] = []
        self.gets: list[str] = []

    def _response(self, request, status: int, body: bytes, reason: str = "OK"):
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.reason = reason
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        response.headers["Content-Type"] = "application/json" if body.startswith(b"{") else "text/plain"
        return response

    def send(self, adapter, request, **kwargs):
        if self.offline:
            raise requests.exceptions.ConnectionError(f"[Errno 101] Network is unreachable: {request.url}")
        if request.method == "GET":
            self.gets.append(request.url)
            return self._response(request, 200, (OVERPASS / "status.txt").read_bytes())
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        query = parse_qs(body).get("data", [""])[0]
        self.posts.append(query)
        action = self.script.pop(0) if self.script else self.default
        if action == "timeout":
            raise requests.exceptions.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout=180)")
        if action == "down":
            raise requests.exceptions.ConnectionError("Connection refused")
        if action in ("429", "504"):
            reason = "Too Many Requests" if action == "429" else "Gateway Timeout"
            return self._response(request, int(action), b"<html>busy</html>", reason)
        name = "network.json" if 'way["highway"]' in query else "features.json"
        return self._response(request, 200, (OVERPASS / name).read_bytes())


@pytest.fixture
def fake_overpass(monkeypatch, osm_dir):
    """Install a :class:`FakeOverpass` (call the fixture's value with a script to configure it)."""
    import geo.sources.osm as osm

    monkeypatch.setattr(settings, "OVERPASS_URL", "https://overpass.test/api")
    # osmnx pins the Overpass host's address via socket; keep that offline and restore it afterwards
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", lambda host: "127.0.0.1")
    waits: list[float] = []
    monkeypatch.setattr(osm, "_sleep", waits.append)

    def install(script=(), **kwargs):
        fake = FakeOverpass(script, **kwargs)
        fake.waits = waits
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send",
                            lambda adapter, request, **kw: fake.send(adapter, request, **kw))
        return fake

    return install
