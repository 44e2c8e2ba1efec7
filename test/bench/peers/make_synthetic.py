#!/usr/bin/python3
"""Write the synthetic benchmark CSV used to try the peers.

Usage: /usr/bin/python3 make_synthetic.py OUT.csv [N=1000000] [SEED=20240501]
Columns y,x1,x2,x3:  x1 ~ Bernoulli(0.5), x2, x3 ~ U(0,1),
logit P(y=1) = -2 + 3*x1*x3 + 2*x1*x2 + 0.5*x2.
True coefficients in peer order [(Intercept), x1, x2, x3, x1:x2, x1:x3, x2:x3]:
[-2, 0, 0.5, 0, 2, 3, 0].  Floats are written with 17 significant digits, so
every reader gets exactly the same doubles.
"""
import sys

import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20240501
rng = np.random.default_rng(seed)
x1 = (rng.random(n) < 0.5).astype(np.int64)
x2 = rng.random(n)
x3 = rng.random(n)
eta = -2.0 + 3.0 * x1 * x3 + 2.0 * x1 * x2 + 0.5 * x2
y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int64)
with open(out, "w", newline="\n") as fh:
    fh.write("y,x1,x2,x3\n")
    np.savetxt(fh, np.column_stack([y, x1, x2, x3]), fmt=["%d", "%d", "%.17g", "%.17g"],
               delimiter=",")
