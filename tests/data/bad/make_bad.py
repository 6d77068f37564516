"""Write the bad inputs of tests/test_cli_errors.py into a folder (made at test time, not committed as binaries).

Each is a realistic broken file a user hands the CLI: a GBK-encoded CSV, a ragged CSV, a
duplicate header, an Excel workbook renamed .csv, a truncated OSM XML, a corrupt PBF, an
empty .osm, a truncated GeoTIFF.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def write_all(folder: Path) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}

    def put(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        out[name] = path
        return path

    put("firms_gbk.csv", "name,lon,lat\n华中科技大学,114.4130,30.5130\n武汉大学,114.3600,30.5400\n".encode("gbk"))
    put("firms_ragged.csv", b"name,lon,lat\na,114.35,30.52\nb,114.36,30.53,extra\n")
    put("firms_dup_header.csv", b"name,lon,lat,lon\na,114.35,30.52,1\n")
    put("firms_excel.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64)
    put("empty.osm", b'<?xml version="1.0"?>\n<osm version="0.6" generator="test">\n</osm>\n')
    campus = (REPO / "tests" / "data" / "osm" / "campus.osm").read_bytes()
    put("truncated.osm", campus[: len(campus) // 3])
    put("corrupt.osm.pbf", b"\x00\x00\x00\x0dOSMHeader" + bytes(range(256)) * 4)
    tif = (REPO / "tests" / "data" / "render" / "analysis" / "distance_to_campus.tif").read_bytes()
    put("truncated.tif", tif[:5000])
    return out
