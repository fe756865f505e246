"""Tables in and out of batch mapping: record batches read from pyarrow objects, DataFrames and
Parquet/CSV/TSV/Arrow IPC files (streamed), and mapped batches written to those formats as they
come (CSV quoted only where needed)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from ...debris import clean_stale, temporary_name
from ...errors import RaremapError
from .frames import dataframe_kind, dataframe_to_arrow

__all__ = ["DEFAULT_BATCH_ROWS", "CsvWriter", "MissingColumnError", "chain_batches", "read_batches", "write_batches"]

DEFAULT_BATCH_ROWS = 1 << 20


class MissingColumnError(RaremapError, LookupError):
    """The table has no column of that name (``column`` names it, ``columns`` lists what there is)."""

    def __init__(self, column: str, columns: Iterable[str], where: str = "input") -> None:
        self.column = column
        self.columns = tuple(columns)
        super().__init__(f"{where} has no column {column!r} (columns: {', '.join(self.columns) or 'none'})")

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


def read_batches(source: Any, column: str, batch_size: int = DEFAULT_BATCH_ROWS, *, encoding: str = "utf-8",
                 delimiter: str | None = None) -> pa.RecordBatchReader:
    """Record batches of ``source``: a pyarrow Table/RecordBatch/RecordBatchReader, a pandas or
    polars DataFrame, anything with ``__arrow_c_stream__``, an iterable of RecordBatches, or a
    Parquet/CSV/TSV/Arrow IPC file path (read streaming). CSV/TSV files are read as text in
    ``encoding`` (default UTF-8; ``latin-1`` for older Swedish exports), ``delimiter`` defaults to
    tab for .tsv/.txt and to ``,`` (``;`` when the header has no comma) for .csv."""
    if isinstance(source, (str, os.PathLike)):
        return _read_path(Path(source), column, batch_size, encoding, delimiter)
    if isinstance(source, pa.RecordBatchReader):
        return source
    if isinstance(source, pa.Table):
        return pa.RecordBatchReader.from_batches(source.schema, source.to_batches(max_chunksize=batch_size))
    if isinstance(source, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(source.schema, [source])
    if dataframe_kind(source) is not None:
        table = dataframe_to_arrow(source, column)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch_size))
    if hasattr(source, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(source)
    if isinstance(source, Iterable):
        batches = iter(source)
        first = next(batches, None)
        if first is None:
            raise RaremapError("no record batches to map (an empty iterable has no schema)")
        if not isinstance(first, pa.RecordBatch):
            raise RaremapError(f"cannot map {type(first).__name__} items; give pyarrow RecordBatches")
        return pa.RecordBatchReader.from_batches(first.schema, chain_batches(first, batches))
    raise RaremapError(f"cannot map a {type(source).__name__}: give a pyarrow Table, a DataFrame or a file path")


def chain_batches(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``first``, then the rest (a reader over batches whose first one was read for its schema)."""
    yield first
    yield from rest


def _read_path(path: Path, column: str, batch_size: int, encoding: str = "utf-8",
               delimiter: str | None = None) -> pa.RecordBatchReader:
    if not path.is_file():
        raise RaremapError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    kind = suffixes[-2] if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst") and len(suffixes) > 1 else (
        suffixes[-1] if suffixes else "")
    if kind in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(path).schema_arrow.names
            if column not in names:
                raise MissingColumnError(column, names, str(path))
            pf = pq.ParquetFile(path, read_dictionary=[column])
        except (pa.ArrowInvalid, OSError) as err:
            raise RaremapError(f"{path}: not a readable Parquet file ({err})") from err
        batches = pf.iter_batches(batch_size=batch_size)
        first = next(batches, None)
        if first is None:  # no rows: the schema read_dictionary gives
            schema = pf.schema_arrow
            i = schema.get_field_index(column)
            if pa.types.is_string(schema.field(i).type) or pa.types.is_large_string(schema.field(i).type):
                schema = schema.set(i, pa.field(column, pa.dictionary(pa.int32(), pa.string())))
            return pa.RecordBatchReader.from_batches(schema, [])
        # the schema of the batches as read (read_dictionary applies to text columns only)
        return pa.RecordBatchReader.from_batches(first.schema, chain_batches(first, batches))
    if kind in (".csv", ".tsv", ".txt"):
        return _read_csv(path, column, "\t" if kind in (".tsv", ".txt") else delimiter, encoding)
    if kind in (".arrow", ".feather", ".ipc", ".arrows"):
        try:
            reader = ipc.open_file(path)
            return pa.RecordBatchReader.from_batches(reader.schema, (reader.get_batch(i) for i in range(reader.num_record_batches)))
        except pa.ArrowInvalid:
            try:
                return ipc.open_stream(path)
            except pa.ArrowInvalid as err:
                raise RaremapError(f"{path}: not an Arrow IPC file or stream ({err})") from err
    raise RaremapError(f"{path}: unknown table format (use .parquet, .csv, .tsv or .arrow)")


def _read_csv(path: Path, column: str, delimiter: str | None, encoding: str) -> pa.RecordBatchReader:
    """CSV/TSV streamed, every column read as text: values are kept as written (a kommun code
    0180 or a leading-zero id stays as it is), and a column whose first block looks numeric
    cannot fail on a later row. A ``.csv`` whose header has semicolons but no commas (a Swedish
    spreadsheet export) is read with ``;``."""
    import pyarrow.csv as csv

    if delimiter is None:
        with pa.input_stream(str(path)) as f:  # decompresses .gz/.bz2/.zst
            header = f.read(1 << 16).split(b"\n", 1)[0]
        delimiter = ";" if b"," not in header and b";" in header else ","
    parse = csv.ParseOptions(delimiter=delimiter)
    try:
        probe = csv.open_csv(path, read_options=csv.ReadOptions(block_size=1 << 20, encoding=encoding),
                             parse_options=parse)
        names = probe.schema.names
        probe.close()
        if column not in names:
            raise MissingColumnError(column, names, str(path))
        reader = csv.open_csv(path, read_options=csv.ReadOptions(block_size=64 << 20, encoding=encoding),
                              parse_options=parse,
                              convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                 strings_can_be_null=True))
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(path, encoding, err) from err
    return pa.RecordBatchReader.from_batches(reader.schema, _checked_csv(reader, path, encoding))


def _checked_csv(reader: Any, path: Path, encoding: str) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(path, encoding, err) from err


def _csv_error(path: Path, encoding: str, err: Exception) -> RaremapError:
    text = str(err)
    if isinstance(err, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text:
        return RaremapError(f"{path}: not {encoding} text ({text.splitlines()[0]}); give the file's encoding, "
                            "e.g. encoding='latin-1' (raremap batch --encoding latin-1)")
    return RaremapError(f"{path}: unreadable CSV ({text.splitlines()[0] if text else type(err).__name__})")


def write_batches(batches: pa.RecordBatchReader, path: str | os.PathLike[str],
                  progress: Any = None) -> int:
    """Write mapped batches to ``path`` (.parquet, .csv/.tsv, .arrow file, .arrows stream) as they
    come; returns the row count.

    CSV has no list or dictionary types: dictionary columns are written as text and list
    columns joined with ``|``; a value is quoted only where it needs to be (:class:`CsvWriter`).
    ``progress(rows)`` is called after each batch.
    """
    final = Path(path)
    kind = final.suffix.lower()
    if kind not in (".parquet", ".pq", ".csv", ".tsv", ".txt", ".arrow", ".feather", ".ipc", ".arrows"):
        raise RaremapError(f"{final}: unknown output format (use .parquet, .csv, .tsv, .arrow or .arrows)")
    # written beside the target and renamed into place when complete: a failed run leaves no
    # half-written file, and the input may be the output
    if not final.parent.is_dir():
        raise RaremapError(f"{final}: no such directory {final.parent}")
    clean_stale(final.parent)  # .partial files of killed earlier runs (never a live run's)
    path = final.with_name(temporary_name(final.name, "partial"))
    rows = 0
    writer, write = _open_writer(kind, path, batches.schema)
    try:
        try:
            for batch in batches:
                write(batch)
                rows += batch.num_rows
                if progress is not None:
                    progress(rows)
        finally:
            writer.close()
        os.replace(path, final)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return rows


def _open_writer(kind: str, path: Path, schema: pa.Schema) -> tuple[Any, Callable[[pa.RecordBatch], None]]:
    """A writer of ``kind`` (a file suffix) at ``path`` for batches of ``schema``, and its write function."""
    if kind in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        writer: Any = pq.ParquetWriter(path, schema)
        return writer, writer.write_batch
    if kind in (".csv", ".tsv", ".txt"):
        writer = CsvWriter(path, schema, "\t" if kind != ".csv" else ",")
        return writer, writer.write_batch
    if kind in (".arrow", ".feather", ".ipc"):
        # an IPC file holds one dictionary per column: dictionary columns (and lists of them) are written as text
        plain = pa.schema([pa.field(f.name, _decoded(f.type)) for f in schema])
        writer = ipc.new_file(path, plain)

        def write(batch: pa.RecordBatch) -> None:
            writer.write_batch(pa.RecordBatch.from_arrays(
                [c.cast(t.type) if c.type != t.type else c for c, t in zip(batch.columns, plain)], schema=plain))
        return writer, write
    writer = ipc.new_stream(path, schema)
    return writer, writer.write_batch


class CsvWriter:
    """CSV/TSV written batch by batch, values quoted only where needed (RFC 4180: a value holding
    the delimiter, a quote or a line break, and the empty string, which stays apart from null).
    CSV has no list or dictionary types: dictionary columns are written as text, list columns
    joined with ``|``."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self._special = "[" + re.escape(f'"\r\n{delimiter}') + "]"
        self._file = open(path, "wb")
        header = pa.array([f.name for f in schema], pa.large_string())
        self._file.write((self.delimiter.join(self._quoted(header).to_pylist()) + "\n").encode())

    def write_batch(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        columns = [self._quoted(self._text(c)) for c in batch.columns]
        lines = pc.binary_join_element_wise(*columns, _text(self.delimiter))
        ended = pc.binary_join_element_wise(lines, _text(""), _text("\n"))  # each line with its line break
        _, offsets, data = ended.buffers()
        bounds = np.frombuffer(offsets, np.int64)[[ended.offset, ended.offset + len(ended)]]
        self._file.write(memoryview(data)[int(bounds[0]):int(bounds[1])])

    def close(self) -> None:
        self._file.close()

    @staticmethod
    def _text(column: pa.Array) -> pa.Array:
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            column = pc.binary_join(column.cast(_decoded(column.type)), "|")
        elif pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        return column if column.type == pa.large_string() else column.cast(pa.large_string())

    def _quoted(self, column: pa.Array) -> pa.Array:
        """Each value as its CSV cell: quoted (inner quotes doubled) where needed, null as nothing."""
        needs = pc.or_(pc.match_substring_regex(column, self._special), pc.equal(column, ""))
        mark = _text('"')
        quoted = pc.binary_join_element_wise(mark, pc.replace_substring(column, '"', '""'), mark, _text(""))
        return pc.fill_null(pc.if_else(needs, quoted, column), "")


def _decoded(t: pa.DataType) -> pa.DataType:
    """``t`` with dictionary-encoded text decoded (``list<dictionary<string>>`` → ``list<string>``)."""
    if pa.types.is_dictionary(t):
        return t.value_type
    if pa.types.is_list(t) and pa.types.is_dictionary(t.value_type):
        return pa.list_(pa.field(t.value_field.name, t.value_type.value_type))
    return t


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())
