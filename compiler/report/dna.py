"""The DNA a design would order, judged: sequence QA, the bill of materials and the evolutionary
lifetime (MTBF) of the hypervisor's constructs under the burden the run measured.

The back end writes ``hypervisor.gb`` (the core construct and one record per orthogonal pool's
o-16S rRNA), ``bom.csv`` and ``sequence_qa.json`` (:mod:`bioxen.backend.sequence_qa`) with the DNA;
:func:`dna_metrics` reads them and, with the growth metrics of the run, estimates how long a
culture keeps the hypervisor working (:mod:`bioxen.report.lifetime`):

* the design: every construct's loss-of-function rate added, the whole burden (host doubling time
  with the guests against the host alone) relieved by any failure (the fastest takeover);
* each VM: the cassettes carrying its locus tags (``hv_<vm>_...``) and its pool's o-16S record, the
  burden relieved being the VM's part of it (its share of the guests' ribosomes: A);
* deterministic, and stochastic (serial passage, 1e9 cells, 1,000-fold dilution, 20 runs).
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen.report.lifetime import FOUNDING_MTBF_HOURS, half_life, mtbf

QA_FILE, BOM_FILE, HYPERVISOR_FILE = "sequence_qa.json", "bom.csv", "hypervisor.gb"
STOCHASTIC = {"population": 1e9, "dilution": 1000, "runs": 20, "seed": 0}


def read_constructs(build_dir: Path) -> list[SeqRecord]:
    path = Path(build_dir) / HYPERVISOR_FILE
    return list(SeqIO.parse(path, "genbank")) if path.is_file() else []


def vm_construct(records: list[SeqRecord], vm: str, pool: str | None) -> SeqRecord | None:
    """One VM's own hypervisor DNA: its cassettes (locus tags ``hv_<vm>_*``) joined in order, and
    its pool's o-16S cassette; None if it has none."""
    prefix = f"hv_{vm}_"
    pieces, features, offset = [], [], 0
    for record in records:
        own = bool(pool) and record.id.endswith(f"_orrna_{pool}")
        for feature in record.features:
            if not (own or feature.qualifiers.get("locus_tag", [""])[0].startswith(prefix)):
                continue
            start, end = int(feature.location.start), int(feature.location.end)
            pieces.append(str(record.seq[start:end]))
            features.append(SeqFeature(FeatureLocation(offset, offset + end - start, feature.location.strand),
                                       type=feature.type, qualifiers=dict(feature.qualifiers)))
            offset += end - start
    if not pieces:
        return None
    return SeqRecord(Seq("".join(pieces)), id=f"{vm}_hypervisor", features=features,
                     annotations={"molecule_type": "DNA", "topology": "linear"})


def _burden(growth: dict) -> tuple[float, float] | None:
    doubling, alone = growth.get("doubling_time_min"), growth.get("host_alone_doubling_time_min")
    if not doubling or not alone:
        return None
    return max(0.0, 1.0 - alone / doubling), doubling


def lifetime_metrics(records: list[SeqRecord], growth: dict, shares: dict[str, float],
                     pools: dict[str, str | None], recombination: str = "recA+") -> dict | None:
    """MTBF of the design and of each VM (see the module docstring), JSON-ready; ``recombination``:
    the chassis's (its hardware section)."""
    found = _burden(growth)
    if not records or found is None:
        return None
    burden, doubling = found
    design = mtbf(records, burden, doubling, recombination=recombination)
    try:
        stochastic = mtbf(records, burden, doubling, method="stochastic", recombination=recombination,
                          **STOCHASTIC).half_life.to_dict()
    except ValueError as exc:       # a culture too long-lived to passage step by step
        stochastic = {"skipped": str(exc)}
    total = sum(shares.values()) or 1.0
    per_vm = {}
    for vm, share in shares.items():
        own = vm_construct(records, vm, pools.get(vm))
        if own is not None:
            life = mtbf([own], burden * share / total, doubling, recombination=recombination)
            per_vm[vm] = {"mu_per_generation": life.mu, "burden": life.burden,
                          "half_life_hours": life.half_life.hours,
                          "half_life_generations": life.half_life.generations,
                          "top_sites": [s.to_dict() for _, s in life.top(3)]}
    summary = design.to_dict()
    summary["stochastic_half_life"] = stochastic
    summary["sensitivity"] = sensitivity(design.mu, burden, doubling)
    summary["per_vm"] = per_vm
    summary["recombination"] = recombination
    return summary


def sensitivity(mu: float, burden: float, doubling_min: float) -> dict:
    """What shortens the lifetime: the half-life with no burden (mutation alone) and with the
    loss-of-function rate halved, and the largest burden that still keeps the founding document's
    24 h (bisection; None if even a burden-free construct falls short)."""
    low = FOUNDING_MTBF_HOURS[0]
    free = half_life(mu, 0.0, doubling_min).hours
    halved = half_life(mu / 2, burden, doubling_min).hours
    bound = None
    if free >= low:
        a, b = 0.0, 0.999
        for _ in range(60):
            middle = (a + b) / 2
            a, b = (middle, b) if half_life(mu, middle, doubling_min).hours >= low else (a, middle)
        bound = a
    return {"half_life_without_burden_hours": free, "half_life_with_half_the_mutation_rate_hours": halved,
            "largest_burden_for_24_h": bound,
            "limited_by": "burden" if free > 10 * half_life(mu, burden, doubling_min).hours else "mutation"}


def read_qa(build_dir: Path) -> dict | None:
    path = Path(build_dir) / QA_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def read_bom(build_dir: Path) -> list[dict]:
    path = Path(build_dir) / BOM_FILE
    if not path.is_file():
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def dna_metrics(build_dir: Path, growth: dict, shares: dict[str, float], pools: dict[str, str | None],
                recombination: str = "recA+") -> dict | None:
    """What the report and metrics.json say of the design's DNA, None if the build wrote none."""
    records = read_constructs(build_dir)
    if not records:
        return None
    qa, bom = read_qa(build_dir), read_bom(build_dir)
    findings = (qa or {}).get("findings", [])
    return {
        "constructs": [{"id": r.id, "length_bp": len(r.seq)} for r in records],
        "sequence_qa": {"by_kind": dict(Counter(f["kind"] for f in findings)),
                        "errors": sum(f["severity"] == "error" for f in findings),
                        "findings": findings[:200]} if qa is not None else None,
        "bom": {"parts": len(bom), "by_status": dict(Counter(row["status"] for row in bom)),
                "missing": sorted({row["part"] for row in bom if row["status"] == "missing"})},
        "lifetime": lifetime_metrics(records, growth, shares, pools, recombination),
    }


def _hours(value) -> str:
    return "-" if value is None else ("> 10,000 h" if value > 1e4 else f"{value:,.1f} h")


def dna_html(dna: dict | None) -> str:
    """The report's section on the design's DNA ('' when the build wrote none)."""
    import html

    if not dna:
        return ""
    esc = html.escape
    out = ["<h2>Hypervisor DNA</h2>",
           "<p>Constructs in <code>hypervisor.gb</code>: "
           + ", ".join(f"{esc(c['id'])} ({c['length_bp']:,} bp)" for c in dna["constructs"]) + ".</p>"]
    bom = dna["bom"]
    if bom["parts"]:
        status = ", ".join(f"{n} {esc(s)}" for s, n in sorted(bom["by_status"].items()))
        missing = (f" Without a sequence in BioXen's data (listed, never written as N): "
                   f"{esc(', '.join(bom['missing']))}." if bom["missing"] else "")
        out.append(f"<p>Bill of materials (<code>bom.csv</code>): {bom['parts']} part instances: {status}.{missing}</p>")
    qa = dna["sequence_qa"]
    if qa is not None:
        kinds = ", ".join(f"{n} {esc(k)}" for k, n in sorted(qa["by_kind"].items())) or "none"
        out.append(f"<p>Sequence QA (<code>sequence_qa.json</code>): {qa['errors']} errors; findings by kind: {kinds}.</p>")
        rows = "".join(f"<tr><td>{esc(f['severity'])}</td><td>{esc(f['kind'])}</td><td>{esc(f['record'])}</td>"
                       f"<td>{esc(f['detail'])}</td></tr>" for f in qa["findings"][:30])
        if rows:
            out.append(f"<table><tr><th>severity</th><th>kind</th><th>record</th><th>finding</th></tr>{rows}</table>")
    life = dna["lifetime"]
    if life is not None:
        low, high = life["founding_expectation_hours"]
        out.append(
            f"<p>Evolutionary lifetime: loss-of-function rate {life['mu_per_generation']:.3g} per cell per "
            f"generation (EFM calculator rates), burden {life['burden']:.1%} of growth; half the culture has lost "
            f"the hypervisor after {_hours(life['half_life']['hours'])} "
            f"({life['half_life']['generations']:,.0f} generations; stochastic serial passage: "
            f"{_hours(life['stochastic_half_life'].get('hours'))}); founding expectation {low:g}-{high:g} h.</p>")
        sens = life["sensitivity"]
        bound = sens["largest_burden_for_24_h"]
        out.append(f"<p>Limited by {esc(sens['limited_by'])}: without the burden the half-life would be "
                   f"{_hours(sens['half_life_without_burden_hours'])}, with half the mutation rate "
                   f"{_hours(sens['half_life_with_half_the_mutation_rate_hours'])}; 24 h needs a burden of at most "
                   + ("-" if bound is None else f"{bound:.1%}") + ".</p>")
        rows = "".join(f"<tr><td>{esc(vm)}</td><td>{v['mu_per_generation']:.3g}</td><td>{v['burden']:.1%}</td>"
                       f"<td>{_hours(v['half_life_hours'])}</td></tr>" for vm, v in life["per_vm"].items())
        if rows:
            out.append("<table><tr><th>VM</th><th>rate / generation</th><th>burden relieved</th>"
                       f"<th>half-life</th></tr>{rows}</table>")
        top = "".join(f"<li>{esc(s['record'])}: {esc(s['kind'])}, {esc(s['what'])} "
                      f"({s['rate_per_generation']:.3g} per generation)</li>" for s in life["top_sites"])
        if top:
            out.append(f"<p>What shortens it most:</p><ul>{top}</ul>")
    return "\n".join(out)


def commands_html(commands: dict | None) -> str:
    """The report's section on how commands reach the cell (isolation.json ``commands``)."""
    import html

    if not commands:
        return ""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(i['vm'])}</td><td>{esc(i['command'].upper())}</td><td>{esc(' + '.join(i['inducers']))}</td>"
        f"<td>{esc(i['promoter'])}</td><td>{esc(i['gate'] or 'direct')}</td><td>{i['leak']:.2%}</td>"
        f"<td>{esc(', '.join(f'{v} {c}' for v, c in i['shared_with']) or '-')}</td></tr>" for i in commands["inputs"])
    out = ["<h2>Commands</h2>",
           "<p>How each command reaches the cell (Marionette sensors and Cello gates; docs/dna.md). Leak: the "
           "firing promoter's activity uninduced over induced.</p>",
           "<table><tr><th>VM</th><th>command</th><th>add</th><th>fires promoter</th><th>through gate</th>"
           f"<th>leak</th><th>also fires</th></tr>{rows}</table>"]
    if commands["decoder"]:
        gates = "".join(
            f"<tr><td>{esc(g['repressor'])}</td><td>{esc(g['logic'])}</td>"
            f"<td>{esc(', '.join(('sensor ' if x['kind'] == 'sensor' else 'gate ') + x['name'] for x in g['inputs']))}</td>"
            f"<td>{esc(g['promoter'])}</td></tr>" for g in commands["decoder"])
        out.append("<p>Gates (Cello repressors; output = the repressor's promoter, on when the repressor is absent):</p>"
                   f"<table><tr><th>repressor</th><th>logic</th><th>inputs</th><th>output promoter</th></tr>{gates}</table>")
    if commands["notes"]:
        out.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in commands["notes"]) + "</ul>")
    return "\n".join(out)
