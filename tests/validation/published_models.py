"""The published host equations, written out independently of the compiler (scipy).

Weisse et al. 2015 (PNAS 112:E1038; equations in PARAMETERS.md) and its extension with host
rRNA and ribosome assembly exactly as Darlington et al. 2018's code has it
(apsduk/Nat-Commun-2018 lib/hriboODE.m with the ``hostonly`` circuit): the ribosomal sector makes
ribosomal protein x_R, which assembles with rRNA r_R into ribosomes R. Chloramphenicol moves
translating complexes c_x into stalled complexes z_x (Weisse's model code f = cl·k_cm, b = 0;
NC fcm·cm0, rcm = 0). Molecules per cell, minutes.
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root

SECTORS = ("t", "m", "q", "r")


def _published_rhs(p: dict, assembly: bool):
    """The right-hand side and its variable names. Without ``assembly``, the original Weisse 2015
    model: the ribosomal sector's product is the free ribosome itself (no x_R, no rRNA)."""
    names = ["s_i", "a", "R"] + (["x_R", "r_R"] if assembly else [])
    names += [f"{v}_{x}" for x in SECTORS for v in ("m", "c", "z", "p") if (v, x) != ("p", "r")]

    def rhs(_, y):
        v = dict(zip(names, y))
        a, R = v["a"], v["R"]
        gamma = p["gmax"] * a / (p["K_gamma"] + a)
        translating = sum(v[f"c_{x}"] for x in SECTORS)
        lam = gamma * translating / p["M"]
        length = {"t": p["n_x"], "m": p["n_x"], "q": p["n_x"], "r": p["n_r"]}
        omega = {"t": p["w_e"] * a / (p["theta_nr"] + a), "m": p["w_e"] * a / (p["theta_nr"] + a),
                 "q": p["w_q"] * a / (p["theta_nr"] + a) / (1 + (v["p_q"] / p["K_q"]) ** p["h_q"]),
                 "r": p["w_r"] * a / (p["theta_r"] + a)}
        nu = {x: gamma / length[x] * v[f"c_{x}"] for x in SECTORS}
        bind = {x: p["k_b"] * R * v[f"m_{x}"] - p["k_u"] * v[f"c_{x}"] for x in SECTORS}
        stall = {x: p["k_cm"] * p["chloramphenicol"] * v[f"c_{x}"] for x in SECTORS}
        nu_imp = v["p_t"] * p["v_t"] * p["s"] / (p["K_t"] + p["s"])
        nu_cat = v["p_m"] * p["v_m"] * v["s_i"] / (p["K_m"] + v["s_i"])
        d = {"s_i": nu_imp - nu_cat - lam * v["s_i"],
             "a": p["n_s"] * nu_cat - gamma * translating - lam * a,
             "R": nu["r"] - lam * R + sum(nu[x] - bind[x] for x in SECTORS)}
        if assembly:
            assembled = p["k_assembly"] * v["x_R"] * v["r_R"] - p["k_disassembly"] * R
            d["x_R"] = nu["r"] - lam * v["x_R"] - assembled
            d["r_R"] = p["w_rR"] * a / (p["theta_rR"] + a) - (lam + p["d_rR"]) * v["r_R"] - assembled
            d["R"] += assembled - nu["r"]
        for x in SECTORS:
            d[f"m_{x}"] = omega[x] - (lam + p["d_m"]) * v[f"m_{x}"] + nu[x] - bind[x]
            d[f"c_{x}"] = bind[x] - nu[x] - stall[x] - lam * v[f"c_{x}"]
            d[f"z_{x}"] = stall[x] - lam * v[f"z_{x}"]
            if x != "r":
                d[f"p_{x}"] = nu[x] - lam * v[f"p_{x}"]
        return [d[n] for n in names]

    return names, rhs


def published_steady_state(p: dict, assembly: bool = True) -> dict[str, float]:
    """Steady state of the published ODEs: integrate from the NC initial state, then polish.
    ``p``: chassis parameter values (with ``chloramphenicol`` in uM)."""
    names, rhs = _published_rhs(p, assembly)
    start = {"s_i": 1000.0, "a": 1000.0, "x_R": 10.0, "r_R": 10.0, "R": 10.0}   # NC makeinitialconditions.m
    y0 = [start.get(n, 0.0 if n.startswith("z_") else 10.0) for n in names]
    run = solve_ivp(rhs, (0, 1e5), y0, method="LSODA", rtol=1e-10, atol=1e-8)
    polished = root(lambda y: rhs(0, y), run.y[:, -1], method="hybr", options={"xtol": 1e-13})
    assert polished.success and np.max(np.abs(polished.fun)) < 1e-6, polished.message
    v = dict(zip(names, polished.x))
    a = v["a"]
    v["lambda"] = p["gmax"] * a / (p["K_gamma"] + a) * sum(v[f"c_{x}"] for x in SECTORS) / p["M"]
    v["ribosomes_all"] = v.get("x_R", 0.0) + v["R"] + sum(v[f"c_{x}"] + v[f"z_{x}"] for x in SECTORS)
    v["ribosomal_fraction"] = p["n_r"] * v["ribosomes_all"] / p["M"]
    return v
