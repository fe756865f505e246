"""Batch mapping: Arrow in, Arrow out, every row kept, distinct codes resolved once, streamed."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crosswalk_fixtures import everything
from raremap.services.batch import BatchMapper, MissingColumnError, read_batches, write_batches
from raremap.errors import RaremapError

CODES = ["Q87.8", "ORPHA:558", None, "not a code", "Q99.9", "Q874", "558", "", "E75.2A", "Q87.8"]


@pytest.fixture
def rm(make_map):
    return make_map(*everything())


def _table() -> pa.Table:
    return pa.table({"row": list(range(len(CODES))), "code": CODES})


def test_exploded_rows_keep_input_and_status(rm) -> None:
    out = rm.map_table(_table(), "code", to="ORPHA")
    rows = out.to_pylist()
    assert {r["row"] for r in rows} == set(range(len(CODES)))  # nothing dropped
    by_row: dict[int, list[dict]] = {}
    for r in rows:
        by_row.setdefault(r["row"], []).append(r)
    assert [r["target"] for r in by_row[0]] == ["ORPHA:127", "ORPHA:63"]  # Q87.8 -> two rare diseases
    assert {r["relation"] for r in by_row[0]} == {"broader"} and all(r["umi_flag"] for r in by_row[0])
    assert by_row[1][0]["status"] == "mapped" and by_row[1][0]["basis"] == "identity"
    assert by_row[1][0]["umi_flag"] is False  # Marfan syndrome has its own ICD-10 code
    assert [r["status"] for r in by_row[2]] == ["missing"]
    assert by_row[3][0]["status"] == "invalid" and by_row[3][0]["error"]
    assert by_row[4][0]["status"] == "unknown" and by_row[4][0]["resolved"] == "ICD10SE:Q99.9"
    assert by_row[5][0]["target"] == "ORPHA:558" and by_row[5][0]["target_label"] == "Marfan syndrome"
    assert by_row[7][0]["status"] == "missing"
    assert (by_row[8][0]["target"], by_row[8][0]["relation"]) == ("ORPHA:355", "related")
    assert [r["row"] for r in rows] == sorted(r["row"] for r in rows)  # input order


def test_list_mode_one_row_per_input(rm) -> None:
    out = rm.map_table(_table(), "code", to="ICD10SE", explode=False, dictionary=False)
    assert out.num_rows == len(CODES)
    assert out.column("row").to_pylist() == list(range(len(CODES)))
    first = out.slice(1, 1).to_pylist()[0]
    assert first["target"] == ["ICD10SE:Q87.4"] and first["relation"] == ["exact"]
    assert out.schema.field("target").type == pa.list_(pa.string())


def test_limit_keeps_the_best(rm) -> None:
    out = rm.map_table(_table(), "code", to="ORPHA", limit=1)
    assert out.num_rows == len(CODES)


def test_distinct_codes_resolved_once(rm, monkeypatch) -> None:
    calls = []
    mapper = BatchMapper("code", "ORPHA", rm=rm)
    original = mapper._answer

    def counting(code):
        calls.append(code)
        return original(code)

    monkeypatch.setattr(mapper, "_answer", counting)
    table = pa.table({"code": ["Q87.8", "Q87.4"] * 5000})
    for batch in table.to_batches(max_chunksize=1000):
        mapper.map_batch(batch)
    assert sorted(calls) == ["ICD10SE:Q87.4", "ICD10SE:Q87.8"]  # one per-code answer each


def test_inputs_parquet_csv_iterables_and_streaming(rm, tmp_path) -> None:
    pq.write_table(_table(), tmp_path / "in.parquet", row_group_size=3)
    (tmp_path / "in.csv").write_text("row,code\n" + "\n".join(f"{i},{c or ''}" for i, c in enumerate(CODES)) + "\n")
    (tmp_path / "in.tsv").write_text("row\tcode\n1\t558\n2\t00558\n")
    expected = rm.map_table(_table(), "code", to="ICD10SE").column("target").to_pylist()
    for source in (tmp_path / "in.parquet", str(tmp_path / "in.csv"), _table().to_batches(max_chunksize=4)):
        out = rm.map_table(source, "code", to="ICD10SE", batch_size=4)
        assert out.column("target").to_pylist() == expected
    tsv = rm.map_table(tmp_path / "in.tsv", "code", to="ORPHA")
    assert tsv.column("resolved").to_pylist() == ["ORPHA:558", "ORPHA:558"]  # read as text: leading zeros kept
    reader = rm.map_table(tmp_path / "in.parquet", "code", to="ICD10SE", stream=True, batch_size=4)
    assert isinstance(reader, pa.RecordBatchReader)
    for name in ("out.parquet", "out.csv", "out.arrow"):
        n = write_batches(reader if name == "out.parquet" else
                          rm.map_table(tmp_path / "in.parquet", "code", to="ICD10SE", stream=True, explode=name != "out.csv"),
                          tmp_path / name)
        assert n >= len(CODES)
    assert pq.read_table(tmp_path / "out.parquet").column("target").to_pylist() == expected


def test_list_columns_hold_dictionary_text_and_read_as_plain_lists(rm, tmp_path) -> None:
    """List mode spreads a broad code's targets as indices into one dictionary per column (Q87.8:
    its labels are not copied onto every row); every reader and writer sees the same lists."""
    table = pa.table({"code": ["Q87.8", "Q87.4", None, "Q87.8", "no code"]})
    encoded = rm.map_table(table, "code", to="ORPHA", explode=False)
    plain = rm.map_table(table, "code", to="ORPHA", explode=False, dictionary=False)
    assert encoded.schema.field("target_label").type == pa.list_(pa.dictionary(pa.int32(), pa.string()))
    assert plain.schema.field("target_label").type == pa.list_(pa.string())
    assert encoded.to_pylist() == plain.to_pylist()
    assert encoded.column("target").to_pylist()[0] == ["ORPHA:127", "ORPHA:63"]
    for name in ("out.parquet", "out.arrow", "out.arrows"):
        write_batches(rm.map_table(table, "code", to="ORPHA", explode=False, stream=True, batch_size=2), tmp_path / name)
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == plain.to_pylist()
    import pyarrow.ipc as ipc

    assert ipc.open_file(tmp_path / "out.arrow").read_all().to_pylist() == plain.to_pylist()
    assert ipc.open_stream(tmp_path / "out.arrows").read_all().to_pylist() == plain.to_pylist()
    frame = rm.map_table(table.to_pandas(), "code", to="ORPHA", explode=False)
    assert [list(x) for x in frame["target_label"]] == plain.column("target_label").to_pylist()


def test_csv_output_joins_lists(rm, tmp_path) -> None:
    reader = rm.map_table(pa.table({"code": ["Q87.8"]}), "code", to="ORPHA", stream=True, explode=False)
    write_batches(reader, tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text()
    assert "ORPHA:127|ORPHA:63" in text


def test_csv_output_is_quoted_only_where_needed(rm, tmp_path) -> None:
    import pyarrow.csv as pacsv

    notes = ["plain", "a, b", 'say "x"', "two\nlines", "", None, "tab\there"]
    table = pa.table({"note": notes, "code": ["Q87.4"] * len(notes), "n": list(range(len(notes)))})
    mapped = rm.map_table(table, "code", to="ORPHA")
    for name, delimiter in (("out.csv", ","), ("out.tsv", "\t")):
        write_batches(pa.RecordBatchReader.from_batches(mapped.schema, mapped.to_batches(max_chunksize=3)),
                      tmp_path / name)
        text = (tmp_path / name).read_text()
        lines = text.split("\n")
        assert lines[0] == delimiter.join(mapped.column_names)  # a header of plain names is not quoted
        assert lines[1].split(delimiter)[:3] == ["plain", "Q87.4", "0"] and "ORPHA:558" in lines[1]
        assert ('"a, b"' in text) == (delimiter == ",") and '"say ""x"""' in text and '"two\nlines"' in text
        assert ('"tab\there"' in text) == (delimiter == "\t")
        back = pacsv.read_csv(tmp_path / name, parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                              convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in mapped.column_names},
                                                                   strings_can_be_null=True, quoted_strings_can_be_null=False))
        assert back.column("note").to_pylist() == notes  # "" stays apart from null
        assert back.column("target").to_pylist() == mapped.column("target").to_pylist()
        assert back.column("umi_flag").to_pylist() == [str(v).lower() for v in mapped.column("umi_flag").to_pylist()]


def test_map_table_returns_what_it_was_given(rm, tmp_path) -> None:
    table = _table()
    assert isinstance(rm.map_table(table, "code", to="ORPHA"), pa.Table)
    assert isinstance(rm.map_table(table.to_batches()[0], "code", to="ORPHA"), pa.Table)
    pq.write_table(table, tmp_path / "in.parquet")
    assert isinstance(rm.map_table(tmp_path / "in.parquet", "code", to="ORPHA"), pa.Table)
    assert isinstance(rm.map_table(table, "code", to="ORPHA", stream=True), pa.RecordBatchReader)


def test_map_table_returns_polars_for_polars(rm) -> None:
    pl = pytest.importorskip("polars")
    table = _table()
    out = rm.map_table(pl.from_arrow(table), "code", to="ORPHA", dictionary=False)
    assert isinstance(out, pl.DataFrame)
    assert out.to_arrow().column("target").to_pylist() == rm.map_table(
        table, "code", to="ORPHA", dictionary=False).column("target").to_pylist()


def test_errors(rm) -> None:
    with pytest.raises(RaremapError):
        rm.map_table(pa.table({"x": ["Q87.4"]}), "code", to="ORPHA")
    with pytest.raises(RaremapError):
        rm.map_table(pa.table({"code": ["Q87.4"], "target": ["x"]}), "code", to="ORPHA")
    with pytest.raises(RaremapError):
        read_batches(42, "code")


def test_integer_column_is_read_as_codes(rm) -> None:
    out = rm.map_table(pa.table({"orpha": pa.array([558, 166024], pa.int64())}), "orpha", to="ICD10SE", system="ORPHA")
    assert out.column("target").to_pylist() == ["ICD10SE:Q87.4", "ICD10SE:Q77.3"]


def test_mapper_pickles_without_the_loaded_data(rm) -> None:
    mapper = rm.batch_mapper("code", "ORPHA", dictionary=False)
    clone = pickle.loads(pickle.dumps(mapper))
    assert clone._services is None and clone.snapshot == str(rm.snapshot.path)
    batches = list(clone(_table().to_batches(max_chunksize=3)))  # the mapInArrow signature
    assert sum(b.num_rows for b in batches) == rm.map_table(_table(), "code", to="ORPHA").num_rows
    assert batches[0].schema == clone.output_schema(_table().schema)


def test_dask_map_partitions(rm) -> None:
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    mapper = rm.batch_mapper("code", "ORPHA", dictionary=False)
    frame = pd.DataFrame({"row": range(len(CODES)), "code": CODES})
    ddf = dd.from_pandas(frame, npartitions=3)
    out = ddf.map_partitions(mapper.pandas, meta=mapper.pandas_meta(frame)).compute(scheduler="processes")
    assert set(out["row"]) == set(range(len(CODES)))
    assert set(out[out["row"] == 0]["target"]) == {"ORPHA:63", "ORPHA:127"}


def test_pandas_input(rm) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"row": range(len(CODES)), "code": CODES})
    out = rm.map_table(frame, "code", to="ORPHA")
    assert isinstance(out, pd.DataFrame)  # what it was given
    assert set(out["row"]) == set(range(len(CODES)))


def test_csv_columns_are_read_as_written(rm, tmp_path) -> None:
    # kommun 0180 (Stockholm) and a leading-zero löpnummer stay text; a ';' header is a Swedish export
    (tmp_path / "reg.csv").write_text("löpnr;kommun;diagnos\n000123;0180;Q87.4\n000124;1480;ORPHA:558\n", encoding="utf-8")
    out = rm.map_table(tmp_path / "reg.csv", "diagnos", to="ORPHA")
    assert out.column("kommun").to_pylist() == ["0180", "1480"]
    assert out.column("löpnr").to_pylist() == ["000123", "000124"]
    assert out.column("resolved").to_pylist() == ["ICD10SE:Q87.4", "ORPHA:558"]


def test_latin1_csv_needs_its_encoding(rm, tmp_path) -> None:
    (tmp_path / "l1.csv").write_bytes("namn,diagnos\nÅsa Öberg,Q87.4\n".encode("latin-1"))
    with pytest.raises(RaremapError, match="latin-1"):
        rm.map_table(tmp_path / "l1.csv", "diagnos", to="ORPHA")
    out = rm.map_table(tmp_path / "l1.csv", "diagnos", to="ORPHA", encoding="latin-1")
    assert out.column("namn").to_pylist() == ["Åsa Öberg"]
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(RaremapError, match="empty.csv"):
        rm.map_table(tmp_path / "empty.csv", "diagnos", to="ORPHA")


def test_missing_column_is_named(rm, tmp_path) -> None:
    pq.write_table(_table(), tmp_path / "in.parquet")
    (tmp_path / "in.csv").write_text("row,code\n1,Q87.4\n")
    for source in (_table(), tmp_path / "in.parquet", tmp_path / "in.csv"):
        with pytest.raises(MissingColumnError, match="'diagnos'") as err:
            rm.map_table(source, "diagnos", to="ORPHA")
        assert err.value.column == "diagnos" and "code" in err.value.columns


def test_parquet_integer_codes(rm, tmp_path) -> None:
    pq.write_table(pa.table({"orpha": pa.array([558, None, 166024], pa.int32())}), tmp_path / "o.parquet")
    out = rm.map_table(tmp_path / "o.parquet", "orpha", to="ICD10SE", system="ORPHA")
    assert out.column("target").to_pylist() == ["ICD10SE:Q87.4", None, "ICD10SE:Q77.3"]
    assert out.column("status").to_pylist() == ["mapped", "missing", "mapped"]


def test_narrow_dictionaries_and_string_views(rm) -> None:
    # an int8 dictionary holds 128 values; the null slot must not overflow it
    values = ["Q87.4"] + [f"ORPHA:{n}" for n in range(1, 128)]
    codes = pa.DictionaryArray.from_arrays(pa.array([0, None, 127], pa.int8()), pa.array(values))
    out = rm.map_table(pa.table({"code": codes}), "code", to="ORPHA", explode=False)
    assert out.column("status").to_pylist()[:2] == ["mapped", "missing"]
    view = pa.table({"name": pa.array(["a", "b"], pa.string_view()), "code": pa.array(["Q87.8", "Q87.4"], pa.string_view())})
    out = rm.map_table(view, "code", to="ORPHA")  # Q87.8 explodes: string_view rows are repeated
    assert out.column("name").to_pylist() == ["a", "a", "b"]


def test_pandas_column_of_mixed_types(rm) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"code": [558, "Q87.4", None, float("nan")]})  # as read from a spreadsheet
    out = rm.map_table(frame, "code", to="ICD10SE", explode=False)
    assert out["resolved"].tolist()[:2] == ["ORPHA:558", "ICD10SE:Q87.4"]
    assert out["resolved"].isna().tolist() == [False, False, True, True]
    assert rm.batch_mapper("code", "ICD10SE").pandas(frame)["status"].tolist() == ["mapped", "mapped", "missing", "missing"]


def test_system_applies_to_bare_codes(rm) -> None:
    out = rm.map_table(pa.table({"code": ["Q874", "ORPHA:558", "558"]}), "code", to="ORPHA", system="ICD10SE", explode=False)
    assert out.column("resolved").to_pylist() == ["ICD10SE:Q87.4", "ORPHA:558", None]
    assert out.column("status").to_pylist() == ["mapped", "mapped", "invalid"]


def test_failed_write_leaves_no_file(rm, tmp_path) -> None:
    good = _table().to_batches(max_chunksize=4)

    def failing():
        yield good[0]
        raise RaremapError("input broke")

    target = tmp_path / "out.parquet"
    target.write_bytes(b"previous run")
    reader = rm.map_table(pa.RecordBatchReader.from_batches(good[0].schema, failing()), "code", to="ORPHA", stream=True)
    with pytest.raises(RaremapError, match="input broke"):
        write_batches(reader, target)
    assert target.read_bytes() == b"previous run" and not list(tmp_path.glob(".out.parquet*"))
    # the input may be the output: it is replaced only when the mapped file is complete
    pq.write_table(_table(), target)
    write_batches(rm.map_table(target, "code", to="ORPHA", stream=True, batch_size=3), target)
    assert pq.read_table(target).column("status").to_pylist()[0] == "mapped"


def test_dictionary_columns_hold_each_value_once(rm) -> None:
    out = rm.map_table(_table(), "code", to="ORPHA")
    for name in ("status", "target", "relation", "basis"):
        dictionary = out.column(name).chunk(0).dictionary.to_pylist()
        assert len(dictionary) == len(set(dictionary)) and None not in dictionary
    pytest.importorskip("pandas")
    frame = out.to_pandas()  # Categorical columns: a repeated category would raise
    assert set(frame["status"]) == {"mapped", "missing", "invalid", "unknown"}


def test_registry_spellings_resolve_as_the_crosswalker_does(rm) -> None:
    from raremap.services.batch.spellings import spellings as _spellings

    found = _spellings(rm)
    assert found["Q874"] == found["Q87.4"] == "ICD10SE:Q87.4" and found["558"] == "ORPHA:558"
    assert all(rm.crosswalker.resolve(value) == code for value, code in found.items())


def test_a_broad_code_fans_out_in_bounded_batches(rm) -> None:
    table = pa.table({"row": list(range(40)), "code": ["Q87.8", "Q87.4"] * 20})
    exploded = list(rm.map_table(table, "code", to="ORPHA", stream=True, batch_size=7))
    assert all(b.num_rows <= 7 for b in exploded)
    rows = pa.Table.from_batches(exploded).to_pylist()
    assert len(rows) == 20 * 2 + 20  # Q87.8: two rare diseases, Q87.4: one
    assert [r["row"] for r in rows] == sorted(r["row"] for r in rows)
    listed = list(rm.map_table(table, "code", to="ORPHA", stream=True, batch_size=7, explode=False))
    assert all(sum(len(t) for t in b.column("target").to_pylist()) <= 7 for b in listed)
    assert pa.Table.from_batches(listed).column("row").to_pylist() == list(range(40))
    whole = rm.batch_mapper("code", "ORPHA", batch_size=7, explode=False).map_batch(table.to_batches()[0])
    assert whole.num_rows == 40 and whole.column("target").to_pylist()[0] == ["ORPHA:127", "ORPHA:63"]


@pytest.mark.parametrize("to, umi, options", [
    ("ORPHA", True, {}), ("ICD10SE", False, {}),
    # option sets no other test fills the shared answer store with: the batch proof runs here
    ("ORPHA", True, {"limit": 50}), ("ICD11", True, {"max_hops": 2}),
    ("SCTID", False, {"transitive": False, "conditional": True}),
])
def test_vectorised_path_answers_as_the_per_code_path_on_every_shared_code(shared_map, monkeypatch, to, umi,
                                                                           options) -> None:
    """Every registry spelling of the shared releases (ICD-10-SE dotted and undotted, bare ORPHA
    numbers) and every canonical code: map_table's rows equal the per-code reference answer,
    those of the codes proved unmapped all at once (:meth:`BatchMapper._proved_unmapped`) too."""
    from raremap.services.batch.mapper import BatchMapper
    from raremap.services.batch.spellings import spellings as _spellings

    values = sorted(_spellings(shared_map)) + [c for c in shared_map._concepts["code"] if c.startswith(("ORPHA:", "ICD10SE:"))]
    values += ["", "not a code", "Q99.99", "ICD10SE:Q99.9", None]
    searched = []
    per_code = BatchMapper._answer
    monkeypatch.setattr(BatchMapper, "_answer", lambda self, code: searched.append(code) or per_code(self, code))
    mapper = shared_map.batch_mapper("code", to, umi=umi, explode=False, dictionary=False, **options)
    out = shared_map.map_table(pa.table({"code": values}), "code", to=to, umi=umi, explode=False,
                               dictionary=False, batch_size=1 << 14, answer_cache=False, **options)
    assert out.num_rows == len(values)
    if options:  # a fresh answer store: most ICD-10-SE codes were proved, not searched
        assert len(set(values)) - len(set(searched)) > 20_000, len(searched)
    columns = ["status", "resolved", "target", "target_label", "relation", "basis", "umi_flag", "error"]
    got = out.select(columns).to_pylist()
    mismatched = [(v, g) for v, g in zip(values, got) if g != mapper.answer(v)]
    assert not mismatched, mismatched[:3]


def test_answers_kept_on_disk_answer_a_later_process(rm, tmp_path, monkeypatch) -> None:
    import raremap

    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path / "cache"))
    first = rm.map_table(_table(), "code", to="ORPHA")
    mapper = rm.batch_mapper("code", "ORPHA")
    assert mapper.answers_path.is_file()
    later = raremap.load(snapshot=rm.snapshot.path)  # as a new process would open it
    fresh = later.batch_mapper("code", "ORPHA")
    calls = []
    monkeypatch.setattr(fresh, "_answer", lambda code: calls.append(code))
    again = pa.Table.from_batches(list(fresh(_table().to_batches())))
    assert again.to_pylist() == first.to_pylist() and calls == []  # every code answered from disk
    assert rm.batch_mapper("code", "ORPHA", umi=False).answers_path != mapper.answers_path  # options name the file
    mapper.answers_path.write_bytes(b"not arrow")  # a damaged file is answered again, not trusted
    other = raremap.load(snapshot=rm.snapshot.path).map_table(_table(), "code", to="ORPHA")
    assert other.to_pylist() == first.to_pylist()
