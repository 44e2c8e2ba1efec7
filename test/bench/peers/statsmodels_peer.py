#!/usr/bin/python3
"""Benchmark peer: statsmodels Logit (Newton-Raphson) with pairwise interactions.

Usage: /usr/bin/python3 statsmodels_peer.py data.csv REPEATS
       /usr/bin/python3 statsmodels_peer.py data.csv serve
  data.csv  columns y,x1,x2,x3 (y in {0,1})
  serve     one timed run per line on stdin, one JSON line
            {"seconds","iterations","coefficients"} each (for interleaved timing)
The design X = [1, x1, x2, x3, x1*x2, x1*x3, x2*x3] is built once with numpy,
outside the timing (no patsy/formula cost). Each run builds
model = sm.Logit(y, X) untimed (statsmodels checks y and computes rank(X) with
an SVD there; its median is reported separately as modelInitMedianSeconds)
and times only
    model.fit(method="newton", tol=1e-8, maxiter=100, disp=0)
i.e. Newton to convergence (|step| < 1e-8 for every parameter; Newton is
quadratic, so the result is the MLE to ~1e-13).
Prints ONE line of JSON:
  {"peer","version","medianSeconds","runs","coefficients","iterations",
   "modelInitMedianSeconds"}
Coefficient order: (Intercept), x1, x2, x3, x1:x2, x1:x3, x2:x3.

Bench runner: run this with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE UNSET
(e.g. `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ...`) so
the BLAS picks its own kernels. On the Debian 12 reference machine numpy links
the reference BLAS (no OpenBLAS), where the variables make no difference.
Use /usr/bin/python3 (Debian's python3-statsmodels), not a pyenv python.
"""
import gc
import json
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: statsmodels_peer.py data.csv REPEATS|serve")
    path, repeats_arg = sys.argv[1], sys.argv[2]
    d = pd.read_csv(path, dtype="float64")
    assert list(d.columns) == ["y", "x1", "x2", "x3"], list(d.columns)
    y = d["y"].to_numpy()
    x1, x2, x3 = (d[c].to_numpy() for c in ("x1", "x2", "x3"))
    X = np.column_stack([np.ones_like(x1), x1, x2, x3, x1 * x2, x1 * x3, x2 * x3])
    del d

    warnings.simplefilter("error")  # a ConvergenceWarning must fail the run
    if repeats_arg == "serve":
        # One timed fit per line read from stdin, one JSON line each: the bench interleaves these
        # with kernel-lib's runs (test/bench/fitParallel.mjs) so that all see the same machine load.
        for _ in sys.stdin:
            init, seconds, res = timed_fit(y, X)
            print(json.dumps({"seconds": seconds, "iterations": int(res.mle_retvals["iterations"]),
                              "coefficients": [float(v) for v in res.params]}, separators=(",", ":")), flush=True)
        return
    runs, inits, res = [], [], None
    for _ in range(int(repeats_arg)):
        res = None
        init, seconds, res = timed_fit(y, X)
        inits.append(init)
        runs.append(seconds)

    print(json.dumps({
        "peer": "statsmodels Logit newton",
        "version": statsmodels.__version__,
        "medianSeconds": statistics.median(runs),
        "runs": runs,
        "coefficients": [float(v) for v in res.params],
        "iterations": int(res.mle_retvals["iterations"]),
        "modelInitMedianSeconds": statistics.median(inits),
    }, separators=(",", ":")))


def timed_fit(y, X):
    """One run: Logit(y, X) untimed (its own seconds), then the timed Newton fit to convergence."""
    gc.collect()
    t0 = time.perf_counter()
    model = sm.Logit(y, X)
    init = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = model.fit(method="newton", tol=1e-8, maxiter=100, disp=0)
    seconds = time.perf_counter() - t0
    if not res.mle_retvals["converged"]:
        raise RuntimeError("statsmodels Logit did not converge")
    return init, seconds, res


if __name__ == "__main__":
    main()
