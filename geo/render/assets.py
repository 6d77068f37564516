"""Inline Leaflet, its plugins and their CSS into a rendered map, from installed packages.

Folium writes ``<script src="https://cdn...">`` and ``<link href="https://cdn...">`` tags.
CDNs are often blocked or slow on Chinese government and university networks, so by
default every such tag is replaced by the asset's text, taken from installed packages:

* Leaflet itself (JS, CSS and the control images the CSS refers to) from ``xstatic-leaflet``;
* every other asset from ``folium-offline`` (module ``offlinefolium``), which keys the
  assets of folium and its plugins by folium's own CDN URLs.

Nothing is downloaded and nothing is copied into this repository.  An asset that neither
package carries raises :class:`AssetError` rather than leaving a CDN link behind.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from geo.errors import CorridorError

_SCRIPT_TAG = re.compile(r'<script\s+src="(https?://[^"]+)"\s*>\s*</script>')
_LINK_TAG = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
#: An empty image, for CSS references to images neither package ships.
_EMPTY_IMAGE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAIBTAA7"


class AssetError(CorridorError, RuntimeError):
    """A map refers to a script or stylesheet that no installed package carries."""


@functools.cache
def _leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


@functools.cache
def _offline_assets() -> dict[str, str]:
    from offlinefolium.elements import _res  # the assets of folium 0.20, keyed by URL

    return dict(_res)


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}.get(path.suffix, "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css: str, *, base: Path | None) -> str:
    """Turn relative ``url(...)`` references into data URIs (or an empty image)."""

    def replace(match: re.Match) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        candidate = (base / ref) if base else None
        uri = _data_uri(candidate) if candidate is not None and candidate.is_file() else _EMPTY_IMAGE
        return f'url("{uri}")'

    return _CSS_URL.sub(replace, css)


def asset_text(url: str) -> str:
    """The text of the asset folium would load from ``url``.

    Raises
    ------
    AssetError
        If neither ``xstatic-leaflet`` nor ``folium-offline`` carries it.
    """
    name = url.rsplit("/", 1)[-1]
    if re.search(r"/leaflet@1\.9\.\d+/dist/", url) and name in ("leaflet.js", "leaflet.css"):
        path = _leaflet_dir() / name
        text = path.read_text(encoding="utf-8")
        return _inline_css_urls(text, base=path.parent) if name.endswith(".css") else text
    assets = _offline_assets()
    if url not in assets:
        raise AssetError(
            f"no installed package carries {url}; install folium-offline matching folium, "
            "or render with --cdn"
        )
    text = assets[url]
    return _inline_css_urls(text, base=None) if name.endswith(".css") else text


def _safe_script(text: str) -> str:
    # A literal "</script" inside inlined JS would end the element early.
    return text.replace("</script", "<\\/script")


def inline_assets(html: str) -> str:
    """Replace every CDN ``<script>``/``<link>`` tag in ``html`` by the inlined asset.

    Returns
    -------
    str
        The HTML with no remaining ``http(s)`` script or stylesheet references.
    """
    html = _SCRIPT_TAG.sub(lambda m: f"<script>{_safe_script(asset_text(m.group(1)))}</script>", html)
    html = _LINK_TAG.sub(lambda m: f"<style>{asset_text(m.group(1))}</style>", html)
    return html


def remote_references(html: str) -> list[str]:
    """URLs of scripts and stylesheets ``html`` would still fetch from the network."""
    return _SCRIPT_TAG.findall(html) + _LINK_TAG.findall(html)
