"""Run every analysis and write the outputs the maps read (the analysis output contract).

Writes under ``out_dir`` (default :func:`geo.settings.analysis_dir`):

- ``analysis.gpkg`` (EPSG:4326) with tables ``land_supply`` (one row per zone), ``land_targets``
  (every floor-space and land figure against its zone's supply, per scenario), ``isochrones``,
  ``nearest_campus_lines``, ``corridor_cities`` and also ``nearest_park_lines``,
  ``access_belts`` and ``corridor_band``;
- ``distance_to_campus.tif`` (m) and ``travel_time_walk.tif`` (minutes), EPSG:32650;
- a CSV of each table and of the long tables (distance matrix, coverage, targets, ...);
- ``provenance.json``: input layers and their sources, the settings used, the network.

Everything is computed before the first write; each file is written atomically.
"""

from __future__ import annotations

import hashlib
import logging
import platform
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import settings
from geo.analysis import corridor, land, proximity, raster
from geo.analysis import network as net
from geo.errors import CorridorError
from geo.io import write_geopackage, write_json, write_text

log = logging.getLogger("corridor")

INPUT_LAYERS = ("campuses", "parks", "sites", "silicon_lanes", "silicon_lane_corridors", "innovation_belts",
                "zhigu", "districts", "cities", "corridor_axis", "roads")


def load_network(kind: str, *, roads: gpd.GeoDataFrame | None = None, osm_graph: str | Path | None = None):
    """The street network: ``traced`` (from the roads layer) or ``osm`` (an osmnx GraphML file).

    With ``osm`` and no ``osm_graph``, the newest ``*.graphml`` under ``settings.OSM_DIR``
    (walk networks preferred) is used.
    """
    if kind == "traced":
        if roads is None:
            raise CorridorError("the traced network needs the roads layer")
        return net.build_network(roads), {"kind": "traced", "layer": "roads"}
    if kind != "osm":
        raise CorridorError(f"unknown network {kind!r}; use traced or osm")
    path = Path(osm_graph) if osm_graph else _find_graphml()
    if path is None or not path.exists():
        raise CorridorError(
            f"no OpenStreetMap network found (looked for *.graphml under {settings.OSM_DIR}); "
            "run `corridor osm fetch` or `corridor osm import FILE` first, or use --network traced")
    import osmnx as ox

    graph = ox.io.load_graphml(path)
    return net.network_from_osmnx(graph), {"kind": "osm", "file": str(path),
                                           "attribution": settings.OSM_ATTRIBUTION}


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
    missing = [n for n in INPUT_LAYERS if n not in layers]
    if missing:
        raise CorridorError(f"analysis needs layers {', '.join(missing)}")
    campuses = layers["campuses"]

    network, network_info = load_network(network_kind, roads=layers.get("roads"), osm_graph=osm_graph)
    components = network.components_summary()
    failing = net.failing_road_ends(network)
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

    iso = proximity.isochrones(campuses, network, progress=progress)
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
    cfg_bytes = Path(settings.LAND_SCENARIOS_FILE).read_bytes()
    provenance = {
        "created_utc": __import__("geo.io", fromlist=["_"]).output_time().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "inputs": _layer_provenance(layers),
        "layers_from": str(settings.geopackage_path())
        if (settings.geopackage_path()).exists() else str(settings.LAYERS_DIR),
        "network": {**network_info, "nodes": network.n_nodes, "edges": network.n_edges,
                    "length_km": float(network.edge_length_m.sum() / 1000), "components": len(components),
                    "unconnected_roads": failing.to_dict("records")},
        "land_use_source": "osm" if landuse is not None else "traced",
        "buildings_source": buildings.source if buildings is not None else None,
        "settings": {
            "metric_crs": settings.METRIC_CRS, "storage_crs": settings.STORAGE_CRS,
            "speeds_kmh": settings.SPEEDS_KMH, "isochrone_minutes": list(settings.ISOCHRONE_MINUTES),
            "isochrone_buffer_m": settings.ISOCHRONE_BUFFER_M, "network_snap_m": settings.NETWORK_SNAP_M,
            "belt_access": {"mode": settings.BELT_ACCESS_MODE, "minutes": settings.BELT_ACCESS_MINUTES},
            "raster_grid_m": grid_m, "raster_bounds_lonlat": list(settings.CORE_BOUNDS),
            "raster_grid": {"west": grid.west, "north": grid.north, "width": grid.width, "height": grid.height},
            "optics_valley_core_lonlat": list(settings.OPTICS_VALLEY_CORE_LONLAT),
            "corridor_band_m": settings.CORRIDOR_BAND_M,
            "nearest_vertex_spacing_m": settings.NEAREST_VERTEX_SPACING_M,
            "land_scenarios_file": str(settings.LAND_SCENARIOS_FILE),
            "land_scenarios_sha256": hashlib.sha256(cfg_bytes).hexdigest(),
            "figures_sha256": hashlib.sha256(settings.figures_file().read_bytes()).hexdigest(),
            "assumptions_sha256": hashlib.sha256(settings.assumptions_file().read_bytes()).hexdigest(),
            "findings_sha256": hashlib.sha256(settings.findings_file().read_bytes()).hexdigest(),
            "storey_height_m": settings.STOREY_HEIGHT_M,
        },
        "outputs": sorted([gpkg.name, dist_tif.name, walk_tif.name] + [f"csv/{n}" for n in csvs]),
        "attribution": [settings.OSM_ATTRIBUTION, settings.AMAP_ATTRIBUTION],
    }
    write_json(provenance, out / "provenance.json")
    return {"out_dir": out, "gpkg": gpkg, "rasters": [dist_tif, walk_tif], "components": components,
            "unconnected_roads": failing, "provenance": provenance}


__all__ = ["land_inputs", "load_buildings", "load_landuse", "load_network", "run_analysis"]
