"""Isolation report (DIR/isolation.json): the cross-talk matrix and every VM's parts.

Initiation strength of SD class i on pool j is ``exp(-beta (dG_ij - dG_00))``
(Salis, Mirsky & Voigt 2009, Nat Biotech 27:946), dG the ViennaRNA duplex
energy of the SD with the pool's 16S anti-SD; class and pool 0 are the host's.
A VM's isolation ratio is its on-target strength over the largest off-target
one: its SD on any other pool, or any other SD on its pool.
"""
from __future__ import annotations

from bioxen.backend.images import refactoring_warnings
from bioxen.ir import Design
from bioxen.passes.isolate import isolation_ratios


def design_warnings(design: Design) -> list[str]:
    """What the built DNA would do that the model does not (shared parts)."""
    warnings = []
    if len(design.vms) > 1:
        warnings.append("every VM's gate sRNA is behind pTet and every protease behind pLas: in the built DNA "
                        "one inducer pauses or destroys all VMs at once; the model's per-VM commands assume "
                        "one orthogonal inducible promoter per VM, which BioXen's parts data lacks")
    on_host = [vm.id for vm in design.vms if vm.pool == "host"]
    if len(on_host) > 1:
        warnings.append(f"VMs {', '.join(on_host)} share the host 5' UTR, so their gate sRNAs are the same "
                        "and would gate each other (and host mRNAs with that UTR); the model gates each "
                        "VM's own mRNAs only")
    return warnings + refactoring_warnings(design)


def isolation_report(design: Design) -> dict:
    crosstalk = design.crosstalk
    if crosstalk is None:
        return {"vms": {}}
    ratios = isolation_ratios(crosstalk)
    library = design.parts
    vms = {}
    for vm in design.vms:
        parts = vm.parts
        ratio = ratios.get(parts.pool)
        vms[vm.id] = {
            "pool": parts.pool, "sd": parts.sd, "anti_sd": parts.anti_sd, "utr": parts.utr,
            "isolation_ratio": ratio, "isolation": None if ratio is None else 1 - 1 / ratio,
            "srna": parts.srna, "srna_energy_kcal_per_mol": parts.srna_energy,
            "tag": {"name": parts.tag_name, "peptide": parts.tag}, "protease": parts.protease,
            "genetic_code": parts.genetic_code,
            "orrna_transcription_per_min": vm.orrna_transcription,
            "srna_transcription_per_min": vm.srna_transcription}
    used = range(len(design.vms))
    return {
        "bioxen_isolation": 1,
        "model": {"strength": "exp(-beta (dG_ij - dG_host,host))", "beta_mol_per_kcal": crosstalk.beta,
                  "energies": "ViennaRNA duplex, 37 C", "source": "Salis, Mirsky & Voigt 2009 Nat Biotech 27:946"},
        "min_ratio": design.min_isolation,
        "sd_classes": list(crosstalk.sd_classes), "pools": list(crosstalk.pools),
        "sd": list(crosstalk.sd), "anti_sd": list(crosstalk.anti_sd),
        "energy_kcal_per_mol": [list(r) for r in crosstalk.energy],
        "initiation_strength": [list(r) for r in crosstalk.strength],
        "vms": vms,
        "warnings": design_warnings(design),
        "protease_recognition": {
            "proteases": [library.tags[i].protease for i in used], "tags": [library.tags[i].name for i in used],
            "matrix": [[library.recognition[i][j] for j in used] for i in used],
            "source": library.recognition_source},
    }
