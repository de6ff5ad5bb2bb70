"""Reference data: the files a policy or the API names by file name, found in one order, and
the published data sets BioXen knows how to fetch.

:func:`find_data_file` is the one lookup for such files (expression tables, metabolic models):

1. an absolute path, as given;
2. the caller's own places: the policy's directory, an API call's ``data_dir``;
3. the directories of ``BIOXEN_DATA_PATH`` (``os.pathsep``-separated), in order;
4. the cache, ``$BIOXEN_CACHE_DIR/data`` (default ``~/.cache/bioxen/data``), which
   ``bioxen data fetch`` fills;
5. the package's own ``bioxen/data/reference/`` (files whose licence lets BioXen ship them).

A file missing from all of them is an error naming where it looked and, for a known data set,
how to get it. Genomes have their own lookup, with an NCBI download (:mod:`bioxen.genome.resolve`).

Neither Syn3A data set ships with BioXen (``bioxen/data/reference/README.md`` says why): the
metabolic model is fetched from the repository of the paper that published it, pinned to a
commit and checked by SHA-256; the gene table exists in no public file, so it is installed into
the cache from a copy (``--from FILE``), checked the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bioxen.data import shipped
from bioxen.datafile import clip
from bioxen.errors import BioxenError, DataError, at

MINIMAL_CELL = ("https://raw.githubusercontent.com/Luthey-Schulten-Lab/Minimal_Cell/"
                "9d931397b199c0ddc074b2fc3ebb31ffd8ff6283/")   # the commit that added the FBAm files
CELLO_UCF = ("https://raw.githubusercontent.com/CIDARLAB/Cello-UCF/"
             "222827d30a28730404f0601d64f63436354fee9d/")   # the commit the reference data was read at


@dataclass(frozen=True)
class ReferenceData:
    """A published data set: the file name policies and the API use, its checksum and origin."""

    name: str               # what `bioxen data fetch` takes
    filename: str
    description: str
    size: int               # bytes
    sha256: str
    citation: str
    licence: str
    url: str | None         # the original repository, pinned; None: no public file holds it
    member: str | None = None   # the file's path inside the archive (a wheel or zip) at ``url``
    archive_size: int = 0       # bytes of that archive

    def route(self) -> str:
        """How a user gets this file, for error messages."""
        fetch = (f"run `bioxen data fetch {self.name}` (downloads it into the cache)" if self.url else
                 f"copy it into the cache with `bioxen data fetch {self.name} --from FILE`")
        return f"{fetch}, or put {self.filename} in a directory listed in BIOXEN_DATA_PATH"


REFERENCE_DATA = {data.name: data for data in (
    ReferenceData(
        "imb155", "iMB155_syn3a_metabolism.xml",
        "JCVI-Syn3A metabolic reconstruction iMB155 (SBML with FBC), the flux balance model of the "
        "minimal-cell whole-cell model (Minimal_Cell CME_ODE/model_data/FBA/"
        "iMB155_noUnqATP_lipdiomics_wPUNP5_noNBtransport.xml)",
        341_779, "1b0aa97d734f3933c30bc4df9c139ae7bba9d02ddf2ee6ab1fa6fcb3b1d1e854",
        "Breuer M et al. (2019) Essential metabolism for a minimal cell. eLife 8:e36842; as updated in "
        "Thornburg ZR et al. (2022) Fundamental behaviors emerge from simulations of a living minimal "
        "cell. Cell 185:345-360",
        "the Minimal_Cell repository states no licence for its data (its odecell/ package is GPL-3.0), "
        "so BioXen does not redistribute the file",
        MINIMAL_CELL + "CME_ODE/model_data/FBA/iMB155_noUnqATP_lipdiomics_wPUNP5_noNBtransport.xml"),
    ReferenceData(
        "syn3a-gene-table", "syn3a_gene_table.csv",
        "per gene of JCVI-Syn3A: JCVISYN3A_ and MMSYN1_ locus tags, product, subsystem, proteomics "
        "copy number per cell, Shine-Dalgarno and P1 promoter presence, gene length, mean mRNA count",
        56_741, "7348a87f86d0da0ab045d55fff0b0431f844458e13ade552e2c70cd8b18b08ad",
        "protein counts per 400 nm cell: Breuer M et al. (2019) eLife 8:e36842; mRNA counts: Thornburg "
        "ZR et al. (2022) Cell 185:345-360 (Minimal_Cell CME_ODE/model_data/mRNA_counts.csv); the "
        "sources of the other columns were not recorded with the file",
        "a table compiled from both papers' data; no public file holds it, and the mRNA counts come "
        "from a repository that states no licence, so BioXen neither ships nor downloads it",
        None),
    ReferenceData(
        "yeast-gem", "yeast-GEM.xml",
        "Yeast9, the consensus genome-scale metabolic model of S. cerevisiae S288C (SBML L3V1 FBCv3; "
        "4,130 reactions, 2,805 metabolites, 1,162 genes), v9.0.0 as the PyPI package yescher 1.0.1 "
        "ships it (yEscher/yeastModel/input_model/yeast-GEM.xml): the yeast chassis's host metabolism",
        11_776_690, "0e120b0d4015048ef2edaf86ea039c533a72827ff00a34ca35d9fbe87a2781e5",
        "Zhang C et al. (2024) Yeast9: a consensus genome-scale metabolic model for S. cerevisiae "
        "strengthened with experimentally-derived curation. Mol Syst Biol 20:1134 "
        "(SysBioChalmers/yeast-GEM)",
        "CC BY 4.0 (yeast-GEM LICENSE.md); 11.8 MB, above what BioXen ships, so it is downloaded",
        "https://files.pythonhosted.org/packages/95/ae/230256945d8a27ba5860b2f8517929755bbd35ef7998e3ec9db849239ae6/"
        "yescher-1.0.1-py3-none-any.whl", "yEscher/yeastModel/input_model/yeast-GEM.xml", 26_468_752),
    *(ReferenceData(
        name, f"parts/cello/{filename}", what, size, sha256,
        "Nielsen AAK et al. (2016) Genetic circuit design automation. Science 352:aac7341" + extra,
        "the Cello-UCF repository states no licence, so BioXen does not redistribute its files",
        CELLO_UCF + folder + filename)
      for name, filename, folder, size, sha256, what, extra in (
        ("cello-eco1-ucf", "Eco1C2G2T2.UCF.json", "files/v2/ucf/Eco/", 2_610_352,
         "76eb83f7b9ba3707e2a3cdfd4b2fafa9b9189c9a4a53e2c5a59fec7f29432689",
         "Cello user constraint file Eco1C2G2T2 (E. coli NEB 10-beta): TetR-family repressor NOT/NOR gates "
         "with DNA and Hill response functions, terminators, ribozyme insulators", ""),
        ("cello-eco2-ucf", "Eco2C1G3T1.UCF.json", "files/v2/ucf/Eco/", 929_971,
         "38ca446e883288e753ed3a7482e44f717e54ef65dcd8876d1a6d4c632c2a6d60",
         "Cello user constraint file Eco2C1G3T1 (E. coli MG1655 with landing pads): a second gate set", ""),
        ("cello-marionette-sensors", "Eco2C1G3T1.input.json", "files/v2/input/Eco/", 5_575,
         "40dd7532a8889fc521debd8d1683c7700b27b31092edf6855df1a47c0c230802",
         "the seven Marionette inducible sensors of Cello's Eco2C1G3T1 set: promoter DNA and ymin/ymax (RPU)",
         "; Meyer AJ et al. (2019) Escherichia coli 'Marionette' strains with 12 highly optimized "
         "small-molecule sensors. Nat Chem Biol 15:196"),
      )),
)}


# --- lookup ----------------------------------------------------------------------------------

def data_path() -> list[Path]:
    return [Path(p) for p in os.environ.get("BIOXEN_DATA_PATH", "").split(os.pathsep) if p]


def data_cache_dir() -> Path:
    from bioxen.genome.resolve import cache_dir   # the one cache root: $BIOXEN_CACHE_DIR or ~/.cache/bioxen
    return cache_dir().parent / "data"


def known(name: str) -> ReferenceData | None:
    """The reference data set a name or file name means, if any."""
    return REFERENCE_DATA.get(name) or next((d for d in REFERENCE_DATA.values()
                                             if name in (d.filename, Path(d.filename).name)), None)


def _places(base_dir, directories) -> list[tuple[str, Path]]:
    env = [("BIOXEN_DATA_PATH", p) for p in data_path()]
    return ([("", Path(base_dir))] if base_dir is not None else []) + \
        [("", Path(d)) for d in directories if d] + env + \
        [("cache", data_cache_dir()), ("package", shipped("reference"))]


def find_data_file(name: str, *, base_dir: str | os.PathLike | None = None, directories=(),
                   error: type[BioxenError] = DataError, what: str = "data file") -> Path:
    """The file ``name`` means, in the order of the module docstring, or ``error`` saying where it
    looked and how to get it."""
    try:
        path = Path(name).expanduser()
    except RuntimeError:  # ~name of no such user: a plain relative path
        path = Path(name)
    if path.is_absolute():
        return path
    places = _places(base_dir, directories)
    for _, place in places:
        if (place / path).is_file():
            return place / path
    for _, place in places:
        if (place / path).exists():
            raise error(f"{what} is a directory, not a file", at(place / path))
    looked = ", ".join(f"{label}: {place}" if label else str(place) for label, place in places)
    data = known(path.name)
    hint = data.route() if data else "give its path, or put it in a directory listed in BIOXEN_DATA_PATH"
    raise error(f"{what} {clip(name)} not found (looked in {looked})", hint=hint)


def locate(data: ReferenceData) -> Path | None:
    """Where a reference data set is found now (no policy directory), or None."""
    try:
        return find_data_file(data.filename)
    except BioxenError:
        return None
