#!/usr/bin/python3
"""numpy_step.py — `make bench`'s NumPy reference: the naive LoRA training step of each
problem written as one would in NumPy (form X = A·Bᵀ, the residual, f, the m×n gradient G,
G·B and Gᵀ·A, the update), timed on random data of the given sizes.

Usage: numpy_step.py KIND:M:N:R:SAMPLES ...  (KIND approx, sensing, regression or classify;
SAMPLES is ignored for approx). Prints one line a spec, "KIND M N R SAMPLES SECONDS" (the
best of 3 windows of about 0.1 s), or the line "numpy: not installed" and exits 0 when NumPy
cannot be imported. The BLAS threads are the environment's (OPENBLAS_NUM_THREADS)."""
import sys
import time

try:
    import numpy as np
except ImportError:
    print("numpy: not installed")
    sys.exit(0)

LR = 1e-6


def make(kind, m, n, r, N, rng):
    d = {"A": rng.standard_normal((m, r)) / m ** 0.5,
         "B": rng.standard_normal((n, r)) / n ** 0.5}
    if kind == "approx":
        d["M"] = rng.standard_normal((m, n))
    elif kind == "sensing":
        d["S"] = rng.standard_normal((m * n, N))
        d["y"] = rng.standard_normal(N)
    else:
        d["W0"] = rng.standard_normal((m, n)) / n ** 0.5
        d["Z"] = rng.standard_normal((n, N))
        d["Y"] = rng.standard_normal((m, N))
        d["labels"] = rng.integers(0, m, N)
    return d


def step(kind, d):
    A, B = d["A"], d["B"]
    X = A @ B.T
    if kind == "approx":
        G = X - d["M"]
        f = 0.5 * np.sum(G * G)
    elif kind == "sensing":
        N = d["y"].shape[0]
        res = d["S"].T @ X.ravel(order="F") - d["y"]
        f = 0.5 * res @ res / N
        G = (d["S"] @ res / N).reshape(X.shape, order="F")
    elif kind == "regression":
        N = d["Z"].shape[1]
        R = (d["W0"] + X) @ d["Z"] - d["Y"]
        f = 0.5 * np.sum(R * R) / N
        G = R @ d["Z"].T / N
    else:  # classify: softmax cross-entropy over the columns
        N = d["Z"].shape[1]
        U = (d["W0"] + X) @ d["Z"]
        mx = U.max(axis=0)
        E = np.exp(U - mx)
        s = E.sum(axis=0)
        cols = np.arange(N)
        f = np.mean(mx + np.log(s) - U[d["labels"], cols])
        P = E / s
        P[d["labels"], cols] -= 1.0
        G = P @ d["Z"].T / N
    GA = G @ B
    GB = G.T @ A
    A -= LR * GA
    B -= LR * GB
    return f


def best_seconds(kind, d):
    t = time.perf_counter()
    step(kind, d)
    one = max(time.perf_counter() - t, 1e-7)
    k = max(3, min(4096, int(0.1 / one)))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(k):
            step(kind, d)
        best = min(best, (time.perf_counter() - t) / k)
    return best


def main():
    rng = np.random.default_rng(1)
    for spec in sys.argv[1:]:
        kind, m, n, r, N = spec.split(":")
        m, n, r, N = int(m), int(n), int(r), int(N)
        d = make(kind, m, n, r, N, rng)
        print(kind, m, n, r, N, "%.9g" % best_seconds(kind, d), flush=True)


main()
