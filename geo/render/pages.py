"""HTML outside the map canvas, from Jinja2 templates (``geo/render/templates``): the info panel,
the print layout, the land-supply dashboard, the gallery; plus the build date and data version.

Templates autoescape, so every value from data is escaped once, here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import subprocess
from pathlib import Path

import geopandas as gpd
import jinja2

from geo import settings

log = logging.getLogger("corridor")

TEMPLATE_DIR = Path(__file__).with_name("templates")


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render(name: str, **context) -> str:
    """Render ``templates/<name>`` with ``context`` (autoescaped)."""
    return environment().get_template(name).render(**context)


def build_date(*, env=None, repo: Path | None = None) -> str:
    """The build date (UTC, ``YYYY-MM-DD``): ``SOURCE_DATE_EPOCH`` if set, else the date of the
    git commit at HEAD, else today."""
    env = os.environ if env is None else env
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%d")
    try:
        out = subprocess.run(["git", "-C", str(repo or settings.REPO_ROOT), "log", "-1", "--format=%ct", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip().isdigit():
            return dt.datetime.fromtimestamp(int(out.stdout.strip()), tz=dt.UTC).strftime("%Y-%m-%d")
    except (OSError, subprocess.SubprocessError):
        pass
    return dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d")


def data_version(layers: dict[str, gpd.GeoDataFrame]) -> str:
    """Short hash (8 hex digits) of the input layers: names, attributes and geometry (WKB)."""
    h = hashlib.sha256()
    for name in sorted(layers):
        gdf = layers[name]
        h.update(name.encode())
        attrs = gdf.drop(columns=gdf.geometry.name)
        h.update(attrs.to_csv(index=False).encode("utf-8"))
        for wkb in gdf.geometry.to_wkb():
            h.update(wkb or b"")
    return h.hexdigest()[:8]


def gallery_page(*, groups: list[dict], extra: list[dict], build: dict) -> str:
    """The ``index.html`` gallery: maps grouped by the planner's question, thumbnail, one caveat each."""
    return render("gallery.html", groups=groups, extra=extra, build=build,
                  osm=settings.OSM_ATTRIBUTION, amap=settings.AMAP_ATTRIBUTION)
