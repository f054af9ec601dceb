#!/usr/bin/python3
"""Independent NumPy reference implementation of the smartpower model.

Implements docs/model.md equation by equation, written from the document only
(not from the C++ engine). Two things the document leaves open were settled after
comparing with the engine, and are marked "doc gap" below: the value of a capability
share c_j / (c_i + c_j) when both capabilities are 0 (1/2), and the capability of a
hard lever that names none (economy). It reads a *fully resolved* scenario, i.e. the TOML printed
by ``smartpower resolve FILE`` (extends and [overrides] already applied), so it never
handles ``extends`` itself.

Array conventions (one leading run axis ``r`` everywhere, so the same code computes a
single deterministic trajectory (R = 1) and a vectorised noisy ensemble):

* ``S[r, k, i, j]`` = S[k](i, j): actor i's stock with partner j through lever k.
* ``A[r, i, j]``    = A(i, j): alignment of i toward j.
* Pair metrics are indexed ``[r, i, j]`` with the doc's metric convention
  "actor i, partner j": ``soft[r, i, j]`` is soft(j -> i), the power of j over i;
  ``threat[r, i, j]`` is tau(j -> i), etc. Per-lever pair metrics are ``[r, k, i, j]``.
* Efforts are ``e[r, k, i, j]`` = e[k](i, j).

CLI:
    smartpower_ref.py RESOLVED.toml --csv OUT.csv          # deterministic trajectory
    smartpower_ref.py RESOLVED.toml --ensemble 200 --seed 1  # noisy ensemble, prints a summary
``RESOLVED.toml`` may be ``-`` for stdin (e.g. ``smartpower resolve X | ... -``).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tomllib
from fractions import Fraction

import numpy as np

CAPS = ("economy", "military", "population")

# Defaults of keys a resolved file may omit (`smartpower keys`, scenario.hpp).
MODEL_DEFAULTS = {
    "rho": 0.5, "alpha": 0.5, "identity_share": 0.5, "soft_floor": 0.1,
    "affinity_exponent": 1.0, "need_exponent": 0.5, "proximity_floor": 0.2,
    "threat_base": 0.1, "threat_soft_damping": 1.0, "threat_affinity_damping": 1.0,
    "alignment_rate": 0.5, "alignment_bias": 0.0, "w_identity": 1.0, "w_exchange": 1.0,
    "w_interdependence": 1.0, "w_threat": 1.0, "w_counter": 1.0, "noise": 1.0,
}
LEVER_DEFAULTS = {"weight": 1.0, "decay": 0.1, "returns": 1.0, "reciprocity": 0.0,
                  "threat": 0.0, "unit_scale": 0.0, "flow_scale": 0.0, "kind": "soft"}
STRATEGIES = ("diversify", "counter_threat", "affinity", "smart_mix", "sphere", "expansion")

PAIR_METRICS = ("alignment", "affinity", "soft", "hard", "smart", "soft_share",
                "dependence", "threat", "counter")
LEVER_METRICS = ("stock", "effort", "influence", "lever_dependence")
UNIT_METRICS = ("real", "volume")
FLOW_METRICS = ("flow",)
ACTOR_METRICS = ("balance", "hhi", "budget")


def _dec(x) -> Fraction:
    """A TOML number as the exact decimal it was written as (shortest round-trip repr)."""
    return Fraction(repr(float(x)))


def _safe_div(num, den, fill):
    """num / den where den != 0, else `fill` (broadcast)."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(num.shape, fill, dtype=float) if np.isscalar(fill) else \
        np.array(np.broadcast_to(fill, num.shape), dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _path_value(pts, t):
    """eq. 1: a series given as [(t, v), ...] points at time t, log-linear between them."""
    if t <= pts[0][0]:
        return pts[0][1]
    if t >= pts[-1][0]:
        return pts[-1][1]
    k = max(q for q in range(len(pts)) if pts[q][0] <= t)
    f = (t - pts[k][0]) / (pts[k + 1][0] - pts[k][0])
    return math.exp(math.log(pts[k][1]) + f * (math.log(pts[k + 1][1]) - math.log(pts[k][1])))


NEVER_OPENED = -1e6  # relations.*.opened default: open long before the start

class Model:
    """A resolved scenario turned into dense arrays (docs/model.md, 'Indices and state')."""

    def __init__(self, doc: dict):
        sc = doc["scenario"]
        self.start = float(sc.get("start", 0.0))
        self.end = float(sc.get("end", 0.0))
        self.dt = float(sc.get("dt", 0.25))
        self.seed = int(sc.get("seed", 1))
        x = (self.end - self.start) / self.dt
        self.T = int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))
        p = dict(MODEL_DEFAULTS)
        p.update({k: float(v) for k, v in doc.get("model", {}).items()})
        self.p = p

        # --- levers
        levers = doc.get("levers", [])
        self.lever_ids = [lv["id"] for lv in levers]
        K = self.K = len(levers)
        lv = [{**LEVER_DEFAULTS, **l} for l in levers]
        self.w = np.array([float(l["weight"]) for l in lv])
        self.decay = np.array([float(l["decay"]) for l in lv])
        self.gamma = np.array([float(l["returns"]) for l in lv])
        self.recip = np.array([float(l["reciprocity"]) for l in lv])
        self.theta = np.array([float(l["threat"]) for l in lv])
        self.unit_scale = np.array([float(l["unit_scale"]) for l in lv])
        self.flow_scale = np.array([float(l["flow_scale"]) for l in lv])
        # eq. 14 gravity: nu_k, Y_k, lambda_k (defaults 0, 1, 0: g = 1)
        self.mass_exp = np.array([float(l.get("mass_exponent", 0.0)) for l in lv])
        self.mass_scale = np.array([float(l.get("mass_scale", 1.0)) for l in lv])
        self.mass_asym = np.array([float(l.get("mass_asymmetry", 0.0)) for l in lv])
        self.dist_exp = np.array([float(l.get("distance_exponent", 0.0)) for l in lv])
        self.opening = np.array([float(l.get("opening", 0.0)) for l in lv])  # tau_k (eq. 14 opening)
        self.price_exp = np.array([float(l.get("price_exponent", 0.0)) for l in lv])  # pi_k (eq. 14 prices)
        self.price_pts = [(float(p[0]), float(p[1])) for p in sc.get("price", [])]  # q(t) as data
        self.price_ref = float(sc.get("price_reference", 0.0))  # q_0 (0: the price at the start)
        self.is_soft = np.array([l["kind"] == "soft" for l in lv])
        self.is_hard = ~self.is_soft
        # A hard lever that names no capability is scaled by economy: that is what the
        # engine's loader does (engine/core/scenario.cpp), although scenario.hpp's initializer
        # says `none` and docs/model.md names no default (reported as a doc gap).
        self.cap_of = [l.get("capability", "economy" if l.get("kind", "soft") == "hard"
                             else "none") for l in levers]

        # --- actors
        actors = doc.get("actors", [])
        self.actor_ids = [a["id"] for a in actors]
        N = self.N = len(actors)
        self.n = N - 1
        aidx = {a: i for i, a in enumerate(self.actor_ids)}
        lidx = {l: k for k, l in enumerate(self.lever_ids)}
        self.aidx, self.lidx = aidx, lidx
        self.cap0 = {x: np.array([float(a.get("capabilities", {}).get(x, 0.0)) for a in actors])
                     for x in CAPS}
        self.gcap = {x: np.array([float(a.get("growth", {}).get(x, 0.0)) for a in actors])
                     for x in CAPS}
        self.budget0 = np.array([float(a.get("budget", 1.0)) for a in actors])
        self.gbudget = np.array([float(a.get("growth", {}).get("budget", 0.0)) for a in actors])
        self.temp = np.array([float(a.get("temperature", 1.0)) for a in actors])
        self.sigma = np.array([float(a.get("noise", 0.0)) for a in actors])
        self.omega = {s: np.array([float(a.get("strategy", {}).get(s, 0.0)) for a in actors])
                      for s in STRATEGIES}
        self.lever_bias = np.zeros((N, K))
        self.partner_bias = np.zeros((N, N))
        for i, a in enumerate(actors):
            for l, v in a.get("lever_bias", {}).items():
                self.lever_bias[i, lidx[l]] = float(v)
            for b, v in a.get("partner_bias", {}).items():
                self.partner_bias[i, aidx[b]] = float(v)

        # eq. 2: identity similarity over the union of dimensions (missing = 0)
        dims = []
        for a in actors:
            for d in a.get("identity", {}):
                if d not in dims:
                    dims.append(d)
        V = np.array([[float(a.get("identity", {}).get(d, 0.0)) for d in dims] for a in actors]
                     ).reshape(N, len(dims))
        norm = np.sqrt((V * V).sum(axis=1))
        self.sim = _safe_div(V @ V.T, np.outer(norm, norm), 0.0)

        # --- relations
        self.border = np.zeros((N, N))
        self.distance = np.ones((N, N))
        self.opened = np.full((N, N), NEVER_OPENED)  # o(i,j), symmetric
        self.exposure = np.zeros((N, N))  # s(i,j), symmetric (eq. 14 prices)
        self.A0 = np.zeros((N, N))
        self.S0 = np.zeros((K, N, N))
        border_set = {}
        dist_set = {}
        open_set = {}
        exposure_set = {}
        for I, row in doc.get("relations", {}).items():
            for J, rel in row.items():
                i, j = aidx[I], aidx[J]
                for key, table, given in (("border", self.border, border_set), ("distance", self.distance, dist_set),
                                          ("opened", self.opened, open_set),
                                          ("price_exposure", self.exposure, exposure_set)):
                    if key in rel:  # symmetric: given on one side it holds for both; on both they must agree
                        v = float(rel[key])
                        if (j, i) in given and given[(j, i)] != v:
                            raise ValueError(f"relations.{I}.{J}.{key} disagrees with {J}.{I}")
                        given[(i, j)] = v
                        table[i, j] = table[j, i] = v
                self.A0[i, j] = float(rel.get("alignment", 0.0))
                for l, v in rel.get("stocks", {}).items():
                    self.S0[lidx[l], i, j] = float(v)
        self.offdiag = ~np.eye(N, dtype=bool)

        # Event and move windows compare times in exact decimal arithmetic (the numbers
        # as written in the file), so that e.g. an event at 1991.6 with dt = 0.2 falls
        # in [t_3, t_4) although 1991 + 3 * 0.2 == 1991.6000000000001 in binary floats.
        self._start, self._dt = _dec(self.start), _dec(self.dt)

        # --- events: (a) at step n applies every enabled event with t_n <= time < t_n + dt
        self.events_at = {}
        for ev in doc.get("events", []):
            if not ev.get("enabled", True):
                continue
            e = (aidx[ev["actor"]], aidx[ev["target"]],
                 lidx[ev["lever"]] if "lever" in ev else -1,
                 float(ev.get("stock", 0.0)), float(ev.get("alignment", 0.0)),
                 bool(ev.get("mutual", False)))
            t_ev = _dec(ev["time"])
            for step in range(self.T):  # events never apply at t_T
                t = self.exact_time(step)
                if t <= t_ev < t + self._dt:
                    self.events_at.setdefault(step, []).append(e)

        # --- moves: per instant, effort <- effort * scale + add, for (i, k, j)
        self.moves = []
        for mv in doc.get("moves", []):
            if not mv.get("enabled", True):
                continue
            tgt, lev = mv.get("target", "*"), mv.get("lever", "*")
            self.moves.append((aidx[mv["actor"]],
                               None if tgt == "*" else aidx[tgt],
                               None if lev == "*" else lidx[lev],
                               _dec(mv.get("from", 0.0)), _dec(mv["to"]) if "to" in mv else float("inf"),
                               float(mv.get("scale", 1.0)), float(mv.get("effort", 0.0))))

        self._move_cache = {}

        # time-dependent per-actor quantities for all T + 1 instants (eq. 1)
        ts = np.array([self.time(s) for s in range(self.T + 1)]) - self.start
        self.caps_t = {x: self.cap0[x][None, :] * np.exp(self.gcap[x][None, :] * ts[:, None])
                       for x in CAPS}
        # eq. 1: a capability given as data (actors.path.x), log-linear between points
        for i, a in enumerate(actors):
            for x, pts in a.get("path", {}).items():
                for step in range(self.T + 1):
                    self.caps_t[x][step, i] = _path_value([(float(p[0]), float(p[1])) for p in pts], self.time(step))
        self.budget_t = self.budget0[None, :] * np.exp(self.gbudget[None, :] * ts[:, None])
        # eq. 14 gravity g[t,k,i,j] = (c_i^x c_j^x / Y_k^2)^nu_k * D(i,j)^-lambda_k (1 if unused)
        self.gravity_t = None
        priced = bool(self.price_pts) and np.any(self.price_exp != 0)
        if np.any(self.mass_exp != 0) or np.any(self.mass_asym != 0) or np.any(self.dist_exp != 0) or \
                np.any(self.opening != 0) or np.any(self.price_exp != 0):
            g = np.ones((self.T + 1, K, N, N))
            for k in range(K):
                if self.mass_exp[k] == 0 and self.mass_asym[k] == 0 and self.dist_exp[k] == 0 and self.opening[k] == 0 \
                        and self.price_exp[k] == 0:
                    continue
                mass = np.ones((self.T + 1, N, N))
                if self.cap_of[k] != "none" and self.mass_exp[k] != 0:
                    c = self.caps_t[self.cap_of[k]]
                    base = c[:, :, None] * c[:, None, :] / (self.mass_scale[k] * self.mass_scale[k])
                    mass = np.where(base > 0, np.power(np.where(base > 0, base, 1.0), self.mass_exp[k]), 0.0)
                if self.cap_of[k] != "none" and self.mass_asym[k] != 0:
                    c = self.caps_t[self.cap_of[k]]
                    large = np.maximum(c[:, :, None], c[:, None, :]) / self.mass_scale[k]
                    mass = mass * np.where(large > 0, np.power(np.where(large > 0, large, 1.0), self.mass_asym[k]), 0.0)
                resist = np.power(self.distance, -self.dist_exp[k]) if self.dist_exp[k] != 0 else 1.0
                g[:, k] = mass * resist
                if self.opening[k] > 0:  # eq. 14 opening: 0 before o(i,j), then 1 - exp(-(t - o) / tau_k)
                    ts = np.array([self.time(n) for n in range(self.T + 1)])[:, None, None]
                    o = self.opened[None]
                    since = np.where(ts < o, 0.0, ts - o)
                    ramp = np.where(ts < o, 0.0, 1.0 - np.exp2(-(since / self.opening[k]) * 1.4426950408889634))
                    g[:, k] = np.where(o > NEVER_OPENED, g[:, k] * ramp, g[:, k])
                if priced and self.price_exp[k] != 0:  # eq. 14 prices: (q(t) / q_0)^(pi_k s(i,j))
                    q0 = self.price_ref if self.price_ref > 0 else _path_value(self.price_pts, self.start)
                    for n in range(self.T + 1):
                        rel = _path_value(self.price_pts, self.time(n)) / q0
                        for i in range(N):
                            for j in range(N):
                                e = self.price_exp[k] * self.exposure[i, j]
                                if i != j and e != 0:
                                    g[n, k, i, j] = g[n, k, i, j] * math.pow(rel, e)
            self.gravity_t = g

    def time(self, step: int) -> float:
        return self.start + self.dt * step

    def exact_time(self, step: int) -> Fraction:
        return self._start + self._dt * step

    def move_arrays(self, step):
        """(scale, add) arrays shaped (K, N, N) = [k, i, j] for the moves active at t_step,
        or None when no move is active (built once per step, then cached)."""
        if step not in self._move_cache:
            self._move_cache[step] = self._build_moves(step)
        return self._move_cache[step]

    def _build_moves(self, step):
        t = self.exact_time(step)
        active = [m for m in self.moves if m[3] <= t < m[4]]
        if not active:
            return None
        scale = np.ones((self.K, self.N, self.N))
        add = np.zeros((self.K, self.N, self.N))
        for (i, j, k, _f, _t, s, a) in active:  # listed order: e <- e * s + a
            ks = slice(None) if k is None else k
            js = slice(None) if j is None else j
            scale[ks, i, js] *= s
            add[ks, i, js] = add[ks, i, js] * s + a
        add[:, ~self.offdiag] = 0.0
        return scale, add

    # ------------------------------------------------------------------ the step
    def derived(self, step, S, A):
        """Derived quantities 1-12 at t_step for state S (R,K,N,N), A (R,N,N)."""
        p, N, K = self.p, self.N, self.K
        off = self.offdiag
        caps = {x: self.caps_t[x][step] for x in CAPS}

        # 3. affinity aff[r,i,j]
        beta = p["identity_share"]
        aff = beta * self.sim + (1.0 - beta) * (1.0 + A) / 2.0
        # 4. effective stock of j toward i: E[k](j->i) = S[k](j,i) + r_k S[k](i,j)
        E = np.swapaxes(S, 2, 3) + self.recip[None, :, None, None] * S
        # 5. receptivity
        r0, kappa, mu = p["soft_floor"], p["affinity_exponent"], p["need_exponent"]
        R_soft = r0 + (1.0 - r0) * np.power(aff, kappa)                    # (R,N,N)
        Rk = np.empty((K, N, N))
        for k in range(K):
            x = self.cap_of[k]
            if self.is_soft[k] or x == "none":
                Rk[k] = 1.0
            else:
                c = caps[x]
                # doc gap: c_j / (c_i + c_j) is taken as 1/2 when both are 0
                Rk[k] = np.power(_safe_div(c[None, :], c[:, None] + c[None, :], 0.5), mu)
        # 6. influence inf[r,k,i,j] of j on i
        Eg = np.power(E, self.gamma[None, :, None, None])  # 0^gamma = 0 for gamma > 0
        R_all = np.where(self.is_soft[None, :, None, None], R_soft[:, None, :, :], Rk[None])
        inf = self.w[None, :, None, None] * Eg * R_all
        inf[:, :, ~off] = 0.0
        # 7. soft, hard
        soft = inf[:, self.is_soft].sum(axis=1)
        hard = inf[:, self.is_hard].sum(axis=1)
        # 8. smart power (CES) and soft share
        smart = self.ces(hard, soft)
        soft_share = _safe_div(soft, soft + hard, 0.0)
        # 9. dependence shares
        n = self.n
        tot = smart.sum(axis=2, keepdims=True)
        dep = np.where(tot != 0, _safe_div(smart, tot, 0.0), 1.0 / n if n else 0.0)
        dep[:, ~off] = 0.0
        ltot = inf.sum(axis=3, keepdims=True)
        ldep = np.where(ltot != 0, _safe_div(inf, ltot, 0.0), 1.0 / n if n else 0.0)
        ldep[:, :, ~off] = 0.0
        # 10. concentration and balance
        hhi = (dep * dep).sum(axis=2)
        if n >= 2:
            balance = 1.0 - (hhi - 1.0 / n) / (1.0 - 1.0 / n)
        else:
            balance = np.zeros_like(hhi)
        # 11. threat tau[r,i,j] = tau(j->i)
        p0 = p["proximity_floor"]
        prox = p0 + (1.0 - p0) * self.border
        cm = caps["military"]
        # m(j,i) at [i,j]; doc gap: 1/2 when both military capabilities are 0
        m = _safe_div(cm[None, :], cm[:, None] + cm[None, :], 0.5)
        ST = np.swapaxes(S, 2, 3)                                          # S[k](j,i) at [k,i,j]
        P = p["threat_base"] + (self.theta[None, :, None, None]
                                * np.power(ST, self.gamma[None, :, None, None])).sum(axis=1)
        tau = prox * m * P / (1.0 + p["threat_soft_damping"] * soft
                              + p["threat_affinity_damping"] * aff)
        tau[:, ~off] = 0.0
        # 12. top threat and counterweight
        masked = np.where(off, tau, -np.inf)
        tstar = np.argmax(masked, axis=2)                                  # first on ties
        Tmax = np.take_along_axis(tau, tstar[:, :, None], axis=2)[:, :, 0]
        AT = np.swapaxes(A, 1, 2)                                          # AT[r,m,j] = A(j,m)
        A_j_t = np.take_along_axis(AT, np.broadcast_to(tstar[:, :, None], A.shape), axis=1)
        counter = Tmax[:, :, None] * (1.0 - np.maximum(0.0, A_j_t))
        is_top = tstar[:, :, None] == np.arange(N)[None, None, :]        # j == t*(i)
        counter = np.where(is_top, 0.0, counter)
        counter[:, ~off] = 0.0
        return dict(aff=aff, inf=inf, soft=soft, hard=hard, smart=smart,
                    soft_share=soft_share, dep=dep, ldep=ldep, hhi=hhi, balance=balance,
                    tau=tau, counter=counter, caps=caps)

    def ces(self, hard, soft):
        rho, alpha = self.p["rho"], self.p["alpha"]
        if rho == 0.0:
            return np.power(hard, alpha) * np.power(soft, 1.0 - alpha)
        if rho < 0.0:
            pos = (hard > 0) & (soft > 0)
            h = np.where(pos, hard, 1.0)
            s = np.where(pos, soft, 1.0)
            val = np.power(alpha * np.power(h, rho) + (1.0 - alpha) * np.power(s, rho), 1.0 / rho)
            return np.where(pos, val, 0.0)
        return np.power(alpha * np.power(hard, rho) + (1.0 - alpha) * np.power(soft, rho),
                        1.0 / rho)

    def decide(self, step, d, eps=None):
        """13-14: efforts e[r,k,i,j] for [t_step, t_step + dt). eps: (R,N,K,N) or None."""
        p, N, K, n = self.p, self.N, self.K, self.n
        om = self.omega
        soft_k = self.is_soft.astype(float)[None, None, :, None]          # [., ., k, .]
        hard_k = self.is_hard.astype(float)[None, None, :, None]
        sign_k = soft_k - hard_k
        R = d["dep"].shape[0]
        U = np.zeros((R, N, 1, N))
        U = U + (om["diversify"][None, :, None] * (1.0 - n * d["dep"]))[:, :, None, :]
        U = U + (om["counter_threat"][None, :, None] * d["counter"])[:, :, None, :]
        U = U + (om["affinity"][None, :, None] * d["aff"])[:, :, None, :] * soft_k
        # hs(i->j): hard share of i's own power over j = [j, i] entries of the pair arrays
        hT, sT = np.swapaxes(d["hard"], 1, 2), np.swapaxes(d["soft"], 1, 2)
        hs = _safe_div(hT, hT + sT, p["alpha"])
        hs = np.where((hT + sT) != 0, hs, p["alpha"])
        U = U + (om["smart_mix"][None, :, None] * (hs - p["alpha"]))[:, :, None, :] * sign_k
        depT = np.swapaxes(d["dep"], 1, 2)                                 # d(j,i) at [i,j]
        U = U + (om["sphere"][None, :, None] * self.border[None] * (1.0 - depT))[:, :, None, :]
        ce = d["caps"]["economy"]
        others = ce.sum() - ce                                             # sum over l != i
        reach = _safe_div(ce[None, :], others[:, None], 0.0)               # [i,j]
        U = U + (om["expansion"][:, None] * reach)[None, :, None, :] * hard_k
        U = U + self.lever_bias[None, :, :, None] + self.partner_bias[None, :, None, :]
        # 14. softmax over the K*n options (j != i)
        if eps is not None:
            U = U + (self.sigma * p["noise"])[None, :, None, None] * eps
        X = U / self.temp[None, :, None, None]
        X = np.where(self.offdiag[None, :, None, :], X, -np.inf)
        X = X - X.max(axis=(2, 3), keepdims=True)
        ex = np.exp(X)
        prob = ex / ex.sum(axis=(2, 3), keepdims=True)
        e = self.budget_t[step][None, :, None, None] * prob                # [r,i,k,j]
        e = np.swapaxes(e, 1, 2)                                           # [r,k,i,j]
        if self.gravity_t is not None:
            e = e * self.gravity_t[step][None]                             # eq. 14 gravity
        mv = self.move_arrays(step)
        if mv is not None:
            e = e * mv[0][None] + mv[1][None]
        return e

    def apply_events(self, step, S, A):
        for (i, j, k, ds, da, mutual) in self.events_at.get(step, ()):
            pairs = [(i, j), (j, i)] if mutual else [(i, j)]
            for (a, b) in pairs:
                if k >= 0 and ds != 0.0:
                    S[:, k, a, b] = np.maximum(0.0, S[:, k, a, b] + ds)
                if da != 0.0:
                    A[:, a, b] = np.clip(A[:, a, b] + da, -1.0, 1.0)

    def update(self, S, A, d, e):
        """16 (alignment) then 15 (stocks), from the values of (b) and (c)."""
        p, dt = self.p, self.dt
        X = lambda v: (lambda u: u / (1.0 + u))(v + np.swapaxes(v, 1, 2))
        z = (p["alignment_bias"] + p["w_identity"] * (2.0 * self.sim - 1.0)
             + p["w_exchange"] * X(d["soft"]) + p["w_interdependence"] * X(d["hard"])
             - p["w_threat"] * d["tau"] + p["w_counter"] * d["counter"])
        A_new = A + p["alignment_rate"] * dt * (np.tanh(z) - A)
        A_new[:, ~self.offdiag] = 0.0
        S_new = np.maximum(0.0, (1.0 - self.decay[None, :, None, None] * dt) * S + dt * e)
        return S_new, A_new

    def initial_state(self, R):
        S = np.repeat(self.S0[None], R, axis=0).copy()
        A = np.repeat(self.A0[None], R, axis=0).copy()
        return S, A

    def metrics(self, step, S, A, d, e):
        """All recorded metrics at t_step, each with a leading run axis."""
        us = self.unit_scale[None, :, None, None]
        fs = self.flow_scale[None, :, None, None]
        return {
            "alignment": A, "affinity": d["aff"], "soft": d["soft"], "hard": d["hard"],
            "smart": d["smart"], "soft_share": d["soft_share"], "dependence": d["dep"],
            "threat": d["tau"], "counter": d["counter"],
            "stock": S, "effort": e, "influence": d["inf"], "lever_dependence": d["ldep"],
            "real": us * S, "volume": us * (S + np.swapaxes(S, 2, 3)),
            "flow": fs * (e + np.swapaxes(e, 2, 3)),
            "balance": d["balance"], "hhi": d["hhi"],
            "budget": np.broadcast_to(self.budget_t[step][None, :], d["hhi"].shape),
        }


# ---------------------------------------------------------------------- public API
def trajectory(resolved: dict):
    """One deterministic run (noise off). Returns (times, metrics) with
    metrics[name] an array over instants: pair metrics (T+1, N, N) [t, actor, partner],
    lever metrics (T+1, K, N, N) [t, lever, actor, partner], actor metrics (T+1, N).
    The Model is also returned for labels: (model, times, metrics)."""
    m = Model(resolved)
    S, A = m.initial_state(1)
    out = {}
    for step in range(m.T + 1):
        if step < m.T:
            m.apply_events(step, S, A)                  # (a)
        d = m.derived(step, S, A)                       # (b)
        e = m.decide(step, d, None)                     # (c)
        for name, v in m.metrics(step, S, A, d, e).items():   # (d)
            out.setdefault(name, []).append(np.array(v[0]))
        if step < m.T:
            S, A = m.update(S, A, d, e)                 # (e)
    times = np.array([m.time(s) for s in range(m.T + 1)])
    return m, times, {k: np.stack(v) for k, v in out.items()}


def ensemble(resolved: dict, runs: int, seed: int | None = None, series: str = "mean"):
    """`runs` noisy runs vectorised over a leading run axis, numpy default_rng(seed).
    series="mean": also the per-instant mean and sd over runs of every metric;
    series="none": only the final-instant metrics of every run.
    Returns dict(final={metric: (runs, ...)}, mean={...}, sd={...})."""
    m = Model(resolved)
    rng = np.random.default_rng(m.seed if seed is None else seed)
    scale = math.sqrt(3.0) / math.pi                    # logistic with unit variance
    S, A = m.initial_state(runs)
    N, K = m.N, m.K
    mean, sd = {}, {}
    final = None
    for step in range(m.T + 1):
        if step < m.T:
            m.apply_events(step, S, A)
        d = m.derived(step, S, A)
        eps = rng.logistic(0.0, scale, size=(runs, N, K, N))
        e = m.decide(step, d, eps)
        if series == "mean" or step == m.T:
            mets = m.metrics(step, S, A, d, e)
            if series == "mean":
                for k, v in mets.items():
                    mean.setdefault(k, []).append(v.mean(axis=0))
                    sd.setdefault(k, []).append(v.std(axis=0, ddof=1) if runs > 1
                                                else np.zeros(v.shape[1:]))
            if step == m.T:
                final = {k: np.array(v) for k, v in mets.items()}
        if step < m.T:
            S, A = m.update(S, A, d, e)
    return dict(final=final,
                mean={k: np.stack(v) for k, v in mean.items()},
                sd={k: np.stack(v) for k, v in sd.items()},
                steps=m.T, runs=runs)


def rows(model: Model, times, mets, run=0):
    """Long-format rows (run, time, metric, actor, partner, lever, value), i != j only;
    real/volume only for levers with a unit (unit_scale > 0), flow only with a flow_scale."""
    A, L = model.actor_ids, model.lever_ids
    N, K = model.N, model.K
    for s, t in enumerate(times):
        ts = _fmt(t)
        for name in ACTOR_METRICS:
            for i in range(N):
                yield (run, ts, name, A[i], "", "", float(mets[name][s, i]))
        for name in PAIR_METRICS:
            for i in range(N):
                for j in range(N):
                    if i != j:
                        yield (run, ts, name, A[i], A[j], "", float(mets[name][s, i, j]))
        for name in LEVER_METRICS + UNIT_METRICS + FLOW_METRICS:
            for k in range(K):
                if name in UNIT_METRICS and not model.unit_scale[k] > 0:
                    continue
                if name in FLOW_METRICS and not model.flow_scale[k] > 0:
                    continue
                for i in range(N):
                    for j in range(N):
                        if i != j:
                            yield (run, ts, name, A[i], A[j], L[k],
                                   float(mets[name][s, k, i, j]))


def _fmt(v: float) -> str:
    """Shortest round-trip decimal, integers without a trailing '.0' (as the engine)."""
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def write_csv(path, model, times, mets):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["run", "time", "metric", "actor", "partner", "lever", "value"])
        for r in rows(model, times, mets):
            w.writerow(r[:6] + (_fmt(r[6]),))


def load(path):
    if path == "-":
        return tomllib.loads(sys.stdin.read())
    with open(path, "rb") as f:
        return tomllib.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("resolved", help="resolved scenario TOML (`smartpower resolve FILE`), or -")
    ap.add_argument("--csv", help="write the deterministic trajectory as long-format CSV")
    ap.add_argument("--ensemble", type=int, metavar="RUNS", help="run a noisy ensemble")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    doc = load(args.resolved)
    if args.ensemble:
        res = ensemble(doc, args.ensemble, args.seed)
        m = Model(doc)
        bal = res["final"]["balance"]
        for i, a in enumerate(m.actor_ids):
            print(f"{a}: final balance mean {bal[:, i].mean():.4f} sd {bal[:, i].std():.4f}")
    if args.csv or not args.ensemble:
        m, times, mets = trajectory(doc)
        if args.csv:
            write_csv(args.csv, m, times, mets)
        else:
            s = len(times) - 1
            for i, a in enumerate(m.actor_ids):
                print(f"{a}: balance {mets['balance'][s, i]:.6f}")


if __name__ == "__main__":
    main()
