"""Safe, bounded previews of artifacts: text, JSON, YAML, CSV and logged tables, images, models.

::

    preview = artifact_preview(repo, "metrics/report.csv")
    preview["kind"], preview["rows"][:3], preview["truncated"]

Files are opened as streams and only their first :data:`TEXT_LIMIT` bytes are read, so a
10 GB log is as quick to preview as a 1 KB one; the preview says when it was truncated.
Nothing here turns artifact content into markup: the browser shows it as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import posixpath
from typing import Any

from trialbook.artifacts import RunArtifacts
from trialbook.entities import FileInfo

TEXT_LIMIT = 256 * 1024
"""Bytes of a text file read for its preview."""
CSV_ROWS = 500
"""Rows of a CSV file shown in its preview."""
CSV_COLUMNS = 100
"""Columns of a CSV file shown in its preview."""
DATA_LIMIT = 4 * 1024 * 1024
"""Largest JSON file read whole (model metadata, confusion matrices, importances)."""
MODEL_METADATA = "trialbook-model.json"
EXAMPLE_ROWS = 5
"""Rows of a model's input example shown."""
EXAMPLE_COLUMNS = 50
"""Columns of a model's input example shown."""

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".svg": "image/svg+xml",
}
"""Extensions shown as images (in an ``<img>``, where SVG scripts never run)."""

_KINDS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".tsv": "csv",
    ".diff": "diff",
    ".patch": "diff",
}
_TEXT_EXTENSIONS = frozenset(
    [
        ".txt",
        ".log",
        ".md",
        ".rst",
        ".py",
        ".sh",
        ".cfg",
        ".ini",
        ".toml",
        ".xml",
        ".html",
        ".htm",
        ".js",
        ".css",
        ".sql",
        ".r",
        ".ipynb",
        ".mlmodel",
        ".out",
        ".err",
        ".env",
        ".gitignore",
        ".properties",
        ".conf",
        ".lock",
    ]
)
_TEXT_NAMES = frozenset({"MLmodel", "Dockerfile", "LICENSE", "README", "Makefile", "requirements"})


def extension(path: str) -> str:
    """The lower-case extension of an artifact path (``".csv"``), or ``""``."""
    return posixpath.splitext(path)[1].lower()


def kind_of(info: FileInfo) -> str:
    """How the UI shows an entry: dir, image, json, yaml, csv, diff, text or binary."""
    if info.is_dir:
        return "dir"
    ext = extension(info.path)
    if ext in IMAGE_TYPES:
        return "image"
    if ext in _KINDS:
        return _KINDS[ext]
    name = posixpath.basename(info.path)
    if ext in _TEXT_EXTENSIONS or name in _TEXT_NAMES or name.startswith("requirements"):
        return "text"
    return "binary"


def entry_json(info: FileInfo) -> dict[str, Any]:
    """An artifact listing entry as JSON."""
    return {
        "path": info.path,
        "name": posixpath.basename(info.path),
        "is_dir": info.is_dir,
        "size": info.size,
        "kind": kind_of(info),
    }


def read_prefix(repo: RunArtifacts, path: str, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of a file and whether there is more."""
    with repo.open(path) as handle:
        data = handle.read(limit + 1)
    return data[:limit], len(data) > limit


def decode_text(data: bytes, truncated: bool) -> str:
    """UTF-8 text; a character cut in half at the end of a truncated prefix is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    # Not final when truncated: the decoder holds back an incomplete last character.
    return str(decoder.decode(data, final=not truncated))


def looks_binary(data: bytes) -> bool:
    """True when the bytes hold a NUL in their first 8 KB (text files never do)."""
    return b"\x00" in data[:8192]


def artifact_preview(repo: RunArtifacts, path: str) -> dict[str, Any]:
    """A JSON-ready preview of a file or folder of the run's artifacts."""
    infos = repo.list(path)
    if len(infos) != 1 or infos[0].path != path or infos[0].is_dir:
        return _folder_preview(repo, path, infos)
    info = infos[0]
    kind = kind_of(info)
    base: dict[str, Any] = {"path": path, "kind": kind, "size": info.size}
    if kind == "image":
        return base
    data, truncated = read_prefix(repo, path, TEXT_LIMIT)
    if looks_binary(data):
        return {**base, "kind": "binary"}
    if kind == "binary":
        base["kind"] = kind = "text"
    text = decode_text(data, truncated)
    base.update(truncated=truncated, limit=TEXT_LIMIT)
    if kind == "csv":
        return {**base, **csv_table(text, truncated, tab=extension(path) == ".tsv")}
    if kind == "json" and truncated and (info.size or 0) <= DATA_LIMIT:
        table = logged_table(read_json(repo, path))  # a table: worth reading whole
        if table is not None:
            return {**base, "truncated": False, **table}
    if kind == "json" and not truncated:
        try:
            parsed = json.loads(text)
        except ValueError:
            return {**base, "text": text, "invalid": True}
        table = logged_table(parsed)
        if table is not None:
            return {**base, **table}
        return {**base, "text": json.dumps(parsed, indent=2, ensure_ascii=False)}
    return {**base, "text": text}


def _folder_preview(repo: RunArtifacts, path: str, infos: list[FileInfo]) -> dict[str, Any]:
    preview: dict[str, Any] = {
        "path": path,
        "kind": "dir",
        "entries": [entry_json(i) for i in infos],
    }
    if any(posixpath.basename(i.path) == MODEL_METADATA for i in infos):
        model = model_metadata(repo, path)
        if model is not None:
            preview.update(
                kind="model", model=model, input_example=input_example(repo, path, model)
            )
    return preview


def model_metadata(repo: RunArtifacts, path: str) -> dict[str, Any] | None:
    """The metadata of the model folder ``path`` (``trialbook-model.json``), or None."""
    model = read_json(repo, posixpath.join(path, MODEL_METADATA) if path else MODEL_METADATA)
    return model if isinstance(model, dict) else None


def input_example(repo: RunArtifacts, path: str, model: dict[str, Any]) -> dict[str, Any] | None:
    """The first rows and columns of the model's input example, as a table, or None.

    ``{"header": [...], "rows": [[...]]}``; cells are text, shown as text.
    """
    name = model.get("input_example")
    if not isinstance(name, str):
        return None
    example = read_json(repo, posixpath.join(path, name) if path else name)
    if not isinstance(example, dict) or not isinstance(example.get("data"), list):
        return None
    rows = [r if isinstance(r, list) else [r] for r in example["data"][:EXAMPLE_ROWS]]
    width = max((len(r) for r in rows), default=0)
    columns = example.get("columns")
    header = (
        [str(c) for c in columns] if isinstance(columns, list) else [str(i) for i in range(width)]
    )
    return {
        "header": header[:EXAMPLE_COLUMNS],
        "rows": [[_cell(v) for v in r[:EXAMPLE_COLUMNS]] for r in rows],
        "more_columns": len(header) > EXAMPLE_COLUMNS,
    }


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 80 else text[:79] + "…"


def csv_table(text: str, truncated: bool, tab: bool = False) -> dict[str, Any]:
    """The header and first rows of CSV text (a cut last line is dropped)."""
    if truncated and "\n" in text:
        text = text[: text.rindex("\n")]
    try:
        dialect: Any = csv.excel_tab if tab else csv.Sniffer().sniff(text[:4096], ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list[str]] = []
    more = truncated
    try:
        for row in reader:
            if len(rows) > CSV_ROWS:
                more = True
                break
            rows.append(row[:CSV_COLUMNS])
    except csv.Error:
        return {"kind": "text", "text": text}
    if len(rows) > CSV_ROWS:
        rows = rows[: CSV_ROWS + 1]
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    return {"kind": "csv", "header": header, "rows": body, "more_rows": more}


def logged_table(parsed: Any) -> dict[str, Any] | None:
    """A ``log_table`` file (``{"columns": [...], "data": [[...]]}``) as a CSV-like preview."""
    if not isinstance(parsed, dict) or set(parsed) != {"columns", "data"}:
        return None
    columns, data = parsed["columns"], parsed["data"]
    if not isinstance(columns, list) or not isinstance(data, list):
        return None
    if not all(isinstance(row, list) for row in data):
        return None
    rows = [[_table_cell(v) for v in row[:CSV_COLUMNS]] for row in data[:CSV_ROWS]]
    return {
        "kind": "csv",
        "table": True,
        "header": [_table_cell(c) for c in columns[:CSV_COLUMNS]],
        "rows": rows,
        "more_rows": len(data) > CSV_ROWS,
    }


def _table_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_json(repo: RunArtifacts, path: str) -> Any:
    """A JSON artifact parsed, or None when it is missing, too large or not JSON."""
    try:
        data, truncated = read_prefix(repo, path, DATA_LIMIT)
    except FileNotFoundError:
        return None
    if truncated:
        return None
    try:
        return json.loads(data.decode("utf-8", errors="replace"))
    except ValueError:
        return None
