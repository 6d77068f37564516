"""The real OpenStreetMap street network of Wuhan, shared by the tests that need it.

``/work/shared/osm_wuhan/neatnet_wuhan_8989_osm_street_edges.parquet`` (© OpenStreetMap
contributors, ODbL; see its PROVENANCE.md) is read once per test session, clipped to
Hongshan + Wuchang with a margin.  Tests skip with a clear reason where the folder is absent.
"""

from __future__ import annotations

import functools

import pytest

from geo import settings

SHARED = settings.REPO_ROOT.parent / "shared" / "osm_wuhan"
EDGES = SHARED / "neatnet_wuhan_8989_osm_street_edges.parquet"


def need_shared():
    if not EDGES.exists():
        pytest.skip(f"real OSM network absent ({EDGES} not found; it lives outside the repository)")


@functools.lru_cache(maxsize=1)
def layers():
    from geo.layers import load_layers

    return load_layers("campuses", "parks", "districts")


@functools.lru_cache(maxsize=1)
def wuhan_network():
    """(metric view, graph) of the shared network clipped to Hongshan + Wuchang + 3 km."""
    from geo.analysis import network as net
    from geo.analysis import streets
    from geo.analysis.pipeline import analysis_area

    graph = streets.read_graph(EDGES, clip=analysis_area(layers(), margin_m=3000.0))
    return net.network_from_graph(graph), graph
