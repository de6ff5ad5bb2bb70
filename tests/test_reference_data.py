"""Reference data: one lookup order (explicit place > BIOXEN_DATA_PATH > cache > package), the
fetch into the cache (checked by SHA-256, atomic, offline-aware), and errors that name the route."""
from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading

import pytest
from typer.testing import CliRunner

from bioxen.api.metabolism import MetabolismError, syn3a_model
from bioxen import cli
from bioxen.cli import app
from bioxen.data.fetch import fetch
from bioxen.data.reference import REFERENCE_DATA, DataError, data_cache_dir, find_data_file
from bioxen.errors import BioxenError, TableError
from bioxen.frontend import read_design
from conftest import synthetic_policy

IMB155 = REFERENCE_DATA["imb155"]
GENE_TABLE = REFERENCE_DATA["syn3a-gene-table"]


def test_the_registry_describes_the_reference_files(shared):
    """Every data set the tests' shared folder holds is described exactly; the one it does not
    (yeast-gem, 11.8 MB) is published inside a wheel whose member fetch takes."""
    fetched_only = {"yeast-gem"}
    for data in REFERENCE_DATA.values():
        if data.name in fetched_only:
            assert data.url.endswith(".whl") and data.member.endswith(data.filename) and data.archive_size
            assert data.citation and data.licence
            continue
        raw = (shared / "data" / data.filename).read_bytes()
        assert (len(raw), hashlib.sha256(raw).hexdigest()) == (data.size, data.sha256)
        assert data.citation and data.licence
    assert IMB155.url.startswith("https://raw.githubusercontent.com/Luthey-Schulten-Lab/Minimal_Cell/")


def test_lookup_order_explicit_then_data_path_then_cache(tmp_path, monkeypatch):
    places = {name: tmp_path / name for name in ("explicit", "env", "cache")}
    for name, place in places.items():
        place.mkdir()
        (place / "x.csv").write_text(name)
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(places["env"]))
    shutil.copytree(places["cache"], data_cache_dir())
    assert find_data_file("x.csv", directories=[places["explicit"]]).read_text() == "explicit"
    assert find_data_file("x.csv").read_text() == "env"
    monkeypatch.delenv("BIOXEN_DATA_PATH")
    assert find_data_file("x.csv").read_text() == "cache"
    assert find_data_file(str(tmp_path / "absent.csv")) == tmp_path / "absent.csv"   # a path is taken as given


def test_a_missing_known_file_names_its_route(tmp_path, monkeypatch):
    monkeypatch.delenv("BIOXEN_DATA_PATH", raising=False)
    with pytest.raises(MetabolismError, match="iMB155_syn3a_metabolism.xml not found") as info:
        syn3a_model(tmp_path)
    assert "bioxen data fetch imb155" in info.value.errors[0].hint
    policy = synthetic_policy(tmp_path, "table", """
vms:
  - {{id: vm1, genome: {genome}, expression_table: syn3a_gene_table.csv, ribosomes: {{share: 0.2}}}}
""")
    with pytest.raises(BioxenError) as info:
        read_design(policy)
    assert "syn3a_gene_table.csv not found" in str(info.value)
    assert "bioxen data fetch syn3a-gene-table --from FILE" in str(info.value)
    (tmp_path / "adir").mkdir()
    with pytest.raises(TableError, match="is a directory"):
        find_data_file("adir", base_dir=tmp_path, error=TableError)


def test_fetch_from_a_copy_fills_the_cache_the_api_reads(shared, monkeypatch):
    monkeypatch.delenv("BIOXEN_DATA_PATH", raising=False)
    cached = fetch("imb155", str(shared / "data" / IMB155.filename))
    assert cached == data_cache_dir() / IMB155.filename and cached.stat().st_mode & 0o644 == 0o644
    assert syn3a_model().name == "iMB155"                     # found in the cache, no variable set
    assert fetch(IMB155.filename) == cached                   # already there and intact: no download


def test_fetch_refuses_other_bytes_and_leaves_nothing(shared):
    with pytest.raises(DataError, match="is not iMB155_syn3a_metabolism.xml as published"):
        fetch("imb155", str(shared / "data" / GENE_TABLE.filename))
    assert not data_cache_dir().exists() or not list(data_cache_dir().iterdir())
    with pytest.raises(DataError, match="has no public download"):
        fetch("syn3a-gene-table")
    with pytest.raises(DataError, match="unknown reference data set 'nope'.*imb155"):
        fetch("nope")


@pytest.fixture
def served(shared):
    """The reference data directory served over HTTP on the loopback interface."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(shared / "data"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_fetch_downloads_and_checks(served, monkeypatch):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    with pytest.raises(DataError, match="downloads are off"):
        fetch("imb155", served + IMB155.filename)
    monkeypatch.delenv("BIOXEN_OFFLINE")
    with pytest.raises(DataError, match="cannot download .*404"):
        fetch("imb155", served + "absent.xml")
    path = fetch("syn3a-gene-table", served + GENE_TABLE.filename)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == GENE_TABLE.sha256


def test_the_data_commands(shared, monkeypatch):
    monkeypatch.delenv("BIOXEN_DATA_PATH", raising=False)
    # the console's width is fixed at import when COLUMNS and LINES are both set (as under xdist)
    monkeypatch.setattr(cli.console, "width", 200)
    runner = CliRunner()
    listed = runner.invoke(app, ["data", "list"])
    assert listed.exit_code == 0 and "missing" in listed.output and "bioxen data fetch imb155" in listed.output
    fetched = runner.invoke(app, ["data", "fetch", "syn3a-gene-table", "--from",
                                  str(shared / "data" / GENE_TABLE.filename)])
    assert fetched.exit_code == 0, fetched.output
    again = runner.invoke(app, ["data", "fetch", "syn3a-gene-table"])
    assert again.exit_code == 0                           # already in the cache, as published
    listed = runner.invoke(app, ["data", "list"])
    assert str(data_cache_dir() / GENE_TABLE.filename) in listed.output
    failed = runner.invoke(app, ["data", "fetch", "nope"])
    assert failed.exit_code == 1 and "unknown reference data set" in failed.output
