"""Run every analysis and write the outputs the maps read (the analysis output contract).

Writes under ``out_dir`` (default :func:`geo.settings.analysis_dir`):

- ``analysis.gpkg`` (EPSG:4326) with tables ``land_supply`` (one row per zone), ``land_targets``
  (every floor-space and land figure against its zone's supply, per scenario), ``isochrones``,
  ``nearest_campus_lines``, ``corridor_cities`` and also ``nearest_park_lines``,
  ``access_belts``, ``corridor_band`` and, on a network that covers the 车谷 corridor,
  ``supply_chain_circle`` (the 60-minute drive from it next to the document's 800 km²);
- ``distance_to_campus.tif`` (m) and ``travel_time_walk.tif`` (minutes), EPSG:32650;
- a CSV of each table and of the long tables (distance matrix, coverage, targets, ...);
- ``provenance.json``: input layers and their sources, the settings used, the network.

Everything is computed before the first write; each file is written atomically.
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.analysis import corridor, land, proximity, raster
from geo.analysis import network as net
from geo.crs import to_metric
from geo.errors import CorridorError
from geo.io import output_time, sha256_file, write_geopackage, write_json, write_text

log = logging.getLogger("corridor")

INPUT_LAYERS = ("campuses", "parks", "sites", "silicon_lanes", "silicon_lane_corridors", "innovation_belts",
                "zhigu", "districts", "cities", "corridor_axis", "roads")
#: Layers used when present (the one-hour supply-chain circle is measured from citywide_corridors).
OPTIONAL_LAYERS = ("citywide_corridors",)


def load_network(kind: str, *, roads: gpd.GeoDataFrame | None = None, osm_graph: str | Path | None = None,
                 clip=None, fetch_area=None):
    """The street network (its metric view; :meth:`RoadNetwork.for_mode` gives the modes) and its provenance.

    Parameters
    ----------
    kind : {"traced", "osm"}
        ``traced``: the graph built from the roads layer.  ``osm``: an OpenStreetMap graph
        read by :func:`geo.analysis.streets.read_graph` — an osmnx GraphML file, or an osmnx
        edge list as GeoParquet/GeoPackage — or downloaded live when ``fetch_area`` is given.
        Without ``osm_graph``, the newest ``*.graphml`` under ``settings.OSM_DIR`` is used.
    clip : shapely geometry, optional
        Metric area the OSM graph is clipped to (what the analyses need).
    fetch_area : shapely geometry, optional
        WGS-84 polygon to download the network for (needs the internet).
    """
    if kind == "traced":
        if roads is None:
            raise CorridorError("the traced network needs the roads layer")
        return net.build_network(roads), {"kind": "traced", "layer": "roads"}
    if kind != "osm":
        raise CorridorError(f"unknown network {kind!r}; use traced or osm")
    from geo.analysis import streets

    if fetch_area is not None:
        graph = streets.fetch_graph(fetch_area)
        return net.network_from_graph(graph, source="osm"), {
            "kind": "osm", "file": None, "fetched": True, "attribution": settings.OSM_ATTRIBUTION}
    path = Path(osm_graph) if osm_graph else _find_graphml()
    if path is None:
        raise CorridorError(
            f"no OpenStreetMap network found (looked for *.graphml under {settings.OSM_DIR}); "
            "give --osm-graph FILE (osmnx GraphML, or an edge list as .parquet/.gpkg), run "
            "`corridor osm fetch` first, or use --network traced")
    graph = streets.read_graph(path, clip=clip)
    info = {"kind": "osm", "file": str(path), "attribution": settings.OSM_ATTRIBUTION}
    if "edge_list" in graph.graph:
        info["edge_list"] = graph.graph["edge_list"]
    return net.network_from_graph(graph, source="osm"), info


def _find_graphml() -> Path | None:
    found = sorted(settings.OSM_DIR.rglob("*.graphml"), key=lambda p: ("walk" not in p.name, -p.stat().st_mtime))
    return found[0] if found else None


def land_inputs(*, layers: dict[str, gpd.GeoDataFrame] | None = None, landuse: gpd.GeoDataFrame | None = None,
                landuse_coverage=None, buildings=None) -> dict:
    """Everything :func:`geo.analysis.land.land_supply` needs, loaded from the repository (the one place).

    Returns a dict of keyword arguments: layers (the zone and land-class layers), figures
    (``layers/figures.csv``), assumptions (``layers/assumptions.csv``), findings
    (``layers/findings.csv``), config (``geo/data/land_scenarios.yml``), landuse,
    landuse_coverage and buildings (as given: OSM land-use polygons, the WGS-84 area they cover,
    and a :class:`geo.sources.buildings.BuildingData`).
    """
    from geo.figures import load_assumptions, load_figures

    if layers is None:
        from geo.layers import load_layers

        layers = load_layers(*land.ZONE_LAYERS, "campuses")
    return {"layers": layers, "figures": load_figures(), "assumptions": load_assumptions(),
            "findings": land.load_findings(), "config": land.load_config(), "landuse": landuse, "landuse_coverage": landuse_coverage,
            "buildings": buildings}


def load_landuse(source: str | Path | None):
    """OSM land-use polygons and the area they cover: ``(None, None)`` (use the traced classes),
    ``"osm"`` (the OSM cache; coverage from its manifests) or a file (coverage: its bounding box)."""
    if source is None:
        return None, None
    if str(source) == "osm":
        from geo.sources import osm

        areas = osm.cached_areas()
        found = osm.load_osm_features(areas=areas, themes=("landuse",))
        if found.empty:
            raise CorridorError(f"no OSM land use cached under {settings.OSM_DIR}; run `corridor osm fetch` or "
                                "`corridor osm import FILE` first")
        polygons = [osm.read_manifest(a).get("query", {}).get("polygon_wkt") for a in areas]
        return found, shapely.union_all([shapely.from_wkt(p) for p in polygons if p]) if any(polygons) else None
    from geo.io import read_layer

    if not Path(source).exists():
        raise CorridorError(f"{source}: land-use file does not exist")
    return read_layer(source), None


def load_buildings(source: str | Path | None):
    """Buildings for the floor stock: ``None`` (none), ``"osm"`` (the OSM cache's buildings) or a file."""
    from geo.sources import buildings as bld

    if source is None:
        return None
    if str(source) == "osm":
        found = bld.load_cached_buildings()
        if found is None:
            raise CorridorError(f"no OSM buildings cached under {settings.OSM_DIR}; run `corridor osm fetch "
                                "--buildings` or `corridor osm import FILE --buildings` first")
        return found
    return bld.read_buildings(source)


def analysis_area(layers: dict[str, gpd.GeoDataFrame], *, margin_m: float | None = None):
    """Hongshan + Wuchang (settings.NETWORK_ANALYSIS_AREA) widened by ``margin_m``, metric; None if unknown."""
    margin_m = settings.NETWORK_CLIP_MARGIN_M if margin_m is None else margin_m
    layer, prefixes = settings.OSM_AREAS[settings.NETWORK_ANALYSIS_AREA]
    gdf = layers.get(layer)
    if gdf is None or "name_zh" not in gdf.columns:
        return None
    picked = gdf[gdf["name_zh"].astype(str).str.startswith(tuple(prefixes))]
    if picked.empty:
        return None
    return to_metric(picked, what=layer).union_all().buffer(margin_m)


def supply_circle_source(layers: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    """The feature the one-hour supply-chain circle is measured from (settings.SUPPLY_CIRCLE_FEATURE)."""
    layer, fid = settings.SUPPLY_CIRCLE_FEATURE
    gdf = layers.get(layer)
    if gdf is None or "id" not in gdf.columns:
        return None
    picked = gdf[gdf["id"] == fid]
    return picked if len(picked) else None


def supply_circle_figure() -> dict:
    """The document's one-hour supply-chain circle figure (``settings.SUPPLY_CIRCLE_FIGURE_ID`` of the
    figure table), as a figure record; ``{}`` when the table has no such row."""
    from geo.figures import figure_record, load_figures

    table = load_figures()
    rows = table[table["id"] == settings.SUPPLY_CIRCLE_FIGURE_ID]
    return figure_record(rows.iloc[0]) if len(rows) else {}


def supply_chain_circle(source: gpd.GeoDataFrame, network: net.RoadNetwork, *, document_figure: dict | None = None,
                        minutes: float | None = None, cell_m: float | None = None) -> gpd.GeoDataFrame:
    """The area within ``minutes`` by car of the source feature, next to the document's figure.

    ``document_figure`` is the document's area figure (a figure record: value in the unit ``unit``,
    ``ref``, ``original``), e.g. from :func:`supply_circle_figure`; without it the comparison is NaN.

    Returns one row (WGS-84): id, name_zh, mode, minutes, area_km2 (the drive isochrone,
    the source feature included), area_outside_source_km2, doc_area_km2 (the document's
    figure, NaN when the layer has none), area_ratio (measured / document), ref, original,
    reached_street_km, reached_share_of_network (near 1: the network's extent, not the time,
    bounds the area), network_covers (share of the source's area within 1 km of a street — a
    network that does not cover the source gives no meaningful area).
    """
    minutes = settings.SUPPLY_CIRCLE_MINUTES if minutes is None else minutes
    cell_m = settings.SUPPLY_CIRCLE_CELL_M if cell_m is None else cell_m
    iso = proximity.isochrones(source, network, modes=("drive",), minutes=(minutes,), cell_m=cell_m)
    src_m = to_metric(source, what="source").geometry.iloc[0]
    poly = to_metric(iso, what="isochrone").geometry.iloc[0]
    fig = document_figure or {}
    doc_m2 = float(fig["value"]) if fig.get("value") is not None and fig.get("unit", "m2") == "m2" else float("nan")
    area = poly.area
    # how much of the source the network covers: its area within 1 km of a street
    streets = network.for_mode("drive").edges_gdf()
    near = streets.iloc[streets.sindex.query(src_m, predicate="dwithin", distance=1000.0)]
    covered = src_m.intersection(shapely.union_all(near.geometry.buffer(1000.0, quad_segs=2).to_numpy())).area \
        if len(near) else 0.0
    row = {
        "id": source["id"].iloc[0], "name_zh": source["name_zh"].iloc[0] if "name_zh" in source else "",
        "mode": "drive", "minutes": minutes, "area_km2": area / settings.M2_PER_KM2,
        "area_outside_source_km2": poly.difference(src_m).area / settings.M2_PER_KM2,
        "source_area_km2": src_m.area / settings.M2_PER_KM2,
        "doc_area_km2": doc_m2 / settings.M2_PER_KM2, "area_ratio": area / doc_m2 if doc_m2 == doc_m2 else float("nan"),
        "ref": fig.get("ref", ""), "original": fig.get("original", ""),
        "reached_street_km": float(iso["reached_street_km"].iloc[0]),
        # near 1, the drive runs out of streets, not of time: the network's extent bounds the area
        "reached_share_of_network": float(iso["reached_street_km"].iloc[0]) / network.for_mode("drive").length_km,
        "network_covers": covered / src_m.area if src_m.area else 0.0,
    }
    return gpd.GeoDataFrame([row], geometry=[poly], crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS)


def _layer_provenance(layers: dict[str, gpd.GeoDataFrame]) -> dict:
    out = {}
    for name, gdf in layers.items():
        entry = {"features": len(gdf)}
        for col in ("source", "source_file", "ref"):
            if col in gdf.columns:
                vals = sorted({str(v) for v in gdf[col].dropna() if str(v)})
                entry[col] = vals
        out[name] = entry
    return out


def run_analysis(*, out_dir: Path | None = None, network_kind: str = "traced", osm_graph: Path | None = None,
                 fetch: bool = False,
                 grid_m: float | None = None, landuse: gpd.GeoDataFrame | None = None,
                 landuse_coverage=None, buildings=None, layers: dict[str, gpd.GeoDataFrame] | None = None, progress: bool = True) -> dict:
    """Run land supply, proximity, corridor and raster analyses and write their outputs.

    Returns a dict with the output paths and a short summary (network components, counts).
    """
    grid_m = settings.RASTER_GRID_M if grid_m is None else grid_m
    out = Path(out_dir) if out_dir else settings.analysis_dir()
    if layers is None:
        from geo.layers import load_layers

        layers = load_layers(*INPUT_LAYERS)
        try:
            layers.update(load_layers(*OPTIONAL_LAYERS))
        except CorridorError as exc:  # an optional layer that cannot load only skips what needs it
            log.warning("optional layers not loaded: %s", exc)
    missing = [n for n in INPUT_LAYERS if n not in layers]
    if missing:
        raise CorridorError(f"analysis needs layers {', '.join(missing)}")
    campuses = layers["campuses"]

    area = analysis_area(layers)
    circle_source = supply_circle_source(layers)
    clip = None
    if network_kind == "osm" and area is not None:
        clip = area
        if circle_source is not None:  # the drive from the 车谷 corridor needs the streets around it
            reach = to_metric(circle_source, what="citywide_corridors").union_all().buffer(
                settings.SUPPLY_CIRCLE_REACH_M)
            clip = shapely.union_all([area, reach])
    fetch_area = None
    if fetch:
        fetch_area = gpd.GeoSeries([clip if clip is not None else area], crs=settings.METRIC_CRS).to_crs(
            settings.STORAGE_CRS).iloc[0]
    network, network_info = load_network(network_kind, roads=layers.get("roads"), osm_graph=osm_graph, clip=clip,
                                         fetch_area=fetch_area)
    components = network.components_summary()
    # which traced roads miss the main network (an OSM graph's stray pieces are not roads to fix)
    failing = net.failing_road_ends(network) if network.source == "traced" else \
        pd.DataFrame(columns=["road_id", "component", "gap_m"])
    if len(components) > 1:
        log.warning("street network has %d components; campuses and places are attached to the largest "
                    "(%.1f km). Roads that do not meet it: %s", len(components), components["length_km"].iloc[0],
                    ", ".join(f"{r} ({g:.0f} m)" for r, g in zip(failing["road_id"], failing["gap_m"], strict=True)))

    land_in = land_inputs(layers=layers, landuse=landuse, landuse_coverage=landuse_coverage, buildings=buildings)
    supply, targets = land.land_supply(**land_in)
    horizons = land.target_horizons(land_in["figures"])

    targets_by_layer = {"parks": layers["parks"], "sites": layers["sites"], "silicon_lanes": layers["silicon_lanes"]}
    nearest_lines = pd.concat(
        [proximity.nearest_campus(g, campuses, network=network, from_layer=n) for n, g in targets_by_layer.items()],
        ignore_index=True)
    nearest_lines = gpd.GeoDataFrame(nearest_lines, geometry="geometry", crs=settings.STORAGE_CRS)
    nearest_parks = proximity.nearest_park(campuses, layers["parks"], network=network)
    matrix = pd.concat([proximity.distance_matrix(campuses, g, network=network, target_layer=n)
                        for n, g in targets_by_layer.items()], ignore_index=True)

    iso_bounds = area.bounds if (area is not None and network.source == "osm") else None
    iso = proximity.isochrones(campuses, network, progress=progress, bounds=iso_bounds)
    circle = None
    if circle_source is not None:
        circle = supply_chain_circle(circle_source, network, document_figure=supply_circle_figure())
        if circle["network_covers"].iloc[0] < settings.SUPPLY_CIRCLE_MIN_COVER:
            log.info("the %s network does not cover %s (%.0f%% of it near a street): no one-hour supply-chain "
                     "circle", network.source, circle["id"].iloc[0], 100 * circle["network_covers"].iloc[0])
            circle = None
    coverage = pd.concat([
        proximity.isochrone_coverage(layers[n], iso, zone_layer=n)
        for n in ("silicon_lane_corridors", "innovation_belts", "parks")], ignore_index=True)
    access_belts = proximity.belts_from_access(layers["innovation_belts"], campuses, iso)

    cities = corridor.corridor_cities(layers["cities"])
    city_km = corridor.centroid_distance_km(layers["cities"])
    band = pd.concat([corridor.within_band(layers[n], layers["corridor_axis"], layer=n)
                      for n in ("parks", "campuses")], ignore_index=True)
    band_poly = corridor.corridor_band(layers["corridor_axis"])

    grid = raster.grid_for_bounds(settings.CORE_BOUNDS, cell_m=grid_m)
    dist_surface = raster.distance_surface(campuses, grid)
    walk_surface = raster.travel_time_surface(campuses, network, grid, mode="walk", progress=progress)

    # --- writes (everything above succeeded) ---
    tables = {
        "land_supply": supply, "land_targets": land.with_zone_geometry(targets, supply), "isochrones": iso, "nearest_campus_lines": nearest_lines,
        "corridor_cities": cities, "nearest_park_lines": nearest_parks, "access_belts": access_belts,
        "corridor_band": band_poly,
    }
    if circle is not None:
        tables["supply_chain_circle"] = circle
    gpkg = write_geopackage(tables, out / "analysis.gpkg")
    csvs = {f"{name}.csv": gdf.drop(columns=gdf.geometry.name) for name, gdf in tables.items()}
    csvs.update({
        "distance_matrix.csv": matrix, "isochrone_coverage.csv": coverage,         "land_target_horizons.csv": horizons,
        "city_distance_km.csv": city_km, "corridor_band_members.csv": band,
        "network_components.csv": components, "network_unconnected_roads.csv": failing,
    })
    for name, df in csvs.items():
        write_text(df.to_csv(index=name == "city_distance_km.csv"), out / "csv" / name)
    dist_tif = raster.write_surface(dist_surface, grid, out / "distance_to_campus.tif",
                                    description="distance to nearest campus", units="m")
    walk_tif = raster.write_surface(walk_surface, grid, out / "travel_time_walk.tif",
                                    description=f"walking time to nearest campus at {settings.SPEEDS_KMH['walk']} km/h",
                                    units="min")
    provenance = {
        "created_utc": output_time().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "inputs": _layer_provenance(layers),
        "layers_from": str(settings.geopackage_path())
        if (settings.geopackage_path()).exists() else str(settings.LAYERS_DIR),
        "network": {**network_info, "nodes": network.n_nodes, "edges": network.n_edges,
                    "length_km": network.length_km, "components": len(components),
                    "clipped_to": "Hongshan + Wuchang + margin and the 车谷 corridor's reach" if clip is not None
                    else None,
                    "unconnected_roads": failing.to_dict("records")},
        "supply_chain_circle": None if circle is None else {
            k: (v.item() if hasattr(v, "item") else v)
            for k, v in circle.drop(columns=circle.geometry.name).iloc[0].items()},
        "land_use_source": "osm" if landuse is not None else "traced",
        "buildings_source": buildings.source if buildings is not None else None,
        "settings": {
            "metric_crs": settings.METRIC_CRS, "storage_crs": settings.STORAGE_CRS,
            "speeds_kmh": settings.SPEEDS_KMH, "isochrone_minutes": list(settings.ISOCHRONE_MINUTES),
            "isochrone_access_cap_m": settings.ISOCHRONE_ACCESS_CAP_M, "isochrone_cell_m": settings.ISOCHRONE_CELL_M,
            "network_speeds_kmh": settings.NETWORK_SPEEDS_KMH,
            "network_exclude_highway": {k: list(v) for k, v in settings.NETWORK_EXCLUDE_HIGHWAY.items()},
            "network_oneway_modes": list(settings.NETWORK_ONEWAY_MODES),
            "network_access_spacing_m": settings.NETWORK_ACCESS_SPACING_M, "network_snap_m": settings.NETWORK_SNAP_M,
            "belt_access": {"mode": settings.BELT_ACCESS_MODE, "minutes": settings.BELT_ACCESS_MINUTES},
            "raster_grid_m": grid_m, "raster_bounds_lonlat": list(settings.CORE_BOUNDS),
            "raster_grid": {"west": grid.west, "north": grid.north, "width": grid.width, "height": grid.height},
            "optics_valley_core_lonlat": list(settings.OPTICS_VALLEY_CORE_LONLAT),
            "corridor_band_m": settings.CORRIDOR_BAND_M,
            "nearest_vertex_spacing_m": settings.NEAREST_VERTEX_SPACING_M,
            "land_scenarios_file": str(settings.LAND_SCENARIOS_FILE),
            "land_scenarios_sha256": sha256_file(settings.LAND_SCENARIOS_FILE),
            "figures_sha256": sha256_file(settings.figures_file()),
            "assumptions_sha256": sha256_file(settings.assumptions_file()),
            "findings_sha256": sha256_file(settings.findings_file()),
            "storey_height_m": settings.STOREY_HEIGHT_M,
        },
        "outputs": sorted([gpkg.name, dist_tif.name, walk_tif.name] + [f"csv/{n}" for n in csvs]),
        "attribution": [settings.OSM_ATTRIBUTION, settings.AMAP_ATTRIBUTION],
    }
    write_json(provenance, out / "provenance.json")
    return {"out_dir": out, "gpkg": gpkg, "rasters": [dist_tif, walk_tif], "components": components,
            "unconnected_roads": failing, "provenance": provenance}


__all__ = ["analysis_area", "land_inputs", "load_buildings", "load_landuse", "load_network", "run_analysis",
           "supply_chain_circle"]
