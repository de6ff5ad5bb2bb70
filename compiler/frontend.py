"""Front end: read a policy and everything it names into a Design.

Only this stage reads user files (policy, genomes, tables, chassis). :func:`read_design` reads
them all into a Design; :func:`input_files` only finds and hashes them (the build cache's quick
key, :mod:`bioxen.pipeline`). The one validation path is :func:`bioxen.pipeline.check`.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from bioxen.chassis import find_chassis, load_chassis
from bioxen.datafile import validation_errors
from bioxen.data.reference import find_data_file
from bioxen.errors import BioxenError, ChassisError, Diagnostic, PolicyError, TableError, at
from bioxen.hardware import choose
from bioxen.genome.read import genome_digest
from bioxen.genome.resolve import annotation_path, load_genome, resolve_genome
from bioxen.ir import BootPlan, CheckpointPlan, Command, Design, GuestVM, InputFile, Kinetics, RingClock, SimulationPlan
from bioxen.parts import find_parts, load_parts, read_tags, set_constants, sized_for
from bioxen.policy.load import read_policy, yaml_location
from bioxen.policy.schema import Policy
from bioxen.table import read_expression_table


def _data_file(name: str, base_dir: Path) -> Path:
    """A data file relative to the policy, else in BIOXEN_DATA_PATH, the cache or the package."""
    return find_data_file(name, base_dir=base_dir, error=TableError, what="expression table")


def policy_source(policy: str | Path | Mapping, text: str | None = None,
                  base_dir: Path | None = None) -> tuple[Path, str | None]:
    """(path, text) to read a policy from. A Mapping (the policy's YAML as data) becomes YAML
    text under the virtual path ``base_dir/<its name or "policy">.yaml`` (``base_dir``, default
    the working directory, is where its relative paths resolve; nothing is written)."""
    if not isinstance(policy, Mapping):
        return Path(policy), text
    import io

    from ruamel.yaml import YAML

    dumped = io.StringIO()
    YAML(typ="safe", pure=True).dump(_plain(policy), dumped)
    name = policy.get("name")
    stem = name if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", name) else "policy"
    return Path(base_dir or Path.cwd()) / f"{stem}.yaml", dumped.getvalue()


def _plain(value):
    """Mappings and sequences as dicts and lists (what a safe YAML dump writes)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def design_name(policy_path: Path, policy: Policy) -> str:
    """A design's name: the policy's ``name``, else its file's stem made a safe identifier."""
    return policy.name or re.sub(r"[^A-Za-z0-9_.-]", "_", Path(policy_path).stem)


def read_design(policy_path: str | Path | Mapping, text: str | None = None, base_dir: Path | None = None) -> Design:
    """The design a policy describes. ``text``: YAML read in place of the policy file's own (a
    sweep's variant of it, :mod:`bioxen.sweep.variants`; nothing is written): paths in it resolve
    against the policy's folder as the file's do, and its errors point into the policy file.
    A Mapping is read as :func:`policy_source` says."""
    policy_path, text = policy_source(policy_path, text, base_dir)
    policy, tree, raw = read_policy(policy_path) if text is None else read_policy_text(policy_path, text)
    base = policy_path.resolve().parent
    chassis = _located(lambda: load_chassis(policy.host.chassis, base),
                       yaml_location(policy_path, tree, ("host", "chassis"), key_itself=False))
    parts = _located(lambda: load_parts(policy.isolation.parts, base),
                     yaml_location(policy_path, tree, ("isolation", "parts"), key_itself=False))
    parts = _parts_settings(policy, sized_for(parts, chassis.volume), tree, policy_path)
    parts = _located(lambda: _chassis_tags(parts, chassis),
                     yaml_location(policy_path, tree, ("host", "chassis"), key_itself=False))
    choice = choose(policy, chassis.hardware)
    inputs = [InputFile("policy", str(policy_path), hashlib.sha256(raw).hexdigest()),
              InputFile("chassis", chassis.source, chassis.sha256),
              InputFile("parts", parts.source, parts.sha256), *_cello_inputs()]
    vms, errors = [], _refusals(choice, chassis, policy_path, tree)
    genomes = {}      # (genome, annotation) -> the Genome read: VMs of one genome file share it (it is frozen)
    unread = {}       # (genome, annotation) -> (its error, the location it was read for): not read again
    for index, spec in enumerate(policy.vms):
        where = yaml_location(policy_path, tree, ("vms", index, "genome"), key_itself=False)
        key = (spec.genome, spec.annotation)
        if key in unread:     # one download or read per genome (eight VMs of a missing accession: one try)
            failure, first = unread[key]
            errors += [Diagnostic(f"VM '{spec.id}': {e.message}", where if e.location == first else e.location, e.hint)
                       for e in failure.errors]
            continue
        try:
            genome = genomes.get(key)
            if genome is None:
                try:
                    genome = genomes[key] = load_genome(spec.genome, base, spec.annotation, where)
                except BioxenError as exc:
                    unread[key] = (exc, where)
                    raise
            table = None
            if spec.expression_table:
                table = read_expression_table(_data_file(spec.expression_table, base))
                inputs.append(InputFile(f"{spec.id}.expression_table", table.source, table.sha256))
        except BioxenError as exc:
            errors += [Diagnostic(f"VM '{spec.id}': {e.message}", e.location, e.hint) for e in exc.errors]
            continue
        inputs.append(InputFile(f"{spec.id}.genome", genome.source, genome.sha256))
        if genome.annotation:
            inputs.append(InputFile(f"{spec.id}.annotation", genome.annotation, genome.annotation_sha256))
        operons = tuple(tuple(op) for op in spec.operons) if spec.operons else None
        kinetics = Kinetics(**spec.kinetics.model_dump()) if spec.kinetics else Kinetics()
        errors += _kinetics_errors(spec.id, kinetics, chassis, lambda *key: yaml_location(
            policy_path, tree, ("vms", index, "kinetics") + key, key_itself=True))
        vms.append(GuestVM(spec.id, genome, table, spec.resolution, spec.ribosomes.share,
                           spec.operon_max_gap, operons, at(policy_path, where.line, where.column),
                           pool=choice.pools[spec.id], controller=spec.ribosomes.controller,
                           genetic_code=spec.genetic_code,
                           transcription=spec.transcription.pool if spec.transcription else None,
                           polymerase=spec.transcription.polymerase if spec.transcription else None,
                           transcription_pause=bool(spec.transcription and spec.transcription.pause),
                           compartment=spec.compartment.shell if spec.compartment else None,
                           max_leak=spec.compartment.max_leak if spec.compartment else 0.0,
                           transcription_location=yaml_location(policy_path, tree, ("vms", index, "transcription"),
                                                                key_itself=True) if spec.transcription else None,
                           priority=spec.priority, essential=tuple(spec.essential or ()),
                           knockouts=tuple(spec.knockouts or ()), kinetics=kinetics,
                           expression=tuple((spec.expression or {}).items()),
                           expression_location=yaml_location(policy_path, tree, ("vms", index, "expression"),
                                                             key_itself=True) if spec.expression else None,
                           dormant=spec.start == "dormant" or policy.boot is not None,
                           name_locations=_name_locations(spec, lambda *key: yaml_location(
                               policy_path, tree, ("vms", index) + key, key_itself=key[0] == "expression"))))
    if errors:
        raise PolicyError.collected(errors)
    boot = _boot_plan(policy)
    control, clock = _commands(policy, tree, policy_path, boot)
    sim = policy.simulate
    return Design(
        name=design_name(policy_path, policy), chassis=chassis,
        host_overrides=_host_overrides(policy, chassis, tree, policy_path),
        vms=tuple(vms), simulation=SimulationPlan(sim.until, sim.points, sim.method, sim.seed),
        inputs=tuple(inputs), parts=parts, min_isolation=policy.isolation.min_ratio,
        crosstalk_cutoff=policy.isolation.crosstalk_cutoff, gate=choice.gate, control=control,
        atp_guard=policy.scheduler.atp_guard.threshold if policy.scheduler.atp_guard else None,
        clock=clock, scheduler=policy.scheduler.policy, boot=boot,
        groups=tuple(tuple(g) for g in policy.scheduler.groups or ()), group_quantum=policy.scheduler.group_quantum,
        checkpoints=tuple(CheckpointPlan(c.name, c.watch, c.above if c.above is not None else c.below,
                                         "above" if c.above is not None else "below",
                                         yaml_location(policy_path, tree, ("checkpoints", i, "watch"), key_itself=False))
                          for i, c in enumerate(policy.checkpoints)))


def read_policy_text(policy_path: Path, text: str) -> tuple[Policy, CommentedMap, bytes]:
    """A policy given as YAML text, validated as if read from ``policy_path`` (what
    :func:`bioxen.policy.load.read_policy` gives for the file): the policy, its YAML tree (to
    locate errors) and the text's bytes (to hash)."""
    try:
        tree = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise PolicyError(f"invalid YAML: {exc}", at(policy_path)) from None
    if not isinstance(tree, CommentedMap):
        raise PolicyError("a policy is a YAML mapping (schema_version, host, vms, simulate)", at(policy_path, 1, 1))
    try:
        return Policy.model_validate(tree), tree, text.encode("utf-8")
    except ValidationError as exc:
        raise PolicyError.collected(validation_errors(exc, policy_path, tree, Policy, "policy")) from None


def _name_locations(spec, where) -> tuple:
    """(list, gene name, location) of every gene the VM's policy names; ``where(*key)`` locates
    a key under the VM."""
    found = [(what, name, where(what, i)) for what in ("knockouts", "essential")
             for i, name in enumerate(getattr(spec, what) or ())]
    found += [("expression", name, where("expression", name)) for name in spec.expression or {}]
    found += [("operons", name, where("operons", i, j)) for i, operon in enumerate(spec.operons or ())
              for j, name in enumerate(operon)]
    return tuple(found)


def input_files(policy: str | Path | Mapping, text: str | None = None,
                base_dir: Path | None = None) -> tuple[str, tuple[InputFile, ...]] | None:
    """The design's name and the files :func:`read_design` would record in ``Design.inputs``
    (same roles, paths and SHA-256, in the same order), found and hashed without parsing a
    genome, table, chassis or parts library. None whenever that cannot be told so cheaply (any
    error, a genome to download): reading the design then says what is wrong.

    Only the policy is validated; a file that read_design would refuse still hashes here, which
    is safe for the cache: a key names a stored build only if the design it hashes compiled."""
    try:
        policy_path, text = policy_source(policy, text, base_dir)
        policy, _, raw = read_policy(policy_path) if text is None else read_policy_text(policy_path, text)
        base = policy_path.resolve().parent
        inputs = [InputFile("policy", str(policy_path), hashlib.sha256(raw).hexdigest()),
                  _hashed("chassis", find_chassis(policy.host.chassis, base)),
                  _hashed("parts", find_parts(policy.isolation.parts, base)), *_cello_inputs()]
        for spec in policy.vms:
            if spec.expression_table:
                inputs.append(_hashed(f"{spec.id}.expression_table", _data_file(spec.expression_table, base)))
            genome = resolve_genome(spec.genome, base, download=False)
            if genome is None:
                return None
            digest, annotation, annotation_sha256 = genome_digest(genome, annotation_path(spec.annotation, base))
            inputs.append(InputFile(f"{spec.id}.genome", str(genome), digest))
            if annotation is not None:
                inputs.append(InputFile(f"{spec.id}.annotation", annotation, annotation_sha256))
        return design_name(policy_path, policy), tuple(inputs)
    except Exception:     # noqa: BLE001 - any doubt: read the design, which reports it properly
        return None


def _cello_inputs() -> list[InputFile]:
    """Cello's parts files, when found: the wiring pass reads them (:mod:`bioxen.cello`)."""
    from bioxen.cello import cello_files

    return [_hashed(f"cello.{name}", path) for name, path in cello_files()]


def _hashed(role: str, path: Path) -> InputFile:
    """A data file's InputFile, its SHA-256 over the bytes as its reader hashes them."""
    return InputFile(role, str(path), hashlib.sha256(path.read_bytes()).hexdigest())


def _located(load, where):
    """``load()``, its errors that name no file placed at the policy key that named it."""
    try:
        return load()
    except BioxenError as exc:
        raise type(exc).collected([e if e.location else Diagnostic(e.message, where, e.hint)
                                   for e in exc.errors]) from None


# VM kinetics keys -> the chassis guest quantity each is relative to.
_KINETICS_KEYS = {"transcription_nt_per_s": "transcription_elongation"}


def _kinetics_errors(vm: str, kinetics: Kinetics, chassis, where) -> list[Diagnostic]:
    """A set kinetics key whose reference the chassis lacks (``where(key)`` locates a key)."""
    return [Diagnostic(f"VM '{vm}': kinetics.{key} is relative to the guest quantity '{name}', which "
                       f"chassis '{chassis.name}' ({chassis.source}) lacks", where(key),
                       hint=f"add {name} to the chassis's guest: section, or drop the key")
            for key, name in _KINETICS_KEYS.items()
            if getattr(kinetics, key) is not None and name not in chassis.guest]


def _parts_settings(policy, parts, tree, path: Path):
    """The parts library with the constants the policy's ``isolation.set`` gives
    (:func:`bioxen.parts.set_constants`). They are part of the policy, whose hash is the
    build's first input, so a build compiled without them is never reused."""
    if not policy.isolation.set:
        return parts
    return set_constants(parts, policy.isolation.set, path.name, lambda name, key_itself: yaml_location(
        path, tree, ("isolation", "set", name), key_itself=key_itself))


# Policy host keys -> the chassis parameters each sets (first) and needs.
_HOST_KEYS = {"nutrient_quality": ("n_s",), "external_nutrient": ("s",),
              "chloramphenicol": ("chloramphenicol", "k_cm")}


def _chassis_tags(parts, chassis):
    try:
        return read_tags(parts, chassis.hardware)
    except ValueError as exc:
        raise ChassisError(f"chassis '{chassis.name}' ({chassis.source}): {exc}") from None


def _refusals(choice, chassis, path: Path, tree) -> list[Diagnostic]:
    """What the policy asks of the hypervisor that the chassis cannot do, at the keys that ask."""
    found = []
    for refusal in choice.refusals:
        message, hint = refusal.message(chassis.name, chassis.hardware)
        found.append(Diagnostic(message, yaml_location(path, tree, refusal.where, key_itself=False), hint))
    return found


def _host_overrides(policy, chassis, tree, path: Path) -> dict:
    """{chassis parameter: the policy's value, or None}; the chassis must define what a set key needs."""
    errors = [Diagnostic(f"host.{key} needs parameter '{name}', which chassis '{chassis.name}' "
                         f"({chassis.source}) lacks", yaml_location(path, tree, ("host", key), key_itself=True))
              for key, names in _HOST_KEYS.items() if getattr(policy.host, key) is not None
              for name in names if name not in chassis.parameters]
    if errors:
        raise PolicyError.collected(errors)
    return {names[0]: getattr(policy.host, key) for key, names in _HOST_KEYS.items()}


# -- round robin: the one place it is scheduled ------------------------------------------------

MAX_TURNS = 10_000   # a week at a 1-minute quantum


def round_robin(policy, commands: list[Command], where) -> tuple[list[Diagnostic], list[Command], RingClock | None]:
    """Round robin's schedule: every quantum the next VM's turn, in policy order (errors, the
    external clock's commands, the internal clock). The external clock is a train of inducer
    pulses (:func:`_external_clock`); the internal one a ring oscillator whose node
    ``node_of[k]`` releases VM ``turns[k]`` (a dormant or destroyed VM's turn is idle), its
    genes designed by the ``design_clock`` pass. ``commands``: the policy's own, which may not
    pause or resume a VM under round robin; ``where``: the scheduler's quantum."""
    scheduler = policy.scheduler
    if scheduler.policy != "round_robin":
        return [], [], None
    errors = [Diagnostic(f"{c.command} on {c.vm} at {c.at:g} min: under scheduler round_robin the "
                         f"clock pauses and resumes the VMs", c.location, hint="remove it, or use scheduler fair_share")
              for c in commands if c.command in ("PAUSE_VM", "RESUME_VM")]
    if not policy.vms:
        return errors, [], None
    if scheduler.clock == "internal":
        return errors, [], RingClock.for_turns(scheduler.quantum, tuple(vm.id for vm in policy.vms))
    if scheduler.groups:
        errors += [Diagnostic(f"{c.command} on {c.vm} at {c.at:g} min: under round_robin with groups the clock "
                              "creates, resizes and destroys nothing but the pools it resizes", c.location,
                              hint="remove it, or use round_robin without groups")
                   for c in commands if c.command != "BOOT_VM"]
        return errors, _two_level_clock(policy, where), None
    return errors, _external_clock(policy, where), None


def _two_level_clock(policy, where) -> list[Command]:
    """Round robin on two levels (the founding document's temporal coordination): every
    group_quantum the next group runs (the slow level: its VMs' pools resized to their policy
    shares, every other VM's to idle_share, and the waiting VMs paused); within it, every quantum
    the next VM of the group runs (the fast level: its gate opens, its group's others close)."""
    scheduler, until = policy.scheduler, policy.simulate.until
    turns = until / scheduler.quantum * len(policy.vms)
    if turns > MAX_TURNS:
        raise PolicyError(f"round_robin quantum {scheduler.quantum:g} min makes {turns:.3g} commands in the "
                          f"{until:g} min run; at most {MAX_TURNS:,}", where, hint="choose a longer quantum")
    share = {vm.id: vm.ribosomes.share for vm in policy.vms}
    commands, current, slot = [], dict(share), 0
    while slot * scheduler.group_quantum < until:
        start = slot * scheduler.group_quantum
        running = scheduler.groups[slot % len(scheduler.groups)]
        wanted = {vm: share[vm] if vm in running else scheduler.idle_share for vm in share}
        # shrink the pools that wait before growing the group's: the shares stay below 1 throughout
        for vm in sorted(wanted, key=lambda v: wanted[v] > current[v]):
            if wanted[vm] != current[vm]:
                commands.append(Command(start, "SET_RESOURCE_LIMIT", vm, wanted[vm], where))
        current = wanted
        end, turn = min(start + scheduler.group_quantum, until), 0
        while start + turn * scheduler.quantum < end:
            t = start + turn * scheduler.quantum
            for vm in share:
                opened = vm in running and running[turn % len(running)] == vm
                commands.append(Command(t, "RESUME_VM" if opened else "PAUSE_VM", vm, location=where))
            turn += 1
        slot += 1
    return commands


def _external_clock(policy, where) -> list[Command]:
    """The external clock: every quantum the next running VM's gate opens and the others' close.

    A VM joins the rotation when it runs (from the start, or from its CREATE_VM) and leaves it
    at its DESTROY_VM."""
    scheduler = policy.scheduler
    turns = policy.simulate.until / scheduler.quantum
    if turns > MAX_TURNS:  # each turn is a command per VM
        raise PolicyError(f"round_robin quantum {scheduler.quantum:g} min makes {turns:.3g} turns in the "
                          f"{policy.simulate.until:g} min run; at most {MAX_TURNS:,}", where,
                          hint="choose a longer quantum or a shorter run")
    inf = float("inf")
    created = {vm.id: 0.0 if vm.start == "running" else inf for vm in policy.vms}
    destroyed = {vm.id: inf for vm in policy.vms}
    for spec in policy.control:
        if spec.command == "CREATE_VM":
            created[spec.vm] = min(created[spec.vm], spec.at)
        elif spec.command == "DESTROY_VM":
            destroyed[spec.vm] = min(destroyed[spec.vm], spec.at)
    ids, commands, turn, last = list(created), [], 0, -1
    while turn * scheduler.quantum < policy.simulate.until:
        t = turn * scheduler.quantum
        alive = [i for i, vm in enumerate(ids) if created[vm] <= t < destroyed[vm]]
        if alive:
            last = next((i for i in alive if i > last), alive[0])  # the next running VM after the last
        for i in alive:
            command = "RESUME_VM" if i == last else "PAUSE_VM"
            commands.append(Command(t, command, ids[i], location=where))
        turn += 1
    return commands


# What of a VM each command sets: two commands setting one thing at one time race.
_SETS = {"CREATE_VM": "start", "PAUSE_VM": "gate", "RESUME_VM": "gate", "DESTROY_VM": "protease",
         "BOOT_VM": "boot", "SET_RESOURCE_LIMIT": "ribosome share"}
_RESIZE = "SET_RESOURCE_LIMIT"


def _commands(policy, tree, path: Path, boot: BootPlan | None = None) -> tuple[tuple[Command, ...], RingClock | None]:
    """Timed commands in time order (the policy's, the boot sequence's and the scheduler's), and
    the internal clock if round robin runs on one; a command after its VM's DESTROY or after the
    run, a resize the pools cannot take, or two setting one thing of a VM at once, is an error."""
    commands, errors, destroyed = [], [], {}
    running = {vm.id for vm in policy.vms if vm.start == "running"}
    shares = {vm.id: vm.ribosomes.share for vm in policy.vms if vm.ribosomes.pool == "orthogonal"}
    order = sorted(range(len(policy.control)), key=lambda i: policy.control[i].at)
    for index in order:
        spec = policy.control[index]
        where = yaml_location(path, tree, ("control", index, "at"), key_itself=False)
        if spec.at > policy.simulate.until:
            errors.append(Diagnostic(f"{spec.command} on {spec.vm} at {spec.at:g} min comes after the "
                                     f"simulation ends ({policy.simulate.until:g} min)", where))
        if spec.vm in destroyed:
            errors.append(Diagnostic(f"{spec.command} on {spec.vm} at {spec.at:g} min: the VM is destroyed "
                                     f"at {destroyed[spec.vm]:g} min", where))
        if spec.command == "CREATE_VM" and spec.vm in running:
            errors.append(Diagnostic(f"CREATE_VM on {spec.vm} at {spec.at:g} min: the VM is already running",
                                     where, hint=f"give {spec.vm} `start: dormant` to compile it as an empty slot"))
        errors += _resize_errors(spec, shares, lambda *key: yaml_location(path, tree, ("control", index) + key,
                                                                          key_itself=bool(key)),
                                 {vm.id for vm in policy.vms if vm.genetic_code == "ncaa"},
                                 {vm.id for vm in policy.vms if vm.transcription and vm.transcription.pool == "orthogonal"})
        if spec.command == "CREATE_VM":
            running.add(spec.vm)
        if spec.command == "DESTROY_VM":
            destroyed.setdefault(spec.vm, spec.at)
        commands.append(Command(spec.at, spec.command, spec.vm, spec.share, where,
                                spec.resource or "ribosomes", spec.concentration, spec.level))
    if boot is not None:
        boot_errors, boot_commands = _boot_commands(policy, boot, destroyed,
                                                    yaml_location(path, tree, ("boot",), key_itself=True))
        errors += boot_errors
        commands += boot_commands
    clock_errors, clock_commands, ring = round_robin(
        policy, commands, yaml_location(path, tree, ("scheduler", "quantum"), key_itself=False))
    errors += clock_errors
    commands += clock_commands
    commands.sort(key=lambda c: c.at)
    times = {}
    for command in commands:
        key = (command.vm, command.resource if command.resource in ("ncaa", "rnap") else _SETS[command.command],
               command.at)
        if key in times:
            errors.append(Diagnostic(f"{times[key].command} and {command.command} both set {command.vm}'s "
                                     f"{key[1]} at {command.at:g} min", command.location))
        times[key] = command
    if errors:
        raise PolicyError.collected(errors)
    return tuple(commands), ring


def _boot_commands(policy, plan: BootPlan, destroyed: dict[str, float], where) -> tuple[list[Diagnostic], list[Command]]:
    """The boot sequence's CREATE_VM and BOOT_VM of every VM, and what is wrong with them (a phase
    after the run, a VM destroyed before it is allocated, round robin beside it), at ``where``."""
    errors = [Diagnostic("boot with scheduler round_robin: the round-robin clock would have to follow each VM's "
                         "allocation", where, hint="use scheduler fair_share or priority with boot")] \
        if policy.scheduler.policy == "round_robin" else []
    commands = []
    for vm in plan.order:
        for command, at_ in (("CREATE_VM", plan.created(vm)), ("BOOT_VM", plan.booted(vm))):
            if at_ > policy.simulate.until:
                errors.append(Diagnostic(f"boot: {command} of {vm} at {at_:g} min comes after the simulation "
                                         f"ends ({policy.simulate.until:g} min)", where,
                                         hint="shorten the boot phases or simulate longer"))
            commands.append(Command(at_, command, vm, location=where))
        if vm in destroyed and destroyed[vm] < plan.created(vm):
            errors.append(Diagnostic(f"DESTROY_VM on {vm} at {destroyed[vm]:g} min comes before boot allocates "
                                     f"it ({plan.created(vm):g} min)", where))
    return errors, commands


def _boot_plan(policy) -> BootPlan | None:
    """The policy's boot sequence with its order filled in (None without ``boot:``)."""
    boot = policy.boot
    if boot is None:
        return None
    return BootPlan(boot.initialise, tuple(boot.order or [vm.id for vm in policy.vms]), boot.allocate,
                    tuple(boot.core), boot.core_first)


def _resize_errors(spec, shares: dict[str, float], where, ncaa_vms: set[str] = frozenset(),
                   rnap_vms: set[str] = frozenset()) -> list[Diagnostic]:
    """What is wrong with a SET_RESOURCE_LIMIT (or with ``resource``/``share``/``concentration``/``level``
    on another command); applies a good resize to ``shares``, the orthogonal VMs' shares so far.
    ``where(*key)`` locates a key of the command (no key: the command); ``ncaa_vms``: the VMs
    whose code needs a non-canonical amino acid (``genetic_code: ncaa``); ``rnap_vms``: the VMs
    on their own RNA polymerase (``transcription: {pool: orthogonal}``)."""
    what = f"{spec.command} on {spec.vm} at {spec.at:g} min"
    if spec.command != _RESIZE:
        return [Diagnostic(f"{what}: `{key}` belongs to {_RESIZE}", where(key))
                for key in ("resource", "share", "concentration", "level") if getattr(spec, key) is not None]
    # each resource takes one amount key: (key, example, the VMs it applies to, the hint)
    amounts = {"ribosomes": ("share", "share: 0.3", None, None),
               "ncaa": ("concentration", "concentration: 0 uM", ncaa_vms,
                        ("does not depend on a non-canonical amino acid", "`genetic_code: ncaa`")),
               "rnap": ("level", "level: 0.2", rnap_vms,
                        ("has no RNA polymerase of its own", "`transcription: {pool: orthogonal}`"))}
    key, example, vms, refusal = amounts.get(spec.resource or "ribosomes", amounts["ribosomes"])
    errors = [Diagnostic(f"{what}: `{other}` belongs to resource "
                         f"{next(r for r, a in amounts.items() if a[0] == other)}", where(other))
              for other in ("share", "concentration", "level") if other != key and getattr(spec, other) is not None]
    if spec.resource in ("ncaa", "rnap"):
        if getattr(spec, key) is None:
            errors.append(Diagnostic(f"{what} needs `{key}`", where(),
                                     hint=f"e.g. {{at: {spec.at:g} min, command: {_RESIZE}, vm: {spec.vm}, "
                                          f"resource: {spec.resource}, {example}}}"))
        if spec.vm not in vms:
            errors.append(Diagnostic(f"{what}: {spec.vm} {refusal[0]}", where("resource"),
                                     hint=f"give {spec.vm} {refusal[1]}"))
        return errors
    if errors:
        return errors
    missing = [key for key in ("resource", "share") if getattr(spec, key) is None]
    if missing:
        return [Diagnostic(f"{what} needs {' and '.join(f'`{key}`' for key in missing)}", where(),
                           hint=f"e.g. {{at: {spec.at:g} min, command: {_RESIZE}, vm: {spec.vm}, "
                                "resource: ribosomes, share: 0.3}")]
    if spec.vm not in shares:
        return [Diagnostic(f"{what}: {spec.vm} runs on host ribosomes; only a VM on an orthogonal pool "
                           "has a ribosome share to resize", where(),
                           hint=f"give {spec.vm} `ribosomes: {{pool: orthogonal}}`")]
    resized = dict(shares, **{spec.vm: spec.share})
    total = sum(resized.values())
    if total >= 1:
        listed = ", ".join(f"{vm} {share:g}" for vm, share in resized.items())
        return [Diagnostic(f"{what}: the orthogonal VMs' ribosome shares would add up to {total:g} "
                           f"({listed}); they must leave the host part of its ribosomes (sum < 1)",
                           where("share"))]
    shares.update(resized)
    return []
