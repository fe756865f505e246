"""The batch mapper in a real local Spark session (``mapInArrow`` with ``mapper.spark_schema``),
compared row for row with ``map_table``. Needs pyspark (the ``spark`` extra) and a Java runtime
(Debian's openjdk-17-jre-headless; ``.ci/run`` installs both); skipped when either is absent."""

from __future__ import annotations

import os
import random
import shutil
import sys

import pyarrow as pa
import pytest


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
    if _java() is None:
        pytest.skip("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("raremap-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.memory", "1g").getOrCreate())
    yield session
    session.stop()


def _registry(shared_map, n: int = 3000) -> pa.Table:
    rng = random.Random(14)
    se = [c.partition(":")[2] for c in shared_map._concepts["code"] if c.startswith("ICD10SE:") and "-" not in c]
    orpha = [c for c in shared_map._concepts["code"] if c.startswith("ORPHA:")]
    codes = [rng.choice(se) for _ in range(n - 300)] + [rng.choice(orpha) for _ in range(200)]
    codes += ["Q87.8"] * 60 + ["Q874", "not a code", "Q99.99", "", None] * 8
    rng.shuffle(codes)
    return pa.table({"row": pa.array(range(len(codes)), pa.int64()), "code": pa.array(codes, pa.string())})


def _key(row: dict) -> tuple:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(row.items()))


@pytest.mark.parametrize("explode", [True, False])
def test_spark_map_in_arrow_equals_map_table(spark, shared_map, explode: bool) -> None:
    table = _registry(shared_map)
    mapper = shared_map.batch_mapper("code", "ORPHA", dictionary=False, explode=explode)
    frame = spark.createDataFrame(table.to_pandas()).repartition(3)
    out = frame.mapInArrow(mapper, mapper.spark_schema(frame.schema))
    got = sorted((_key(r.asDict()) for r in out.collect()), key=repr)
    expected = sorted((_key(r) for r in shared_map.map_table(table, "code", to="ORPHA", dictionary=False,
                                                              explode=explode).to_pylist()), key=repr)
    assert len(got) == len(expected) >= len(table)
    assert got == expected
    rows = {dict(k)["row"] for k in got}
    assert rows == set(range(len(table)))  # no row dropped
