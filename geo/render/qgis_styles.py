"""Default QGIS styles inside ``corridor.gpkg``: the GeoPackage ``layer_styles`` table, in QML.

QGIS applies a layer's default style (``useAsDefault = 1``) when the layer is opened, so the
GeoPackage opens with the web maps' colours, widths and dash patterns and with the Chinese
names as labels (``name_zh``).  Styles come from ``maps/styles.yml``; a layer without a style
there gets none.  The table is replaced as a whole, in one transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

from geo.render.styles import LayerStyle, StyleConfig, load_styles

_DDL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def _rgba(hex_colour: str, alpha: float = 1.0) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, alpha)))}"


def _prop(k: str, v) -> str:
    return f'<prop k={quoteattr(k)} v={quoteattr(str(v))}/>'


def _symbol(style: LayerStyle, geometry: str) -> str:
    o = style.path_options
    colour = o.get("color", "#555555")
    width_mm = round(float(o.get("weight", 1.5)) * 0.26, 2)
    dash = o.get("dashArray")
    pen = "dash" if dash else "solid"
    if geometry == "line":
        props = [_prop("line_color", _rgba(colour, o.get("opacity", 1.0))), _prop("line_width", width_mm),
                 _prop("line_width_unit", "MM"), _prop("line_style", pen)]
        if dash:
            props += [_prop("use_custom_dash", 1), _prop("customdash", ";".join(str(dash).split()))]
        return f'<symbol type="line" name="0" alpha="1"><layer class="SimpleLine">{"".join(props)}</layer></symbol>'
    fill = o.get("fillColor", colour)
    if geometry == "point":
        props = [_prop("color", _rgba(fill, o.get("fillOpacity", 0.9))), _prop("outline_color", _rgba(colour)),
                 _prop("size", round(float(o.get("radius", 5)) * 0.5, 2)), _prop("name", "circle")]
        return f'<symbol type="marker" name="0" alpha="1"><layer class="SimpleMarker">{"".join(props)}</layer></symbol>'
    props = [_prop("color", _rgba(fill, o.get("fillOpacity", 0.2))), _prop("outline_color", _rgba(colour, o.get("opacity", 1.0))),
             _prop("outline_width", width_mm), _prop("outline_width_unit", "MM"), _prop("outline_style", pen),
             _prop("style", "solid")]
    return f'<symbol type="fill" name="0" alpha="1"><layer class="SimpleFill">{"".join(props)}</layer></symbol>'


def layer_qml(style: LayerStyle, *, geometry: str) -> str:
    """QML of one layer: a single-symbol renderer in the web map's style, labelled by ``name_zh``."""
    labels = (
        '<labeling type="simple"><settings calloutType="simple">'
        '<text-style fieldName="name_zh" fontFamily="Noto Sans CJK SC" fontSize="9" textColor="20,20,20,255">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255"/></text-style>'
        '<placement placement="1"/></settings></labeling>'
    )
    return ('<!DOCTYPE qgis PUBLIC \'http://mrcc.com/qgis.dtd\' \'SYSTEM\'>'
            '<qgis version="3.28" styleCategories="Symbology|Labeling">'
            f'<renderer-v2 type="singleSymbol" enableorderby="0"><symbols>{_symbol(style, geometry)}</symbols></renderer-v2>'
            f'{labels}<layerGeometryType>{ {"point": 0, "line": 1}.get(geometry, 2) }</layerGeometryType></qgis>')


def _geometry_kind(con: sqlite3.Connection, table: str) -> tuple[str, str]:
    row = con.execute("SELECT column_name, geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?",
                      (table,)).fetchone()
    if row is None:
        return "geom", "fill"
    column, gtype = row[0], str(row[1]).upper()
    return column, "point" if "POINT" in gtype else ("line" if "LINE" in gtype else "fill")


def write_layer_styles(gpkg_path: str | Path, *, styles: StyleConfig | None = None) -> list[str]:
    """Write each styled layer's default QML into ``gpkg_path``'s ``layer_styles`` table.

    Returns the names of the layers styled.
    """
    styles = styles or load_styles()
    con = sqlite3.connect(str(gpkg_path))
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
        styled = []
        with con:
            con.execute(_DDL)
            con.execute("DELETE FROM layer_styles WHERE styleName = 'corridor'")
            for table in tables:
                style = styles.layers.get(table)
                if style is None:
                    continue
                column, kind = _geometry_kind(con, table)
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                    "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                    "VALUES ('', '', ?, ?, 'corridor', ?, '', 1, ?, '', '')",
                    (table, column, layer_qml(style, geometry=kind), f"{style.label} (maps/styles.yml)"))
                styled.append(table)
    finally:
        con.close()
    return styled
