"""SBOL3 emitter (pySBOL3): a design's annotated DNA records as one SBOL3 document.

Every record (a guest VM's refactored genome, the hypervisor's parts) becomes a
DNA ``Component`` (role engineered region, SO:0000804) with its ``Sequence``
(IUPAC DNA, lower case) and one ``SequenceFeature`` per feature, its role a
Sequence Ontology term (:func:`feature_role`). A top-level ``Component``
named after the design instances each of them once through a ``SubComponent``.

The design component is typed *functional entity* (SBO:0000241), not DNA with
role engineered region: its parts are separate molecules (chromosomes, the
hypervisor's constructs), and a DNA component made of sub-components claims
one contiguous molecule built from them. SBOL3's own examples type systems and
strains this way (``i13504_system``).

Coordinates: Biopython is 0-based and end-exclusive, SBOL3 1-based and
inclusive, so ``[start, end)`` becomes ``Range(start + 1, end)``; a joined
location gives one ``Range`` per part, numbered by ``order`` (1, 2, ...) since
RDF keeps no list order; fuzzy ends (``<1``) are taken as exact.
A zero-length feature (``590^591``) is refused: SBOL3 needs a ``Cut`` for it,
and pySBOL3 1.2 writes ``Cut.at`` as ``sbol:start``, which fails validation and
does not read back.

Top-level display ids go through :func:`bioxen.names.mangle` (record id
``SYN00001.1`` becomes ``SYN00001_2e1``; ``unmangle`` gives it back; a repeated
id gets ``#2``, ``#3``, ... before mangling), here and only here: callers pass
names as written (the design ``syn3a_single_vm`` is ``syn3a__single__vm``, the
mangler's escaped underscore, not a name mangled twice). Child objects keep pySBOL3's
numbering (``SequenceFeature7``, ``Range1``, ``SubComponent2``), because
pySBOL3 1.2 cannot name a child (pySBOL3 issue #410): a feature's own name
(``/label``, ``/gene``, ``/locus_tag``) is its SBOL ``name``, and its locus tag,
product and note are kept in its ``description``.
"""
from __future__ import annotations

import heapq
import re
from pathlib import Path

import sbol3
from Bio.Seq import UndefinedSequenceError
from Bio.SeqFeature import SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen.errors import CompileError, Diagnostic
from bioxen.names import mangle

IDENTIFIERS = "https://identifiers.org/"  # SBOL3 writes "SO:0000316" as IDENTIFIERS + "SO:0000316"
REGION = "SO:0000001"
DEGRADATION_TAG = "SO:0001955"  # protein_stability_element (SBOL Visual's glyph for a PEST tag)

# INSDC feature keys and, for records read from GFF3, their SO names.
FEATURE_ROLES = {
    "CDS": "SO:0000316",
    "RBS": "SO:0000139", "ribosome_entry_site": "SO:0000139",
    "promoter": "SO:0000167",
    "terminator": "SO:0000141",
    "rRNA": "SO:0000252",
    "tRNA": "SO:0000253",
    "ncRNA": "SO:0000655",
    "5'UTR": "SO:0000204", "five_prime_UTR": "SO:0000204",
    "gene": "SO:0000704",
    "regulatory": "SO:0005836",  # regulatory_region
    "protein_stability_element": DEGRADATION_TAG,
    "misc_feature": REGION,
}
# INSDC /regulatory_class values of a ``regulatory`` feature.
REGULATORY_CLASS_ROLES = {
    "ribosome_binding_site": "SO:0000139",
    "promoter": "SO:0000167",
    "terminator": "SO:0000141",
}
SKIPPED_TYPES = {"source"}  # the whole record, not a part of it
IUPAC_DNA = set("acgtrykmswbdhvn")
SBOL3_FILE = "design.nt"              # a build's SBOL3 document: N-Triples, by its standard suffix
READABLE_SUFFIXES = (".nt", ".ttl")   # what an N-Triples file may be called for readers to know it
_SO_TERM = re.compile(r"^SO:\d{7}$")


def feature_role(feature: SeqFeature) -> str:
    """The SO term for a feature: an explicit ``/so_term`` qualifier, else the
    ``/regulatory_class`` of a ``regulatory`` feature, else its type; an
    unknown type is ``SO:0000001`` (region).

    >>> feature_role(SeqFeature(type="CDS"))
    'SO:0000316'
    >>> feature_role(SeqFeature(type="regulatory",
    ...                         qualifiers={"regulatory_class": ["ribosome_binding_site"]}))
    'SO:0000139'
    >>> feature_role(SeqFeature(type="misc_feature", qualifiers={"so_term": [DEGRADATION_TAG]}))
    'SO:0001955'
    >>> [feature_role(SeqFeature(type=t)) for t in ("misc_feature", "mobile_element")]
    ['SO:0000001', 'SO:0000001']
    """
    explicit = _first(feature, "so_term")
    if explicit and _SO_TERM.match(explicit):
        return explicit
    if feature.type == "regulatory":
        regulatory_class = _first(feature, "regulatory_class")
        return REGULATORY_CLASS_ROLES.get(regulatory_class, FEATURE_ROLES["regulatory"])
    return FEATURE_ROLES.get(feature.type, REGION)


def to_sbol3(records: list[SeqRecord], namespace: str = "https://bioxen.dev/design",
             design_name: str = "design") -> sbol3.Document:
    """One SBOL3 document: a DNA component per record, and the design component
    with a sub-component per record. Raises :class:`CompileError` listing every
    record that is not DNA, has an empty feature or one beyond its end, or a
    letter that is not IUPAC DNA."""
    names, design_id, namespace = _names(records, namespace, design_name)
    return _document(records, names, namespace, (design_id, design_name),
                     [(name, record.name) for name, record in zip(names, records)])


def _names(records: list[SeqRecord], namespace: str, design_name: str) -> tuple[list[str], str, str]:
    """Every record's display id, the design's, and the namespace without its trailing slash,
    after the records are checked (:func:`to_sbol3`)."""
    errors = [e for record in records for e in _record_errors(record)]
    if errors:
        raise CompileError.collected(errors)
    used: set[str] = set()
    names = [_display_id(record.id, used) for record in records]
    return names, _display_id(design_name, used), namespace.rstrip("/")


def _document(records: list[SeqRecord], names: list[str], namespace: str,
              design: tuple[str, str] | None = None, parts: list[tuple[str, str]] = ()) -> sbol3.Document:
    """A document of ``records`` (display ids ``names``), and if ``design`` (its display id and
    name) is given the design component, with a sub-component per ``parts`` (every record's
    display id and name, in order, this document's or not: see :func:`write_design_sbol3`)."""
    doc = sbol3.Document()
    components = [_component(doc, record, namespace, name) for record, name in zip(records, names)]
    if design is not None:
        component = sbol3.Component(f"{namespace}/{design[0]}", sbol3.SBO_FUNCTIONAL_ENTITY,
                                    namespace=namespace, name=design[1])
        component.features = [sbol3.SubComponent(f"{namespace}/{name}", name=title) for name, title in parts]
        doc.add(component)
    # Each component's features are owned once every top-level object is in the document:
    # pySBOL3's Document.add looks each new object's URI up through every object already there,
    # children included, so adding the components full made the document quadratic in its size
    # (eight Syn3A VMs: 15,000 features, 20.5 s to build). Owning a feature sets its document.
    for component, features in components:
        _own(component, "features", features)
    return doc


def validation_issues(doc: sbol3.Document) -> dict[str, list[str]]:
    """pySBOL3's checks and the SBOL3 SHACL shapes, grouped by severity:
    ``errors`` break the specification, ``warnings`` its best practice.
    One run takes about 2 s for a 550 kb genome with 1,500 features."""
    report = doc.validate()
    return {"errors": [str(issue) for issue in report.errors],
            "warnings": [str(issue) for issue in report.warnings]}


def validation_errors(doc: sbol3.Document) -> list[str]:
    return validation_issues(doc)["errors"]


def rule_errors(doc: sbol3.Document) -> list[str]:
    """pySBOL3's own validation rules (``sbol3-NNNNN``: required properties, coordinates, …)
    on every object, without the SHACL shapes: what :func:`write_sbol3` checks. The shapes took
    14 of the 15 s spent validating a Syn3A design at each compile; the tests run them on the
    documents BioXen writes (:func:`validation_issues`)."""
    report = sbol3.ValidationReport()
    for obj in doc.objects:
        obj.validate(report)
    return [str(issue) for issue in report.errors]


def write_sbol3(doc: sbol3.Document, path) -> None:
    """Check (:func:`rule_errors`), then write sorted N-Triples to ``path``, whose suffix must say so.

    SBOL tools choose the reader by the file's suffix (pySBOL3's
    ``Document().read(path)``, rdflib's ``guess_format``): ``.nt``, the
    standard one for N-Triples, or ``.ttl``, since N-Triples is a subset of
    Turtle. Sorted lines make the file deterministic and diffable, and it is
    written ten times faster than pySBOL3's pretty Turtle (0.4 s against
    3.7 s for 550 kb).
    """
    _readable_suffix(path)
    Path(path).write_text(_checked_text(doc), encoding="utf-8")


def _readable_suffix(path) -> None:
    if Path(path).suffix not in READABLE_SUFFIXES:
        raise CompileError(f"{path}: SBOL3 is written as N-Triples, which SBOL tools recognise by the suffix "
                           f"{' or '.join(READABLE_SUFFIXES)}")


SPLIT_FEATURES = 1_000   # features in the smaller half before a design's SBOL3 is written in two processes


def write_design_sbol3(records: list[SeqRecord], path, namespace: str = "https://bioxen.dev/design",
                       design_name: str = "design") -> None:
    """``write_sbol3(to_sbol3(records, namespace, design_name), path)``, on two cores when the
    records fall into two halves of at least :data:`SPLIT_FEATURES` features each (several
    genome images) and ``fork`` exists: a forked child builds, checks and writes the N-Triples of
    one half's components, this process the other half's and the design component's, and the
    two sorted texts are merged line by line. N-Triples is one triple per line and every triple
    belongs to one object (no blank nodes), so the merge is the whole document's sorted text,
    byte for byte (``tests/test_sbol.py`` compares them). Three Syn3A VMs: their SBOL3 is 85%
    of the DNA's time."""
    from bioxen import forked

    _readable_suffix(path)
    halves = _halves(records)
    if halves is None or not forked.available():
        write_sbol3(to_sbol3(records, namespace, design_name), path)
        return
    names, design_id, namespace = _names(records, namespace, design_name)
    mine, theirs = halves
    child = forked.Forked(lambda: _checked_text(_document([records[i] for i in theirs], [names[i] for i in theirs],
                                                          namespace)), "writing SBOL3")
    try:
        own = _document([records[i] for i in mine], [names[i] for i in mine], namespace, (design_id, design_name),
                        [(name, record.name) for name, record in zip(names, records)])
        lines = list(heapq.merge(_checked_text(own).splitlines(), child.result().splitlines()))
    finally:
        child.close()
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _halves(records: list[SeqRecord]) -> tuple[list[int], list[int]] | None:
    """The records' indices in two halves of about equal features (largest first, each to the
    lighter half; the design component goes with the first), or None when the lighter half
    would hold fewer than :data:`SPLIT_FEATURES`."""
    halves, loads = ([], []), [0, 0]
    for i in sorted(range(len(records)), key=lambda i: -len(records[i].features)):
        lighter = loads.index(min(loads))
        halves[lighter].append(i)
        loads[lighter] += len(records[i].features)
    if min(loads) < SPLIT_FEATURES:
        return None
    return sorted(halves[0]), sorted(halves[1])


def _checked_text(doc: sbol3.Document) -> str:
    """``doc``'s sorted N-Triples, after :func:`rule_errors` (as :func:`write_sbol3` does)."""
    errors = rule_errors(doc)
    if errors:
        raise CompileError.collected([Diagnostic(f"generated SBOL3 is invalid: {e}") for e in errors])
    return doc.write_string(sbol3.SORTED_NTRIPLES)


def _own(owner: sbol3.SBOLObject, name: str, children: list) -> None:
    """``owner.<name> = children`` as pySBOL3 does it, without its quadratic scan.

    pySBOL3 names each child it adds (``SequenceFeature12``) and, to refuse a duplicate, compares
    the new URI with every sibling's: 1.9 million identity reads, 10 of a Syn3A design's 12 s of
    SBOL. Here each child is named while it is the only one in the list (pySBOL3's own
    ``item_added``, so the names are the same), duplicates are refused with a set, and the
    whole list is put in place at the end. Where pySBOL3's internals differ (another version),
    the plain assignment runs."""
    prop = owner.__dict__.get(name)
    storage = getattr(owner, "_owned_objects", None)
    if prop is None or storage is None or getattr(prop, "property_uri", None) not in storage \
            or not hasattr(prop, "item_added"):
        setattr(owner, name, children)
        return
    setattr(owner, name, [])
    seen: set[str] = set()
    for child in children:
        storage[prop.property_uri] = [child]
        prop.item_added(child)
        if child.identity in seen:
            raise CompileError(f"SBOL3: duplicate URI {child.identity}")
        seen.add(child.identity)
    storage[prop.property_uri] = list(children)


class _CountingComponent(sbol3.Component):
    """A Component that numbers new children by counting.

    pySBOL3 names each child it adds (``SequenceFeature12``) by scanning all
    the siblings, which makes 1,500 features take 6.5 s; counting takes 1.4 s.
    The first number of each kind still comes from pySBOL3's scan.
    """

    def counter_value(self, type_name: str) -> int:
        counts = self.__dict__.setdefault("_child_counts", {})
        if type_name in counts:
            counts[type_name] += 1
        else:
            counts[type_name] = super().counter_value(type_name)
        return counts[type_name]


def _component(doc: sbol3.Document, record: SeqRecord, namespace: str,
               display_id: str) -> tuple[sbol3.Component, list[sbol3.SequenceFeature]]:
    """The record's sequence and DNA component, added to ``doc``, and the component's features,
    not yet owned by it (see :func:`_document`)."""
    # "_sequence" never ends a mangled name ("_s" is no escape), so it cannot collide.
    sequence = sbol3.Sequence(f"{namespace}/{display_id}_sequence", namespace=namespace,
                              elements=_elements(record), encoding=sbol3.IUPAC_DNA_ENCODING)
    topology = {"circular": sbol3.SO_CIRCULAR, "linear": sbol3.SO_LINEAR}.get(
        record.annotations.get("topology"))
    component = _CountingComponent(
        f"{namespace}/{display_id}", [sbol3.SBO_DNA] + ([topology] if topology else []),
        namespace=namespace, roles=[sbol3.SO_ENGINEERED_REGION], sequences=[sequence],
        name=record.name, description=record.description or None)
    doc.add([sequence, component])
    return component, [_sequence_feature(f, sequence) for f in record.features if f.type not in SKIPPED_TYPES]


def _sequence_feature(feature: SeqFeature, sequence: sbol3.Sequence) -> sbol3.SequenceFeature:
    name = next((v for key in ("label", "gene", "locus_tag", "product")
                 if (v := _first(feature, key))), feature.type)
    details = "; ".join(f"{key}: {v}" for key in ("locus_tag", "product", "note")
                        if (v := _first(feature, key)))
    parts = feature.location.parts
    strands = {part.strand for part in parts}
    return sbol3.SequenceFeature(
        [sbol3.Range(sequence, int(part.start) + 1, int(part.end),  # see module docstring
                     orientation=_orientation(part.strand), order=n if len(parts) > 1 else None)
         for n, part in enumerate(parts, start=1)],
        roles=[IDENTIFIERS + feature_role(feature)],
        orientation=_orientation(strands.pop()) if len(strands) == 1 else None,
        name=name, description=details or None)


def _orientation(strand: int | None) -> str | None:
    return {1: sbol3.SBOL_INLINE, -1: sbol3.SBOL_REVERSE_COMPLEMENT}.get(strand)


def _elements(record: SeqRecord) -> str:
    """Lower-case IUPAC text; undefined stretches (``Seq(None, n)``) become ``n``."""
    try:
        return str(record.seq).lower()
    except UndefinedSequenceError:
        chars = ["n"] * len(record.seq)
        for start, end in record.seq.defined_ranges:
            chars[start:end] = str(record.seq[start:end]).lower()
        return "".join(chars)


def _record_errors(record: SeqRecord) -> list[Diagnostic]:
    where = f"record '{record.id}'"
    molecule = record.annotations.get("molecule_type") or "DNA"
    if "DNA" not in molecule.upper():
        return [Diagnostic(f"{where}: molecule_type is {molecule!r}; SBOL3 export takes DNA")]
    errors = []
    for feature in record.features:
        name = _first(feature, "locus_tag") or feature.type
        what = f"{where}: feature {name} at {feature.location}"
        if int(feature.location.end) > len(record.seq):
            errors.append(Diagnostic(f"{what} ends beyond the sequence (length {len(record.seq)})"))
        if any(part.start == part.end for part in feature.location.parts):
            errors.append(Diagnostic(f"{what} has no length", hint="SBOL3 would need a Cut, "
                                     "which pySBOL3 1.2 cannot write; drop the feature"))
    letters = set(_elements(record)) - IUPAC_DNA
    if letters:
        errors.append(Diagnostic(f"{where}: sequence has letters that are not IUPAC DNA: "
                                 f"{''.join(sorted(letters))!r}"))
    return errors


def _display_id(text: str, used: set[str]) -> str:
    """``mangle(text)``, made unique in ``used`` by mangling ``text#2``, ``text#3``, ..."""
    candidate, n = mangle(text), 1
    while candidate in used:
        n += 1
        candidate = mangle(f"{text}#{n}")
    used.add(candidate)
    return candidate


def _first(feature: SeqFeature, key: str) -> str | None:
    values = feature.qualifiers.get(key)
    return str(values[0]) if values else None
