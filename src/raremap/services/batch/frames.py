"""DataFrame adapters of batch mapping: pandas and polars frames to Arrow and back (a mapped
table has the type it was given), and the Spark schema of a mapper's output."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .answers import PER_TARGET

__all__ = ["dataframe_kind", "dataframe_to_arrow", "from_pandas", "like_input", "spark_output_fields"]


def dataframe_kind(source: object) -> str | None:
    """``"pandas"`` or ``"polars"`` for a DataFrame of that library (told by its module, so
    neither is imported to ask), None for anything else."""
    module = type(source).__module__.split(".")[0]
    return module if module in ("pandas", "polars") else None


def from_pandas(frame: Any, column: str) -> pa.Table:
    """A pandas DataFrame as Arrow; a code column of mixed Python types (ORPHA numbers as ints
    beside prefixed strings, as read from a spreadsheet) is read as text."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        if column not in frame.columns:
            raise
        as_text = frame[column].map(lambda v: v if v is None or isinstance(v, str) or v != v else str(v))
        return pa.Table.from_pandas(frame.assign(**{column: as_text}), preserve_index=False)


def dataframe_to_arrow(frame: Any, column: str) -> pa.Table:
    """A pandas or polars DataFrame as a pyarrow Table (see :func:`from_pandas`)."""
    if dataframe_kind(frame) == "pandas":
        return from_pandas(frame, column)
    return frame.to_arrow()


def like_input(table: pa.Table, source: object) -> Any:
    """``table`` as the type ``source`` was: a pandas DataFrame (dictionary columns become
    Categoricals), a polars DataFrame, or the pyarrow Table itself for anything else."""
    kind = dataframe_kind(source)
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars

        return polars.from_arrow(table)
    return table


def spark_output_fields(explode: bool) -> list[Any]:
    """The Spark ``StructField`` s a mapper appends to its input's (needs pyspark)."""
    from pyspark.sql.types import ArrayType, BooleanType, StringType, StructField

    many = StringType() if explode else ArrayType(StringType())
    return [StructField("status", StringType()), StructField("resolved", StringType()),
            *(StructField(n, many) for n in PER_TARGET),
            StructField("umi_flag", BooleanType()), StructField("error", StringType())]
