"""The map, umi, batch and export subcommands on the bundled sample."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from raremap.cli import main


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RAREMAP_CACHE", str(tmp_path_factory.getbasetemp() / "cli-cache"))


def test_map(capsys) -> None:
    assert main(["map", "ORPHA:355", "--to", "ICD10SE"]) == 0
    out = capsys.readouterr().out
    assert "ICD10SE:E75.2" in out and "narrower" in out and "fördjupningskoder" in out
    assert main(["map", "ORPHA:558", "--to", "icd-10-se", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mappings"][0]["target"] == "ICD10SE:Q87.4" and data["mappings"][0]["relation"] == "exact"


def test_umi(capsys) -> None:
    assert main(["umi", "ORPHA:166024"]) == 0
    out = capsys.readouterr().out
    assert "egen ICD-10-kod: nej" in out and "ORPHA:166024" in out
    assert main(["umi", "ORPHA:558", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["specific_icd10"] is True and data["recommended"][0] == "ICD10SE:Q87.4"


def test_umi_by_name(capsys) -> None:
    # a non-code argument is a diagnosis name: resolved through the grouped lookup, and said so
    assert main(["umi", "marfans syndrom"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith('"marfans syndrom" tolkas som ORPHA:558')
    assert "egen ICD-10-kod: ja" in out
    assert main(["umi", "marfans syndrom", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["code"] == "ORPHA:558" and data["name"] == "marfans syndrom" and data["resolved"]["code"] == "ORPHA:558"
    assert main(["umi", "Q87.4"]) == 0  # a code is still a code
    assert capsys.readouterr().out.startswith("ICD10SE:Q87.4")
    assert main(["umi", "xyzzq blarg"]) == 1  # nothing found, as lookup and map
    assert "matches the name 'xyzzq blarg'" in capsys.readouterr().out


def test_batch_and_exports(tmp_path, capsys) -> None:
    src = tmp_path / "registry.csv"
    src.write_text("pnr_hash,diagnos\na1,Q87.8\na2,Q874\na3,\na4,nonsense\n")
    out = tmp_path / "mapped.parquet"
    assert main(["batch", str(src), "--column", "diagnos", "--to", "ORPHA", "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert set(table.column("pnr_hash").to_pylist()) == {"a1", "a2", "a3", "a4"}
    assert "rows written" in capsys.readouterr().err
    assert main(["export", "sssom", "-o", str(tmp_path / "m.sssom.tsv")]) == 0
    assert (tmp_path / "m.sssom.tsv").read_text().startswith(("#curie_map:", "# curie_map:"))  # SSSOM writes "#curie_map:"
    assert main(["export", "umi", "-o", str(tmp_path / "umi.csv")]) == 0
    assert "ORPHA:166024" in (tmp_path / "umi.csv").read_text()


def test_unknown_code_is_an_error(capsys) -> None:
    assert main(["map", "ORPHA:999999"]) == 2
    assert "unknown code" in capsys.readouterr().err


def test_batch_failures_are_reported_and_leave_no_output(tmp_path, capsys) -> None:
    src = tmp_path / "registry.csv"
    src.write_bytes("namn,diagnos\nÅsa,Q87.4\n".encode("latin-1"))
    out = tmp_path / "mapped.parquet"
    assert main(["batch", str(src), "--column", "kod", "--to", "ORPHA", "-o", str(out)]) == 2
    assert "no column 'kod'" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "none.csv"), "--column", "diagnos", "--to", "ORPHA", "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["batch", str(src), "--column", "diagnos", "--to", "ORPHA", "-o", str(out)]) == 2
    assert "--encoding latin-1" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [src]  # nothing half-written
    assert main(["batch", str(src), "--column", "diagnos", "--to", "ORPHA", "--encoding", "latin-1", "-q", "-o", str(out)]) == 0
    assert pq.read_table(out).column("namn").to_pylist()[0] == "Åsa"


def test_what_reads_as_a_code() -> None:
    from raremap.codes import looks_like_code

    assert looks_like_code("ORPHA:abc") and looks_like_code("Q87.44") and looks_like_code("Orphanet_x")
    assert not looks_like_code("marfans syndrom") and not looks_like_code("MPS I") and not looks_like_code("SMA")
    assert not looks_like_code("typ 1-diabetes")
