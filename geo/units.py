"""Units the documents use, and metric measures of layers.

The policy texts mix 平方公里 (km²), 亩 (mu, 666.67 m²), 公顷 (ha) and 万方 / 万平方米
(10,000 m² of floor area).  These helpers convert between them and measure areas and
lengths in UTM 50N (EPSG:32650), never in degrees.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.crs import to_metric


def _scaled(value, *, times: float = 1.0, per: float = 1.0):
    """``value * times / per`` as a float, or a float array when ``value`` is array-like.

    Multiplying by 1.0 and dividing by 1.0 are exact, so each conversion keeps the exact
    result of its single multiplication or division.
    """
    value = np.asarray(value, dtype=float) if np.ndim(value) else float(value)
    return value * times / per


def m2_to_mu(m2):
    """Square metres to 亩 (1 亩 = 10,000/15 m² = 666.67 m²)."""
    return _scaled(m2, per=settings.M2_PER_MU)


def mu_to_m2(mu):
    """亩 to square metres."""
    return _scaled(mu, times=settings.M2_PER_MU)


def m2_to_wanfang(m2):
    """Square metres of floor area to 万方 (10,000 m²)."""
    return _scaled(m2, per=settings.M2_PER_WANFANG)


def wanfang_to_m2(wanfang):
    """万方 of floor area to square metres."""
    return _scaled(wanfang, times=settings.M2_PER_WANFANG)


def m2_to_ha(m2):
    """Square metres to hectares."""
    return _scaled(m2, per=settings.M2_PER_HA)


def m2_to_km2(m2):
    """Square metres to square kilometres."""
    return _scaled(m2, per=settings.M2_PER_KM2)


def area_units(m2) -> dict[str, float]:
    """One area in every unit the documents use: m², ha, km², 亩 (mu)."""
    m2 = float(m2)
    return {"m2": m2, "ha": m2_to_ha(m2), "km2": m2_to_km2(m2), "mu": m2_to_mu(m2)}


def floor_area_units(m2) -> dict[str, float]:
    """One floor area in m² and 万方."""
    m2 = float(m2)
    return {"m2": m2, "wanfang": m2_to_wanfang(m2)}


def area_m2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each feature in m², measured in UTM 50N (EPSG:32650)."""
    return to_metric(gdf).area


def length_m(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Length (or perimeter) of each feature in metres, measured in UTM 50N."""
    return to_metric(gdf).length


def with_area_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with ``area_m2``, ``area_ha``, ``area_km2`` and ``area_mu`` columns."""
    m2 = area_m2(gdf)
    return gdf.assign(
        area_m2=m2.to_numpy(),
        area_ha=m2_to_ha(m2.to_numpy()),
        area_km2=m2_to_km2(m2.to_numpy()),
        area_mu=m2_to_mu(m2.to_numpy()),
    )
