#!/usr/bin/python3
"""Benchmark peer: scikit-learn LogisticRegression, unpenalised, lbfgs.

Usage: /usr/bin/python3 sklearn_peer.py data.csv REPEATS [TOL=1e-10]
  data.csv  columns y,x1,x2,x3 (y in {0,1})
The design [x1, x2, x3, x1*x2, x1*x3, x2*x3] is built once with numpy,
outside the timing; the intercept is fitted by sklearn (fit_intercept=True).
Timed per run:
    LogisticRegression(penalty=None, solver="lbfgs", tol=TOL,
                       max_iter=100000).fit(X, y)
TOL is passed to lbfgs as gtol. sklearn 1.2 also hard-codes scipy's
ftol = 64 * machine eps, and that relative-decrease test is what stops lbfgs
here (same result for TOL = 1e-4 and 1e-10), so the coefficients are only
~1e-5..1e-4 (relative) from the glm/statsmodels MLE: a speed peer, not an
accuracy reference.
Prints ONE line of JSON:
  {"peer","version","medianSeconds","runs","coefficients","iterations","tol"}
Coefficient order: (Intercept), x1, x2, x3, x1:x2, x1:x3, x2:x3.

Bench runner: run this with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE UNSET
(e.g. `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 ...`).
On the Debian 12 reference machine numpy/scipy link the reference BLAS (no
OpenBLAS), where the variables make no difference.
Use /usr/bin/python3 (Debian's python3-sklearn), not a pyenv python.
"""
import gc
import json
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: sklearn_peer.py data.csv REPEATS [TOL]")
    path, repeats = sys.argv[1], int(sys.argv[2])
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-10
    d = pd.read_csv(path, dtype="float64")
    assert list(d.columns) == ["y", "x1", "x2", "x3"], list(d.columns)
    y = d["y"].to_numpy()
    x1, x2, x3 = (d[c].to_numpy() for c in ("x1", "x2", "x3"))
    X = np.column_stack([x1, x2, x3, x1 * x2, x1 * x3, x2 * x3])
    del d

    runs, clf = [], None
    warnings.simplefilter("error")  # ConvergenceWarning (max_iter hit) fails the run
    for _ in range(repeats):
        clf = None
        gc.collect()
        t0 = time.perf_counter()
        clf = LogisticRegression(penalty=None, solver="lbfgs", tol=tol,
                                 max_iter=100000).fit(X, y)
        runs.append(time.perf_counter() - t0)

    coefs = [float(clf.intercept_[0])] + [float(v) for v in clf.coef_[0]]
    print(json.dumps({
        "peer": "sklearn LogisticRegression lbfgs",
        "version": sklearn.__version__,
        "medianSeconds": statistics.median(runs),
        "runs": runs,
        "coefficients": coefs,
        "iterations": int(clf.n_iter_[0]),
        "tol": tol,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
