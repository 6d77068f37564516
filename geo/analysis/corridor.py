"""The Guanggu (Optics Valley) corridor: five cities, their distances, the band along the axis.

Measures in UTM 50N (EPSG:32650), which covers the corridor (113.6–116.2° E); results
carrying geometry are returned in WGS-84.  The Optics Valley core (光谷广场) is
:data:`geo.settings.OPTICS_VALLEY_CORE_LONLAT`; the band half-width defaults to
:data:`geo.settings.CORRIDOR_BAND_M`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings, units
from geo.crs import to_metric, to_storage

#: City attributes carried through from the corridor document (when the layer has them).
FOCUS_COLUMNS = ("industrial_focus", "role", "role_original", "note", "ref", "section")


def core_point(lonlat=None) -> gpd.GeoSeries:
    """The Optics Valley core (光谷广场) as a one-point GeoSeries in WGS-84."""
    lonlat = settings.OPTICS_VALLEY_CORE_LONLAT if lonlat is None else lonlat
    return gpd.GeoSeries([shapely.Point(*lonlat)], crs=settings.STORAGE_CRS)


def corridor_cities(cities: gpd.GeoDataFrame, *, core_lonlat=None) -> gpd.GeoDataFrame:
    """The corridor cities with areas and distances to the Optics Valley core.

    Returns
    -------
    GeoDataFrame (WGS-84): id, name_zh, name_en, area_m2, area_km2, area_ha, area_mu,
    centroid_lon, centroid_lat, distance_to_core_km (city centroid to 光谷广场),
    boundary_to_core_km (nearest point of the city to the core; 0 for the city holding it)
    and the document's attributes (industrial_focus, role ...).
    """
    core_lonlat = settings.OPTICS_VALLEY_CORE_LONLAT if core_lonlat is None else core_lonlat
    m = to_metric(cities, what="cities")
    core = core_point(core_lonlat).to_crs(settings.METRIC_CRS).iloc[0]
    centroid = m.geometry.centroid
    cen_ll = gpd.GeoSeries(centroid, crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS)
    area = units.with_area_columns(m)
    out = pd.DataFrame({
        "id": m["id"].to_numpy(), "name_zh": m["name_zh"].to_numpy(),
        "name_en": m["name_en"].to_numpy() if "name_en" in m else "",
        **{col: area[col].to_numpy() for col in ("area_m2", "area_km2", "area_ha", "area_mu")},
        "centroid_lon": cen_ll.x.to_numpy(), "centroid_lat": cen_ll.y.to_numpy(),
        "distance_to_core_km": shapely.distance(centroid.to_numpy(), core) / 1000.0,
        "boundary_to_core_km": shapely.distance(m.geometry.to_numpy(), core) / 1000.0,
    })
    for col in FOCUS_COLUMNS:
        if col in m.columns:
            out[col] = m[col].to_numpy()
    return gpd.GeoDataFrame(out, geometry=to_storage(cities).geometry.to_numpy(),
                            crs=settings.STORAGE_CRS)


def centroid_distance_km(cities: gpd.GeoDataFrame, *, label: str = "name_zh") -> pd.DataFrame:
    """Centroid-to-centroid distance matrix of the cities, km (square DataFrame)."""
    cen = to_metric(cities, what="cities").geometry.centroid.to_numpy()
    d = shapely.distance(cen[:, None], cen[None, :]) / 1000.0
    names = cities[label].to_numpy() if label in cities else cities.index.to_numpy()
    return pd.DataFrame(d, index=names, columns=names)


def within_band(features: gpd.GeoDataFrame, axis: gpd.GeoDataFrame, *, band_m: float | None = None,
                layer: str | None = None) -> pd.DataFrame:
    """Which features lie within ``band_m`` metres of the corridor axis (any of its lines).

    Returns
    -------
    DataFrame: id, layer, name_zh, distance_to_axis_m, along_axis_km (position of the
    feature's nearest axis point along the main line, km from its start), in_band.
    """
    band_m = settings.CORRIDOR_BAND_M if band_m is None else band_m
    f = to_metric(features, what="features")
    ax = to_metric(axis, what="axis")
    lines = shapely.line_merge(shapely.union_all(ax.geometry.to_numpy()))
    dist = shapely.distance(f.geometry.to_numpy(), lines)
    main = ax.geometry.iloc[int(np.argmax(ax.length.to_numpy()))]
    if main.geom_type == "MultiLineString":
        main = shapely.line_merge(main)
    rep = shapely.point_on_surface(f.geometry.to_numpy())
    along = shapely.line_locate_point(main, rep) / 1000.0 if main.geom_type == "LineString" else np.nan
    return pd.DataFrame({
        "id": f["id"].to_numpy(),
        "layer": layer if layer else (f["layer"].to_numpy() if "layer" in f else ""),
        "name_zh": f["name_zh"].to_numpy() if "name_zh" in f else "",
        "distance_to_axis_m": dist, "along_axis_km": along, "in_band": dist <= band_m,
    })


def corridor_band(axis: gpd.GeoDataFrame, *, band_m: float | None = None) -> gpd.GeoDataFrame:
    """The band polygon of half-width ``band_m`` around the axis (WGS-84), with its area."""
    band_m = settings.CORRIDOR_BAND_M if band_m is None else band_m
    ax = to_metric(axis, what="axis")
    band = shapely.buffer(shapely.union_all(ax.geometry.to_numpy()), band_m)
    return gpd.GeoDataFrame({"band_m": [band_m], "area_km2": [units.m2_to_km2(band.area)]}, geometry=[band],
                            crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS)
