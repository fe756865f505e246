"""Batch mapping of registry tables: a column of codes in, target codes with relation out.

The work is Arrow-native and streamed: each record batch is dictionary-encoded, every distinct
code is resolved once (and cached across batches), and the answers are spread over the rows
with Arrow ``take``/dictionary arrays, so memory stays flat however long the input is.

Output columns, appended to the input columns:

============  ==============================================================================
status        ``mapped``, ``unmapped`` (a known code without an answer in ``to``), ``unknown``
              (a well-formed code the releases do not have), ``invalid`` (not a code),
              ``missing`` (null or empty); no row is ever dropped
resolved      the canonical input code (``ICD10SE:Q87.4``)
target        target code (one row per target with ``explode=True``; a list otherwise)
target_label  its preferred label
relation      exact / narrower / broader / related / undecided / unspecified
basis         stated / inverse / edition / replacement / transitive / hierarchy / identity
umi_flag      the row's diagnosis needs attention coding: an ORPHA code without its own ICD-10
              code, or a code that covers rare diseases without being the own code of one
              (null unless ``umi=True``; null for unknown and invalid codes)
error         why a code is invalid or unknown
============  ==============================================================================

Distributed engines call the same function per batch. A :class:`BatchMapper` is picklable: it
carries the snapshot path, and a worker loads the snapshot (memory-mapped) once per process::

    mapper = rm.batch_mapper(column="diagnosis", to="ORPHA", dictionary=False)
    # Spark: the function gets an iterator of pyarrow RecordBatches and yields RecordBatches
    out = spark_df.mapInArrow(mapper, mapper.spark_schema(spark_df.schema))
    # Dask: one pandas DataFrame per partition
    out = dask_df.map_partitions(mapper.pandas, meta=mapper.pandas_meta(dask_df._meta))

(Spark's Arrow conversion does not take dictionary arrays, hence ``dictionary=False`` there.)

The package: :mod:`.mapper` (the mapper and :func:`map_table`), :mod:`.answers` (the per-code
answers and how they are spread over rows), :mod:`.spellings` (registry spellings read without
parsing), :mod:`.table_io` (readers and writers of Parquet, CSV/TSV and Arrow IPC files) and
:mod:`.frames` (pandas, polars and Spark adapters).
"""

from .mapper import MAX_TEXT_BYTES, OUTPUT_COLUMNS, BatchMapper, Services, map_table
from .table_io import DEFAULT_BATCH_ROWS, CsvWriter, MissingColumnError, read_batches, write_batches

__all__ = ["DEFAULT_BATCH_ROWS", "MAX_TEXT_BYTES", "OUTPUT_COLUMNS", "BatchMapper", "CsvWriter", "MissingColumnError",
           "Services", "map_table", "read_batches", "write_batches"]
