"""A guest the size of E. coli's genome: how far one VM at gene resolution scales beyond Syn3A.

    BIOXEN_DATA_PATH=../shared/data python benchmarks/large_genome.py [--genes 4300] [--until 2h]

No public genome of that size is on this machine (genomes are fetched from NCBI, and the machines
these figures come from reach no network but package registries), so the guest is synthetic: a
circular genome of ``--genes`` CDSs (E. coli K-12 MG1655 has 4,300 protein genes on 4.64 Mb) of
100-500 random sense codons each, both strands, 20-200 bp apart, translation table 11, written
with Biopython from a fixed seed (the same file every run). One VM on an orthogonal ribosome pool
(share 0.25). Every run is a fresh `bioxen` process timed wall-clock from spawn to exit, with its
peak resident memory:
  - `bioxen run POLICY -o BUILD` with an empty cache directory (compile, the default formats, the
    ODE, the report);
  - `bioxen simulate BUILD --method hybrid --until 2h` (the hybrid engine on the same network).
Writes benchmarks/large_genome_results.json, with the network's size and the compile's stage
times from the build's manifest.json.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from run import machine, timed_run   # benchmarks/run.py
from startup import bioxen_script

RESULTS = Path(__file__).with_name("large_genome_results.json")
SENSE = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]


def write_genome(path: Path, genes: int, seed: int = 7) -> int:
    """A synthetic circular genome of ``genes`` CDSs at ``path`` (GenBank); its length in bp."""
    rng = random.Random(seed)
    pieces, features, cursor = [], [], 0
    for i in range(genes):
        spacer = "".join(rng.choice("ACGT") for _ in range(rng.randint(20, 200)))
        orf = "ATG" + "".join(rng.choice(SENSE) for _ in range(rng.randint(100, 500))) + "TAA"
        strand = rng.choice((1, -1))
        start = cursor + len(spacer)
        pieces += [spacer, orf if strand == 1 else str(Seq(orf).reverse_complement())]
        cursor = start + len(orf)
        features.append(SeqFeature(FeatureLocation(start, cursor, strand=strand), type="CDS", qualifiers={
            "locus_tag": [f"BIG_{i + 1:05d}"], "product": [f"protein {i + 1}"], "transl_table": ["11"],
            "codon_start": ["1"]}))
    pieces.append("ACGT" * 50)
    record = SeqRecord(Seq("".join(pieces)), id="BIG00001.1", name="BIG00001", features=features,
                       description=f"synthetic genome of {genes} CDSs (BioXen benchmark)",
                       annotations={"molecule_type": "DNA", "topology": "circular"})
    SeqIO.write(record, path, "genbank")
    return len(record.seq)


def write_policy(path: Path, genome: Path, until: str) -> Path:
    path.write_text(f"""schema_version: 1
name: large_genome_vm
vms:
  - id: vm1
    genome: {genome}
    resolution: gene
    ribosomes: {{share: 0.25, pool: orthogonal}}
simulate: {{until: {until}, points: 121}}
""")
    return path


def large_genome_results(genes: int, until: str, timeout: float) -> dict:
    bioxen = str(bioxen_script())
    with tempfile.TemporaryDirectory(prefix="bioxen-large-") as work:
        work = Path(work)
        length = write_genome(work / "BIG00001.1.gb", genes)
        policy = write_policy(work / "large.yaml", work / "BIG00001.1.gb", until)
        build = work / "build"
        fresh = {"BIOXEN_CACHE_DIR": str(work / "cache")}        # empty: what a first run computes
        results = {"genes": genes, "genome_bp": length, "until": until,
                   "run": timed_run([bioxen, "run", str(policy), "-o", str(build)], timeout, env=fresh)}
        manifest = json.loads((build / "manifest.json").read_text())
        results["network"], results["compile_stages_s"] = manifest["network"], manifest["timings_s"]
        results["genes_expressed"] = sum(vm["genes_expressed"] for vm in manifest["vms"])
        results["model_xml_mb"] = round((build / "model.xml").stat().st_size / 1e6, 1)
        print(f"run: {results['run']['wall_s']} s, {results['run']['peak_rss_mb']} MB", flush=True)
        results["hybrid"] = timed_run([bioxen, "simulate", str(build), "--method", "hybrid", "--until", until,
                                       "--seed", "1", "-o", str(work / "hybrid.csv")], timeout, env=fresh)
        print(f"hybrid: {results['hybrid']['wall_s']} s, {results['hybrid']['peak_rss_mb']} MB", flush=True)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=4300, help="CDSs in the synthetic genome (E. coli: 4,300)")
    parser.add_argument("--until", default="2h", help="simulated time of the run and of the hybrid run")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per command at most")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = {"machine": machine(), **large_genome_results(args.genes, args.until, args.timeout)}
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
