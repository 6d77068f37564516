"""OpenStreetMap, live: study areas, osmnx configuration, Overpass with retries, the OSM cache.

Everything fetched is written under :data:`geo.settings.OSM_DIR` (``layers/osm/``, git-ignored),
one folder per study area::

    layers/osm/<area>/features.gpkg        tables campuses, landuse, buildings (WGS-84)
    layers/osm/<area>/network_<mode>.graphml   walk / bike / drive street networks (osmnx)
    layers/osm/<area>/manifest.json        the query, the time, osmnx and osmium versions,
                                            the input file (for imports) and file checksums

so a build is reproducible from the cache without the network.  osmnx's own HTTP cache
lives in ``layers/osm/cache``.  The offline readers in :mod:`geo.sources.osm_file` write
the same folder layout.

OSM data is © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import requests
import shapely
from shapely.geometry import box
from tqdm.auto import tqdm

from geo import settings
from geo.errors import (
    CacheRefusedError,
    CoordinateSystemError,
    LayerValidationError,
    OSMUnavailableError,
)
from geo.io import atomic_path, read_layer, sha256_file, write_geopackage, write_json

log = logging.getLogger("corridor.osm")

#: Normalised feature columns, in order (plus ``geometry``).
FEATURE_COLUMNS = (
    "osm_key", "osm_type", "osm_id", "theme", "category", "name", "name_zh", "name_en",
    "alt_names", "tags_json",
)
#: Tags read as alternative names of a feature (``;``-separated values are split).
ALT_NAME_TAGS = (
    "alt_name", "short_name", "official_name", "old_name", "loc_name", "name:zh-Hans",
    "name:zh-Hant", "alt_name:zh", "alt_name:en", "short_name:en", "short_name:zh",
    "official_name:en", "official_name:zh",
)
#: Land-use categories reported by the ``landuse`` theme, from the raw OSM values.
LANDUSE_CATEGORY = {
    "industrial": "industrial", "commercial": "commercial", "retail": "commercial",
    "brownfield": "brownfield", "construction": "construction", "greenfield": "greenfield",
    "residential": "residential", "recreation_ground": "park", "park": "park", "garden": "park",
    "nature_reserve": "park", "basin": "water", "reservoir": "water", "water": "water",
}
THEMES = tuple(settings.OSM_TAGS)
MANIFEST_NAME = "manifest.json"
FEATURES_NAME = "features.gpkg"


class OverpassBusyError(requests.exceptions.RequestException):
    """Overpass answered 429 (rate limited) or 504 (gateway time-out): retry after a pause."""


class OverpassIncompleteError(requests.exceptions.RequestException):
    """Overpass answered 200 with a body that is not complete JSON (a cut connection): retry."""


def _insufficient_or_incomplete(exc) -> None:
    """osmnx reports an unparsable 200 answer as "insufficient" (no data): that is no empty result.

    Re-raise it as :class:`OverpassIncompleteError` (retried, never cached); return for a
    genuinely empty answer.
    """
    import json as _json

    if isinstance(exc.__cause__, _json.JSONDecodeError):
        raise OverpassIncompleteError(f"Overpass answer is not complete JSON ({exc.__cause__.msg} at "
                                      f"character {exc.__cause__.pos}); it may have been cut off") from exc


# --- osmnx configuration: the one place ----------------------------------------------------------


def _raise_on_overload(response: requests.Response, *args, **kwargs) -> requests.Response:
    """requests response hook: turn 429/504 into :class:`OverpassBusyError`.

    osmnx would otherwise sleep 55 s and retry forever; raising here hands the decision
    to :func:`call_with_retries`, which backs off a bounded number of times.
    """
    if response.status_code in (429, 504):
        raise OverpassBusyError(
            f"Overpass answered {response.status_code} {response.reason or ''}".strip(), response=response
        )
    return response


def configure_osmnx():
    """Configure osmnx from :mod:`geo.settings` (cache, Overpass URL, time-outs, tags kept).

    Every osmnx call in the toolkit goes through here first, so osmnx's behaviour is
    set in one place.  Returns the ``osmnx.settings`` module.
    """
    import osmnx as ox

    ox.settings.use_cache = True
    ox.settings.cache_folder = str(settings.osm_cache_dir())
    ox.settings.overpass_url = settings.OVERPASS_URL
    ox.settings.requests_timeout = settings.OSM_TIMEOUT_S
    ox.settings.http_user_agent = settings.OSM_USER_AGENT
    ox.settings.overpass_rate_limit = True
    ox.settings.log_console = False
    ox.settings.log_file = False
    # Google's DNS-over-HTTPS is blocked on many Chinese networks; resolve by name instead.
    ox.settings.doh_url_template = None
    ox.settings.requests_kwargs = {"hooks": {"response": [_raise_on_overload]}}
    # keep the tags the network filters look at, so offline graphs can be filtered like live ones
    extra = ["foot", "bicycle", "motor_vehicle", "motorcar", "sidewalk", "name:en"]
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *extra]))
    return ox.settings


def osmnx_version() -> str:
    """The installed osmnx version (recorded in every manifest)."""
    import osmnx as ox

    return ox.__version__


# --- study areas ------------------------------------------------------------------------------------


def study_area(area: str | None = None):
    """Polygon (WGS-84, EPSG:4326) of a named study area from the admin layers.

    Parameters
    ----------
    area : str
        A key of :data:`geo.settings.OSM_AREAS` (``hongshan-wuchang``, ``wuhan``, ``ezhou`` ...).

    Returns
    -------
    shapely Polygon or MultiPolygon
        The union of the area's admin features.  When the district layer has not been
        derived yet, the Hongshan/Wuchang areas fall back to :data:`geo.settings.CORE_BOUNDS`
        (with a warning).
    """
    area = settings.OSM_DEFAULT_AREA if area is None else area
    if area not in settings.OSM_AREAS:
        raise ValueError(f"unknown study area {area!r}; choose one of {', '.join(settings.OSM_AREAS)}")
    layer, prefixes = settings.OSM_AREAS[area]
    from geo.layers import load_layers

    try:
        gdf = load_layers(layer)[layer]
    except (FileNotFoundError, LayerValidationError) as exc:
        if layer == "districts":
            log.warning("district boundaries unavailable (%s); using the core box %s", exc, settings.CORE_BOUNDS)
            return box(*settings.CORE_BOUNDS)
        raise
    mask = np.zeros(len(gdf), dtype=bool)
    for prefix in prefixes:
        mask |= gdf["name_zh"].astype(str).str.startswith(prefix).to_numpy()
    if not mask.any():
        raise LayerValidationError(f"no feature named {' / '.join(prefixes)} for study area {area!r}", layer=layer)
    return shapely.union_all(gdf.geometry[mask].to_crs(settings.STORAGE_CRS).values)


def merged_tags(themes) -> dict:
    """One osmnx ``tags`` dict covering several themes (one Overpass query instead of several)."""
    out: dict = {}
    for theme in themes:
        for key, value in settings.OSM_TAGS[theme].items():
            if value is True or out.get(key) is True:
                out[key] = True
                continue
            values = [value] if isinstance(value, str) else list(value)
            out[key] = list(dict.fromkeys([*out.get(key, []), *values]))
    return out


# --- normalising osmnx feature frames ----------------------------------------------------------------


def _tag_column(gdf: pd.DataFrame, key: str) -> pd.Series:
    if key in gdf.columns:
        return gdf[key].astype(object).where(gdf[key].notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _theme_mask(gdf: pd.DataFrame, theme: str) -> np.ndarray:
    """Rows of an osmnx frame whose tags match a theme's query."""
    mask = np.zeros(len(gdf), dtype=bool)
    for key, value in settings.OSM_TAGS[theme].items():
        col = _tag_column(gdf, key)
        if value is True:
            mask |= col.notna().to_numpy()
        else:
            values = [value] if isinstance(value, str) else list(value)
            mask |= col.isin(values).to_numpy()
    return mask


def _category(gdf: pd.DataFrame, theme: str) -> pd.Series:
    if theme == "campuses":
        amenity = _tag_column(gdf, "amenity")
        office = _tag_column(gdf, "office")
        return amenity.where(amenity.isin(settings.OSM_TAGS["campuses"]["amenity"]),
                             office.map({"research": "research_institute"}))
    if theme == "landuse":
        out = _tag_column(gdf, "landuse").map(LANDUSE_CATEGORY)
        for key in ("leisure", "natural"):
            out = out.fillna(_tag_column(gdf, key).map(LANDUSE_CATEGORY))
        return out.fillna("other")
    return pd.Series(["building"] * len(gdf), index=gdf.index, dtype=object)


def _joined_alt_names(gdf: pd.DataFrame) -> pd.Series:
    parts = [_tag_column(gdf, key).fillna("") for key in ALT_NAME_TAGS]
    joined = parts[0].astype(str)
    for part in parts[1:]:
        joined = joined.str.cat(part.astype(str), sep=";")
    return joined.str.replace(r";{2,}", ";", regex=True).str.strip(";")


def _tags_json(gdf: pd.DataFrame) -> list[str]:
    tags = gdf.drop(columns=[c for c in ("geometry", "nodes", "ways") if c in gdf.columns])
    return [
        json.dumps({k: v for k, v in rec.items() if isinstance(v, str | int | float) and v == v}, ensure_ascii=False)
        for rec in tags.to_dict("records")
    ]


def empty_features() -> gpd.GeoDataFrame:
    """An empty normalised feature frame (WGS-84)."""
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in FEATURE_COLUMNS}, geometry=[], crs=settings.STORAGE_CRS)


def normalize_features(raw: gpd.GeoDataFrame, theme: str) -> gpd.GeoDataFrame:
    """Turn an osmnx features frame into the toolkit's flat OSM feature table for one theme.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        As returned by ``osmnx.features_from_*`` (index ``element``/``id``, one column per tag),
        with a CRS.
    theme : str
        ``campuses``, ``landuse`` or ``buildings``: rows whose tags do not match the theme's
        query (:data:`geo.settings.OSM_TAGS`) are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`FEATURE_COLUMNS` + geometry, WGS-84; ``osm_key`` is ``way/123``.
        ``name_zh`` is ``name:zh`` where tagged, else ``name``.  Invalid polygons are repaired.
    """
    if raw is None or raw.empty:
        return empty_features()
    if raw.crs is None:
        raise CoordinateSystemError("OSM features frame has no CRS")
    raw = raw.to_crs(settings.STORAGE_CRS)
    raw = raw[_theme_mask(raw, theme)]
    if raw.empty:
        return empty_features()
    flat = raw.reset_index()
    element = flat["element"] if "element" in flat.columns else flat["element_type"]
    osm_id = flat["id"] if "id" in flat.columns else flat["osmid"]
    name = _tag_column(flat, "name")
    name_zh = _tag_column(flat, "name:zh").fillna(_tag_column(flat, "name:zh-Hans")).fillna(name)
    out = gpd.GeoDataFrame(
        {
            "osm_key": element.astype(str) + "/" + osm_id.astype(str),
            "osm_type": element.astype(str).to_numpy(),
            "osm_id": osm_id.astype("int64").to_numpy(),
            "theme": theme,
            "category": _category(flat, theme).to_numpy(),
            "name": name.to_numpy(),
            "name_zh": name_zh.to_numpy(),
            "name_en": _tag_column(flat, "name:en").to_numpy(),
            "alt_names": _joined_alt_names(flat).to_numpy(),
            "tags_json": _tags_json(flat),
        },
        geometry=shapely.make_valid(flat.geometry.to_numpy()),
        crs=settings.STORAGE_CRS,
    )
    return out.drop_duplicates("osm_key").reset_index(drop=True)


def split_themes(raw: gpd.GeoDataFrame, themes) -> dict[str, gpd.GeoDataFrame]:
    """Normalise one osmnx features frame into one table per theme."""
    return {theme: normalize_features(raw, theme) for theme in themes}


# --- network reachability and retries ----------------------------------------------------------------


def overpass_reachable(*, timeout_s: float | None = None) -> tuple[bool, str]:
    """Probe the Overpass status endpoint once, quickly.

    Returns
    -------
    (bool, str)
        Whether Overpass answered, and a short reason when it did not.
    """
    url = settings.OVERPASS_URL.rstrip("/") + "/status"
    try:
        response = requests.get(
            url, timeout=timeout_s or settings.OSM_PROBE_TIMEOUT_S,
            headers={"User-Agent": settings.OSM_USER_AGENT},
        )
    except requests.exceptions.RequestException as exc:
        return False, f"cannot reach {url}: {type(exc).__name__}"
    if response.status_code >= 500:
        return False, f"{url} answered {response.status_code}"
    return True, ""


#: Errors worth retrying: time-outs, dropped connections, 429/504, a non-JSON error page.
def _transient_errors() -> tuple[type[BaseException], ...]:
    from osmnx._errors import ResponseStatusCodeError

    return (requests.exceptions.Timeout, requests.exceptions.ConnectionError, OverpassBusyError,
            OverpassIncompleteError, ResponseStatusCodeError)


def _sleep(seconds: float) -> None:  # indirection so tests can record the back-off
    time.sleep(seconds)


def call_with_retries(
    func: Callable[[], object],
    *,
    what: str,
    max_retries: int | None = None,
    backoff_s: float | None = None,
):
    """Call ``func()``; on an Overpass time-out, 429 or 504, wait and retry.

    The wait doubles each time: ``backoff_s``, ``2*backoff_s``, ``4*backoff_s`` ... seconds.

    Raises
    ------
    OSMUnavailableError
        When the last retry fails too.
    """
    retries = settings.OSM_MAX_RETRIES if max_retries is None else max_retries
    base = settings.OSM_BACKOFF_S if backoff_s is None else backoff_s
    transient = _transient_errors()
    for attempt in range(retries + 1):
        try:
            return func()
        except transient as exc:
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            if attempt == retries:
                raise OSMUnavailableError(
                    f"{what}: Overpass failed {attempt + 1} time(s); last error: {reason}"
                ) from exc
            wait = base * 2**attempt
            log.warning("%s: %s; retrying in %.0f s (%d/%d)", what, reason, wait, attempt + 1, retries)
            _sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


# --- live fetch ---------------------------------------------------------------------------------------


def fetch_features(polygon, *, themes) -> dict[str, gpd.GeoDataFrame]:
    """Download the themes' features inside a WGS-84 polygon from Overpass (with retries)."""
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    configure_osmnx()
    tags = merged_tags(themes)

    def query():
        try:
            return ox.features.features_from_polygon(polygon, tags=tags)
        except InsufficientResponseError as exc:
            _insufficient_or_incomplete(exc)
            return None

    raw = call_with_retries(query, what=f"OSM features ({', '.join(themes)})")
    return split_themes(raw, themes)


def fetch_network(polygon, *, network_type: str) -> nx.MultiDiGraph | None:
    """Download one street network (``walk``, ``bike`` or ``drive``) inside a WGS-84 polygon."""
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    configure_osmnx()

    def query():
        try:
            return ox.graph.graph_from_polygon(
                polygon, network_type=network_type, simplify=True, retain_all=False, truncate_by_edge=True
            )
        except InsufficientResponseError as exc:
            _insufficient_or_incomplete(exc)
            return None

    return call_with_retries(query, what=f"OSM {network_type} network")


def fetch_osm(
    area: str | None = None,
    *,
    polygon=None,
    buildings: bool = False,
    network_types=None,
    require_osm: bool = False,
    osm_dir: Path | None = None,
    progress: bool = True,
) -> Path | None:
    """Fetch a study area's campuses, land use, (buildings) and networks live and cache them.

    Parameters
    ----------
    area : str
        Study-area key (:data:`geo.settings.OSM_AREAS`); names the cache folder.
    polygon : shapely geometry, optional
        WGS-84 query polygon; defaults to :func:`study_area`.
    buildings : bool
        Also fetch ``building=*`` (large: tens of thousands of features per district).
    network_types : sequence of str
        osmnx network types to fetch.
    require_osm : bool
        Raise :class:`OSMUnavailableError` instead of falling back when Overpass cannot be used.

    Returns
    -------
    pathlib.Path or None
        The area's cache folder, or None when the network is absent (a one-line warning
        says so and callers keep the embedded layers).
    """
    area = settings.OSM_DEFAULT_AREA if area is None else area
    network_types = settings.OSM_NETWORK_TYPES if network_types is None else network_types
    polygon = polygon if polygon is not None else study_area(area)
    themes = [t for t in THEMES if buildings or t != "buildings"]
    try:
        ok, reason = overpass_reachable()
        if not ok:
            raise OSMUnavailableError(reason)
        steps = [("features", None), *(("network", m) for m in network_types)]
        features: dict[str, gpd.GeoDataFrame] = {}
        graphs: dict[str, nx.MultiDiGraph] = {}
        for kind, mode in tqdm(steps, desc=f"OSM {area}", unit="query", disable=not progress):
            if kind == "features":
                features = fetch_features(polygon, themes=themes)
            else:
                graph = fetch_network(polygon, network_type=mode)
                if graph is not None:
                    graphs[mode] = graph
    except OSMUnavailableError as exc:
        message = f"OpenStreetMap unavailable ({exc}); the OSM cache was not changed; keeping the embedded layers"
        if require_osm:
            raise OSMUnavailableError(f"OpenStreetMap required (--require-osm) but unavailable: {exc}") from exc
        log.warning(message)
        return None
    provenance = {
        "source": "overpass",
        "query": {
            "overpass_url": settings.OVERPASS_URL,
            "tags": merged_tags(themes),
            "network_types": list(network_types),
            "polygon_bounds": [round(b, 6) for b in polygon.bounds],
            "polygon_wkt": shapely.to_wkt(polygon, rounding_precision=6),
            "timeout_s": settings.OSM_TIMEOUT_S,
        },
    }
    return write_extract(area, features=features, graphs=graphs, provenance=provenance, osm_dir=osm_dir)


# --- the cache ------------------------------------------------------------------------------------------


def area_dir(area: str, *, osm_dir: Path | None = None) -> Path:
    """Cache folder of one study area (``layers/osm/<area>``)."""
    return (Path(osm_dir) if osm_dir else settings.OSM_DIR) / area


def write_extract(
    area: str,
    *,
    features: Mapping[str, gpd.GeoDataFrame],
    graphs: Mapping[str, nx.MultiDiGraph],
    provenance: Mapping,
    osm_dir: Path | None = None,
) -> Path:
    """Write features, networks and the manifest of one area into the cache (atomically).

    Returns the area's cache folder.  The manifest is written last, so a folder with a
    manifest is complete.

    Raises
    ------
    CacheRefusedError
        When the result holds no feature and no network: an empty or failed result never
        replaces a cache (the previous one is kept as it was).
    """
    import osmium
    import osmnx as ox

    folder = area_dir(area, osm_dir=osm_dir)
    files: dict[str, dict] = {}
    tables = {theme: gdf for theme, gdf in features.items() if gdf is not None and len(gdf)}
    if not tables and not any(g is not None and g.number_of_edges() for g in graphs.values()):
        source = provenance.get("input", {}).get("path") or provenance.get("source", "the query")
        kept = "the previous cache was kept" if (folder / MANIFEST_NAME).exists() else "nothing was cached"
        raise CacheRefusedError(f"{source}: the OSM result for {area!r} holds no features and no street network "
                                f"(empty or failed); {kept}. Check the file or the area, then run again")
    folder.mkdir(parents=True, exist_ok=True)
    stale = [folder / FEATURES_NAME, *folder.glob("network_*.graphml")]
    if tables:
        path = write_geopackage(tables, folder / FEATURES_NAME)
        files[path.name] = {"sha256": sha256_file(path), "tables": {t: len(g) for t, g in tables.items()}}
    for mode, graph in graphs.items():
        target = folder / f"network_{mode}.graphml"
        with atomic_path(target) as tmp:
            ox.io.save_graphml(graph, tmp)
        files[target.name] = {"sha256": sha256_file(target), "nodes": graph.number_of_nodes(),
                              "edges": graph.number_of_edges()}
    for path in stale:  # outputs of an earlier run that this run did not produce
        if path.exists() and path.name not in files:
            path.unlink()
    manifest = {
        "area": area,
        **dict(provenance),
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "osmnx_version": ox.__version__,
        "osmium_version": getattr(osmium, "__version__", None) or _osmium_version(),
        "crs": settings.STORAGE_CRS,
        "feature_counts": {theme: len(gdf) for theme, gdf in features.items()},
        "files": files,
        "attribution": settings.OSM_ATTRIBUTION,
    }
    write_json(manifest, folder / MANIFEST_NAME)
    log.info("OSM %s: %s", area, ", ".join(f"{k} {v}" for k, v in manifest["feature_counts"].items()) or "no features")
    return folder


def _osmium_version() -> str | None:
    try:
        from osmium.version import pyosmium_release

        return pyosmium_release
    except ImportError:  # pragma: no cover
        return None


def cached_areas(*, osm_dir: Path | None = None) -> list[str]:
    """Study areas with a complete cache (a manifest) under ``layers/osm/``."""
    base = Path(osm_dir) if osm_dir else settings.OSM_DIR
    if not base.exists():
        return []
    return sorted(p.parent.name for p in base.glob(f"*/{MANIFEST_NAME}"))


def read_manifest(area: str, *, osm_dir: Path | None = None) -> dict:
    """The manifest of one cached area (query, time, versions, files)."""
    path = area_dir(area, osm_dir=osm_dir) / MANIFEST_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `corridor osm fetch` or `corridor osm import FILE`")
    return json.loads(path.read_text(encoding="utf-8"))


def load_osm_features(
    *, areas=None, themes=THEMES, osm_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """Cached OSM features (WGS-84) of the given areas and themes, one row per OSM object.

    Returns an empty frame when nothing is cached.
    """
    import pyogrio

    areas = cached_areas(osm_dir=osm_dir) if areas is None else list(areas)
    parts = []
    for area in areas:
        path = area_dir(area, osm_dir=osm_dir) / FEATURES_NAME
        if not path.exists():
            continue
        present = {name for name, _ in pyogrio.list_layers(path)}
        parts += [read_layer(path, layer=theme).assign(area=area) for theme in themes if theme in present]
    if not parts:
        return empty_features()
    out = pd.concat(parts, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=settings.STORAGE_CRS)
    return out.drop_duplicates(["osm_key", "theme"]).reset_index(drop=True)


def load_osm_graph(area: str, network_type: str, *, osm_dir: Path | None = None) -> nx.MultiDiGraph:
    """A cached street network (osmnx MultiDiGraph, node x/y in WGS-84 degrees, lengths in metres)."""
    import osmnx as ox

    path = area_dir(area, osm_dir=osm_dir) / f"network_{network_type}.graphml"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `corridor osm fetch --area {area}` first")
    return ox.io.load_graphml(path)
