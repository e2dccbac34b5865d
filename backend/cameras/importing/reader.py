"""Decoding an uploaded file (UTF-8 or CP949; CSV or GeoJSON) into numbered records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backend.cameras.importing.layouts import LAYOUTS, Layout, Record, detect_csv_layout
from backend.cameras.validation import FieldError

ENCODINGS = ("utf-8-sig", "cp949")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, header)."""


@dataclass
class Source:
    format: str  # "csv" or "geojson"
    encoding: str
    layout: Layout
    records: Iterator[tuple[int, Record]]
    errors: list[
        tuple[int, str, str]
    ]  # structural problems found while reading (row, field, reason)


def decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("file is neither UTF-8 nor CP949 text (binary or another encoding?)")


def read_source(data: bytes, filename: str) -> Source:
    if not data.strip():
        raise ImportFileError("file is empty")
    text, encoding = decode(data)
    stripped = text.lstrip()
    if filename.lower().endswith((".geojson", ".json")) or stripped.startswith("{"):
        return _geojson(text, encoding)
    return _csv(text, encoding)


def _csv(text: str, encoding: str) -> Source:
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        first = next(reader)
    except StopIteration as err:
        raise ImportFileError("file has no rows") from err
    except csv.Error as err:
        raise ImportFileError(f"line 1: malformed CSV ({err})") from err
    try:
        layout, has_header = detect_csv_layout(first)
    except FieldError as err:
        raise ImportFileError(err.message) from err
    errors: list[tuple[int, str, str]] = []
    header = [h.strip().lstrip("\ufeff").lower() for h in first] if has_header else []

    def records() -> Iterator[tuple[int, Record]]:
        if not has_header:
            yield 1, {"_values": first}
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                errors.append((reader.line_num, "csv", f"malformed CSV ({err})"))
                return
            line = reader.line_num
            if not any(cell.strip() for cell in values):
                continue
            if not has_header:
                yield line, {"_values": values}
                continue
            if len(values) > len(header) and any(c.strip() for c in values[len(header) :]):
                errors.append((line, "columns", f"{len(values)} values for {len(header)} columns"))
                continue
            yield line, dict(zip(header, values, strict=False))

    return Source("csv", encoding, layout, records(), errors)


def _geojson(text: str, encoding: str) -> Source:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as err:
        raise ImportFileError(
            f"not valid JSON: line {err.lineno}, column {err.colno}: {err.msg}"
        ) from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFileError(
            'GeoJSON must be a FeatureCollection ({"type": "FeatureCollection", …})'
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise ImportFileError("GeoJSON FeatureCollection has no 'features' list")
    errors: list[tuple[int, str, str]] = []

    def records() -> Iterator[tuple[int, Record]]:
        for number, feature in enumerate(features, start=1):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                errors.append((number, "geometry", "feature must have a Point geometry"))
                continue
            coords = geometry.get("coordinates")
            if not isinstance(coords, list) or len(coords) < 2:
                errors.append((number, "geometry", "Point needs [lon, lat] coordinates"))
                continue
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                errors.append((number, "properties", "properties must be an object"))
                continue
            record = {str(k).lower(): ("" if val is None else val) for k, val in props.items()}
            record["lon"], record["lat"] = coords[0], coords[1]
            yield number, record

    return Source("geojson", encoding, LAYOUTS["haechi"], records(), errors)
