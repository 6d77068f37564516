"""corridor.gpkg carries QGIS default styles (layer_styles, QML) with the web maps' colours and Chinese labels."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

from geo import settings
from geo.render.qgis_styles import write_layer_styles
from geo.render.styles import load_styles


def test_layer_styles_table_holds_parseable_qml_with_the_map_colours(real_build):
    gpkg = settings.geopackage_path(real_build)
    styled = write_layer_styles(gpkg)
    again = write_layer_styles(gpkg)  # rewriting replaces, never duplicates
    assert styled == again and {"campuses", "zhigu", "parks", "silicon_lanes", "sites"} <= set(styled)
    styles = load_styles()
    con = sqlite3.connect(gpkg)
    rows = con.execute("SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles").fetchall()
    con.close()
    assert len(rows) == len(styled)
    for table, column, qml, default in rows:
        assert default == 1 and column
        root = ET.fromstring(qml.split(">", 1)[1])  # after the DOCTYPE
        props = {p.get("k"): p.get("v") for p in root.iter("prop")}
        o = styles.layers[table].path_options
        r, g, b = (int(o["color"].lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        outline = props.get("outline_color") or props.get("line_color")
        assert outline.split(",")[:3] == [str(r), str(g), str(b)], table
        assert root.find(".//text-style").get("fieldName") == "name_zh"
        if "fillColor" in o and "color" in props:
            fr, fg, fb = (int(o["fillColor"].lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
            assert props["color"].split(",")[:3] == [str(fr), str(fg), str(fb)], table
