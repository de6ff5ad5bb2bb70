"""The benchmark's designs: Syn3A prefixes of N expressed genes, and gene-resolution policies
for 1 or 3 VMs built from the three-VM example policy."""
from __future__ import annotations

import copy
from pathlib import Path

from Bio import SeqIO
from ruamel.yaml import YAML

from bioxen.genome import read_genome

EXAMPLE_POLICY = Path(__file__).resolve().parents[1] / "models" / "policies" / "syn3a_three_vms.yaml"
SHARE = 0.15          # every VM's ribosome share, one VM or three (as in syn3a_three_vms.yaml)


def expressed_genes(genome) -> list:
    """The genes BioXen expresses: every annotated gene but pseudogenes (passes.select_genes)."""
    return [gene for gene in genome.genes if not gene.pseudo]


def genome_prefix(source: Path, genes: int, out_dir: Path) -> Path:
    """The shortest prefix of ``source`` holding its first ``genes`` expressed genes, as GenBank
    (slicing a SeqRecord keeps the features wholly inside); ``source`` itself if it has no more."""
    expressed = expressed_genes(read_genome(source))
    if genes >= len(expressed):
        return source
    record = SeqIO.read(source, "genbank")
    prefix = record[:max(gene.end for gene in expressed[:genes])]
    prefix.annotations.update(molecule_type=record.annotations["molecule_type"], topology="linear")
    path = out_dir / f"{source.stem}_first{genes}.gb"
    SeqIO.write(prefix, path, "genbank")
    return path


def write_policy(genome: Path, vms: int, until_min: float, out_dir: Path) -> Path:
    """syn3a_three_vms.yaml with ``vms`` VMs at gene resolution on ``genome`` (no expression
    table), share ``SHARE`` each, simulating ``until_min`` minutes at one point a minute."""
    yaml = YAML(typ="safe")
    yaml.default_flow_style, yaml.sort_base_mapping_type_on_output = False, False
    policy = yaml.load(EXAMPLE_POLICY)
    template = dict(policy["vms"][0])
    template.pop("expression_table", None)
    template.update(genome=str(genome), resolution="gene",
                    ribosomes={**template["ribosomes"], "share": SHARE})
    policy["name"] = f"bench_{genome.stem}_{vms}vm"
    policy["description"] = f"benchmark: {vms} VM(s) of {genome.name} at gene resolution"
    policy["vms"] = [{**copy.deepcopy(template), "id": f"vm{i + 1}"} for i in range(vms)]
    policy["simulate"] = {"until": f"{until_min:g} min", "points": int(until_min) + 1, "method": "ode"}
    path = out_dir / f"{policy['name']}.yaml"
    with open(path, "w") as out:
        yaml.dump(policy, out)
    return path
