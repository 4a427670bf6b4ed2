"""Outside tools open the files as they are: GDAL converts the GeoJSON cleanly, LibreOffice reads the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import openpyxl
import pytest

from conftest import require_tool as require

# GDAL's warnings that a value or a type did not survive the conversion.
MISCONVERSION = re.compile(r"misconversion|truncated|not successfully written|couldn't be converted|ERROR", re.I)
LAUNDERED = re.compile(r"^Warning 6: Normalized/laundered field name: '\w+' to '\w+'$")


@pytest.fixture(scope="module")
def geojson(shipped_site):
    return shipped_site / "opendata" / "points.geojson"


def ogr2ogr(*args: str) -> list[str]:
    result = subprocess.run([require("ogr2ogr", "gdal-bin"), *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def ogrinfo_count(path) -> int:
    result = subprocess.run(
        [require("ogrinfo", "gdal-bin"), "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60
    )
    return int(re.search(r"Feature Count: (\d+)", result.stdout).group(1))


def test_geojson_to_geopackage_without_a_warning(geojson, tmp_path):
    out = tmp_path / "points.gpkg"
    assert ogr2ogr("-f", "GPKG", str(out), str(geojson)) == []
    assert ogrinfo_count(out) == len(json.loads(geojson.read_text(encoding="utf-8"))["features"])


def test_geojson_to_shapefile_without_misconversion(geojson, tmp_path):
    out = tmp_path / "points.shp"
    messages = ogr2ogr("-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(out), str(geojson))
    assert [m for m in messages if MISCONVERSION.search(m)] == []
    # The only thing Shapefile changes is the 10-letter limit on field names, which the open-data page mentions.
    assert all(LAUNDERED.match(m) for m in messages), messages
    assert ogrinfo_count(out) == len(json.loads(geojson.read_text(encoding="utf-8"))["features"])


def test_the_old_list_properties_would_have_warned(geojson, tmp_path):
    """The check is awake: a GeoJSON with a list property gives GDAL's StringList warning."""
    doc = json.loads(geojson.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["services"] = ["a", "b"]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    messages = ogr2ogr("-f", "GPKG", str(tmp_path / "bad.gpkg"), str(bad))
    assert any("StringList" in m for m in messages), messages


def soffice_convert(source, target: str, tmp_path, *options: str):
    """LibreOffice headless, with its own throwaway profile; returns the converted file."""
    soffice = require("soffice", "libreoffice-calc-nogui")
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    out = tmp_path / target.split(":")[0]
    command = [soffice, profile, "--headless", *options, "--convert-to", target, "--outdir", str(out), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return out / f"{source.stem}.{target.split(':')[0]}"


def test_libreoffice_reads_the_xlsx_as_one_header_row_and_numbers(shipped_site, tmp_path):
    converted = soffice_convert(
        shipped_site / "opendata" / "points.xlsx", "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path
    )
    rows = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    book = openpyxl.load_workbook(shipped_site / "opendata" / "points.xlsx")
    header = [c.value for c in book.worksheets[0][1]]
    assert rows[0] == header  # the first sheet, one header row of Chinese labels
    lat = header.index("纬度")
    assert all(re.fullmatch(r"2\d\.\d+", r[lat]) for r in rows[1:] if r[lat])


def test_libreoffice_reads_the_csv_as_utf8(shipped_site, tmp_path):
    """The CSV is UTF-8 without a byte-order mark, so LibreOffice is told the charset (filter option 76),
    as the open-data page tells LibreOffice users to choose it in the text import dialog."""
    source = shipped_site / "opendata" / "points.csv"
    converted = soffice_convert(source, "xlsx", tmp_path, "--infilter=CSV:44,34,76")
    sheet = openpyxl.load_workbook(converted).active
    rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    expected = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    assert rows[0] == expected[0]
    assert [r[1] for r in rows[1:]] == [r[1] for r in expected[1:]]  # Chinese text, no mojibake


def ogrinfo(*args: str) -> str:
    result = subprocess.run([require("ogrinfo", "gdal-bin"), "-ro", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Warning" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    return result.stdout


def test_gdal_opens_the_geopackage_in_epsg_4326_with_one_feature_per_record(shipped_site, points_by_id):
    from servicepoints.registry.provenance import own_position

    gpkg = shipped_site / "opendata" / "points.gpkg"
    summary = ogrinfo("-so", "-al", str(gpkg))
    assert re.search(r"^Layer name: points$", summary, re.M) and "Geometry: Point" in summary
    assert re.search(r'^\s*ID\["EPSG",4326\]\]$', summary, re.M), summary
    assert int(re.search(r"Feature Count: (\d+)", summary).group(1)) == len(points_by_id)
    assert "position_note: String" in summary
    # GDAL's own reading: exactly the records without an own position have no geometry, and each says why.
    listing = ogrinfo(
        "-q", "-al", "-dialect", "SQLITE", "-sql", "SELECT id, position_note FROM points WHERE geom IS NULL", str(gpkg)
    )
    without = set(re.findall(r"^\s*id \(String\) = (\S+)$", listing, re.M))
    assert without == {pid for pid, p in points_by_id.items() if own_position(p) is None}
    assert listing.count("position_note (String) = (null)") == 0
