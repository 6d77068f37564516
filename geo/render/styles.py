"""Map styles from ``maps/styles.yml``: colours, widths, legends, and which layers each map shows.

The YAML file (:func:`geo.settings.map_style_file`) is the one place a planner restyles
the maps; this module only reads and checks it, so a typo is reported with the file
and the key instead of surfacing as a blank map.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from geo import settings
from geo.errors import CorridorError

#: Leaflet path options a style may set, with the key Leaflet uses.
_PATH_OPTIONS = {
    "color": "color",
    "weight": "weight",
    "opacity": "opacity",
    "fill_color": "fillColor",
    "fill_opacity": "fillOpacity",
    "dash_array": "dashArray",
    "radius": "radius",
}
_STYLE_KEYS = set(_PATH_OPTIONS) | {"label_zh", "label_en", "popup_fields", "choropleth", "group", "labels"}
_LABEL_KEYS = {"min_zoom", "priority", "short"}
_ENTRY_KINDS = ("layer", "analysis", "raster", "points")
BASEMAPS = ("osm", "cartodb_positron", "cartodb_dark", "esri_imagery", "tianditu", "amap")


class StyleError(CorridorError, ValueError):
    """``maps/styles.yml`` is malformed or names something that does not exist."""

    def __init__(self, problem: str, *, path: Path | None = None):
        super().__init__(f"{path or settings.map_style_file()}: {problem}")


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn and named.

    Attributes
    ----------
    key : str
        The key under ``layers:`` in the style file.
    label_zh, label_en : str
        Legend and layer-control text.
    path_options : dict
        Leaflet path options (``color``, ``weight``, ``fillColor`` ...).
    popup_fields : dict
        Extra columns shown in popups, ``{column: "中文 / English"}``.
    choropleth : dict or None
        ``column``, ``colors`` (low -> high), optional ``vmin``/``vmax``, captions.
    """

    key: str
    label_zh: str
    label_en: str
    path_options: dict
    popup_fields: dict = field(default_factory=dict)
    choropleth: dict | None = None
    group: str = "other"
    labels: dict | None = None  # {min_zoom, priority, short}: names drawn on the map

    @property
    def label(self) -> str:
        """Bilingual label, Chinese first."""
        return f"{self.label_zh} {self.label_en}".strip()


@dataclass(frozen=True)
class LayerEntry:
    """One layer shown on one map (see the header of ``maps/styles.yml``)."""

    kind: str  # "layer", "analysis", "raster" or "points"
    name: str
    style: str
    filter: dict = field(default_factory=dict)
    clip_to: dict | None = None
    show: bool = True
    simplify_m: float | None = None  # overrides the map's simplify_m for this layer
    key: str = ""  # unique key of this entry on its map (default: the style key)
    radio: str | None = None  # entries sharing a radio group are shown one at a time
    label_zh: str | None = None  # overrides the style's label in the layer tree
    label_en: str | None = None
    group: str | None = None  # overrides the style's group in the layer tree
    dissolve: tuple[str, ...] = ()  # merge the features that share these columns (one shape per value)

    @property
    def uid(self) -> str:
        return self.key or self.style


@dataclass(frozen=True)
class MapSpec:
    """What one map shows."""

    name: str
    title_zh: str
    title_en: str
    description_en: str
    layers: tuple[LayerEntry, ...]
    simplify_m: float = 5.0
    extent: tuple[str, ...] = ()
    summary: str | None = None
    summary_fields: tuple[str, ...] = ()
    other_layers: bool = False
    other_simplify_m: float = 30.0
    optional: bool = False  # skipped (not failed, not in the gallery) when its input file is absent
    question_zh: str = ""
    question_en: str = ""
    caveat_en: str = ""
    caveat_zh: str = ""
    dashboard: str | None = None  # "land_supply": the chart and scenario explorer beside the map

    @property
    def needs_analysis(self) -> bool:
        """Whether the map reads ``layers/build/analysis/`` outputs."""
        return any(e.kind in ("analysis", "raster") for e in self.layers)

    @property
    def needs_points(self) -> bool:
        """Whether the map reads ``corridor points zones`` outputs (``layers/build/points/``)."""
        return any(e.kind == "points" for e in self.layers)


@dataclass(frozen=True)
class StyleConfig:
    """The whole style file: layer styles, map definitions and basemaps."""

    layers: dict[str, LayerStyle]
    maps: dict[str, MapSpec]
    basemaps: tuple[str, ...]
    path: Path
    groups: dict = field(default_factory=dict)  # layer-tree groups: key -> {label_zh, label_en, collapsed}
    aliases: dict = field(default_factory=dict)  # feature id -> extra search names
    short_names: dict = field(default_factory=dict)  # feature id -> name drawn on the map


def _layer_style(key: str, raw, path: Path) -> LayerStyle:
    if not isinstance(raw, dict):
        raise StyleError(f"layers.{key} must be a mapping", path=path)
    unknown = set(raw) - _STYLE_KEYS
    if unknown:
        raise StyleError(f"layers.{key}: unknown key(s) {', '.join(sorted(unknown))}", path=path)
    options = {_PATH_OPTIONS[k]: v for k, v in raw.items() if k in _PATH_OPTIONS}
    choropleth = raw.get("choropleth")
    if choropleth is not None:
        colors = choropleth.get("colors") if isinstance(choropleth, dict) else None
        if not isinstance(colors, list) or len(colors) < 2:
            raise StyleError(f"layers.{key}.choropleth needs `colors`: a list of at least two colours", path=path)
    if key in _catalogue_titles() and ("label_zh" in raw or "label_en" in raw):
        raise StyleError(f"layers.{key}: a layer's name comes from layers/catalogue.yml (title_zh, title_en); "
                         "remove label_zh/label_en here", path=path)
    title_zh, title_en = _catalogue_titles().get(key, (key, key))
    return LayerStyle(
        key=key,
        label_zh=str(raw.get("label_zh", title_zh)),
        label_en=str(raw.get("label_en", title_en)),
        path_options=options,
        popup_fields=dict(raw.get("popup_fields") or {}),
        choropleth=dict(choropleth) if choropleth else None,
        group=str(raw.get("group", "other")),
        labels=_labels(key, raw.get("labels"), path),
    )


def _catalogue_titles() -> dict[str, tuple[str, str]]:
    """Layer name -> (title_zh, title_en) from the layer catalogue: the one place layers are named."""
    from geo.catalogue import layer_titles

    return layer_titles()


def _labels(key: str, raw, path: Path) -> dict | None:
    if raw in (None, False):
        return None
    if raw is True:
        raw = {}
    if not isinstance(raw, dict) or set(raw) - _LABEL_KEYS:
        raise StyleError(f"layers.{key}.labels must be true or a mapping of {', '.join(sorted(_LABEL_KEYS))}",
                         path=path)
    return {"min_zoom": float(raw.get("min_zoom", 0)), "priority": int(raw.get("priority", 5)),
            "short": bool(raw.get("short", False))}


def _layer_entry(map_name: str, raw, path: Path) -> LayerEntry:
    if isinstance(raw, str):
        return LayerEntry(kind="layer", name=raw, style=raw)
    if not isinstance(raw, dict):
        raise StyleError(f"maps.{map_name}.layers: entry {raw!r} is neither a name nor a mapping", path=path)
    kinds = [k for k in _ENTRY_KINDS if k in raw]
    if len(kinds) != 1:
        raise StyleError(
            f"maps.{map_name}.layers: entry {raw!r} needs exactly one of {', '.join(_ENTRY_KINDS)}", path=path
        )
    kind = kinds[0]
    name = str(raw[kind])
    return LayerEntry(
        kind=kind,
        name=name,
        style=str(raw.get("style", name)),
        filter=dict(raw.get("filter") or {}),
        clip_to=dict(raw["clip_to"]) if raw.get("clip_to") else None,
        show=bool(raw.get("show", True)),
        simplify_m=float(raw["simplify_m"]) if raw.get("simplify_m") is not None else None,
        key=str(raw.get("key", "")),
        radio=str(raw["radio"]) if raw.get("radio") else None,
        label_zh=raw.get("label_zh"),
        label_en=raw.get("label_en"),
        group=raw.get("group"),
        dissolve=tuple(raw.get("dissolve") or ()),
    )


def _other_layers(map_name: str, value, path: Path) -> bool:
    if value in (None, False, "none"):
        return False
    if value == "hidden":
        return True
    raise StyleError(f"maps.{map_name}.other_layers must be `hidden` or `none`, not {value!r}", path=path)


def _optional(map_name: str, value, path: Path) -> bool:
    if not isinstance(value, bool):
        raise StyleError(f"maps.{map_name}.optional must be true or false, not {value!r}", path=path)
    return value


def default_style(key: str, *, label_zh: str, label_en: str) -> LayerStyle:
    """A plain grey style for a layer the style file does not mention yet."""
    return LayerStyle(key=key, label_zh=label_zh, label_en=label_en,
                      path_options={"color": "#555555", "weight": 1.5, "fillColor": "#999999", "fillOpacity": 0.2})


def load_styles(path: str | Path | None = None) -> StyleConfig:
    """Read and check the map style file.

    Parameters
    ----------
    path : path-like, optional
        Defaults to :func:`geo.settings.map_style_file` (``maps/styles.yml``).

    Raises
    ------
    StyleError
        If the file is missing or malformed, or a map uses a style the file does not define.
    """
    path = Path(path) if path else settings.map_style_file()
    if not path.exists():
        raise StyleError("style file does not exist", path=path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise StyleError(f"not valid YAML: {exc}", path=path) from None
    layers = {k: _layer_style(k, v, path) for k, v in (doc.get("layers") or {}).items()}
    maps: dict[str, MapSpec] = {}
    for name, raw in (doc.get("maps") or {}).items():
        if not isinstance(raw, dict) or not raw.get("layers"):
            raise StyleError(f"maps.{name} needs a `layers:` list", path=path)
        entries = tuple(_layer_entry(name, e, path) for e in raw["layers"])
        for entry in entries:
            if entry.style not in layers:
                raise StyleError(f"maps.{name}: layer {entry.name!r} uses style {entry.style!r}, "
                                 "which is not defined under `layers:`", path=path)
        seen: set[str] = set()
        unique = []
        for i, entry in enumerate(entries):  # a layer shown twice gets a distinct key
            if entry.uid in seen:
                entry = replace(entry, key=f"{entry.uid}-{i}")
            seen.add(entry.uid)
            unique.append(entry)
        entries = tuple(unique)
        maps[name] = MapSpec(
            name=name,
            title_zh=str(raw.get("title_zh", name)),
            title_en=str(raw.get("title_en", name)),
            description_en=str(raw.get("description_en", "")),
            layers=entries,
            simplify_m=float(raw.get("simplify_m", MapSpec.simplify_m)),
            extent=tuple(raw.get("extent") or ()),
            summary=raw.get("summary"),
            summary_fields=tuple(raw.get("summary_fields") or ()),
            other_layers=_other_layers(name, raw.get("other_layers"), path),
            other_simplify_m=float(raw.get("other_simplify_m", MapSpec.other_simplify_m)),
            optional=_optional(name, raw.get("optional", False), path),
            question_zh=str(raw.get("question_zh", "")),
            question_en=str(raw.get("question_en", "")),
            caveat_zh=str(raw.get("caveat_zh", "")),
            caveat_en=str(raw.get("caveat_en", "")),
            dashboard=raw.get("dashboard"),
        )

    basemaps = tuple(doc.get("basemaps") or BASEMAPS)
    unknown = [b for b in basemaps if b not in BASEMAPS]
    if unknown:
        raise StyleError(f"basemaps: unknown {', '.join(unknown)}; choose from {', '.join(BASEMAPS)}", path=path)
    aliases = {str(k): [str(a) for a in (v if isinstance(v, list) else [v])]
               for k, v in (doc.get("aliases") or {}).items()}
    return StyleConfig(layers=layers, maps=maps, basemaps=basemaps, path=path, groups=dict(doc.get("groups") or {}),
                       aliases=aliases, short_names={str(k): str(v) for k, v in (doc.get("short_names") or {}).items()})
