"""Write the recorded Overpass responses in ``overpass/`` from the ``campus.osm`` fixture.

The JSON has the structure Overpass returns for ``[out:json]`` (``version``, ``generator``,
``osm3s``, ``elements`` with nodes carrying ``lat``/``lon``, ways carrying ``nodes`` and
relations carrying ``members``).  ``features.json`` answers the features query (tagged objects
and the nodes/ways they need); ``network.json`` answers a network query (the well-formed
``highway`` ways and their nodes).  ``status.txt`` is the ``/status`` endpoint's reply.

Run from the repository root:  .venv/bin/python tests/data/osm/make_overpass_responses.py
"""

from __future__ import annotations

import json
from pathlib import Path

import osmium

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "campus.osm"
OUT = HERE / "overpass"
HEADER = {
    "version": 0.6,
    "generator": "Overpass API 0.7.62 (recorded for the toolkit's tests)",
    "osm3s": {"timestamp_osm_base": "2024-06-01T00:00:00Z",
              "copyright": "The data included in this document is from www.openstreetmap.org. "
                           "The data is made available under ODbL."},
}
STATUS = (
    "Connected as: 1234567890\n"
    "Current time: 2024-06-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


def read_elements(path: Path) -> tuple[dict, list, list]:
    nodes, ways, relations = {}, [], []
    for obj in osmium.FileProcessor(str(path)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            node = {"type": "node", "id": obj.id, "lat": obj.location.lat, "lon": obj.location.lon}
            nodes[obj.id] = node | ({"tags": tags} if tags else {})
        elif obj.is_way():
            ways.append({"type": "way", "id": obj.id, "nodes": [n.ref for n in obj.nodes]}
                        | ({"tags": tags} if tags else {}))
        elif obj.is_relation():
            members = [{"type": {"n": "node", "w": "way", "r": "relation"}[m.type], "ref": m.ref, "role": m.role}
                       for m in obj.members]
            relations.append({"type": "relation", "id": obj.id, "members": members, "tags": tags})
    return nodes, ways, relations


def main() -> None:
    nodes, ways, relations = read_elements(SOURCE)
    well_formed = [w for w in ways if len(w["nodes"]) >= 2 and all(n in nodes for n in w["nodes"])]
    member_ways = {m["ref"] for r in relations for m in r["members"] if m["type"] == "way"}
    feature_ways = [w for w in well_formed if "tags" in w and "highway" not in w["tags"] or w["id"] in member_ways]
    feature_node_ids = {n for w in feature_ways for n in w["nodes"]}
    feature_nodes = [n for i, n in nodes.items() if i in feature_node_ids or "tags" in n]
    features = HEADER | {"elements": feature_nodes + feature_ways + relations}
    network_ways = [w for w in well_formed if "highway" in w.get("tags", {})]
    network_node_ids = {n for w in network_ways for n in w["nodes"]}
    network = HEADER | {"elements": [nodes[i] for i in sorted(network_node_ids)] + network_ways}
    OUT.mkdir(exist_ok=True)
    (OUT / "features.json").write_text(json.dumps(features, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (OUT / "network.json").write_text(json.dumps(network, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (OUT / "status.txt").write_text(STATUS, encoding="utf-8")
    print(f"wrote {len(features['elements'])} + {len(network['elements'])} elements to {OUT}")


if __name__ == "__main__":
    main()
