#!/usr/bin/env python3
"""Reference fits of scikit-learn's LogisticRegression for test/unit/ml-logreg.test.ts.

Writes test/fixtures/ml/logreg-sklearn.json: small data sets (numpy RandomState with fixed seeds) and, per case,
scikit-learn's coef_, intercept_ (multinomial intercepts centred to sum 0, as src/experiments/ml/logreg.ts reports
them), the objective 1/2*||W||^2 + C*sum(log-loss), predict and predict_proba, once with scikit-learn's defaults
(tol=1e-4, max_iter=100) and once fitted tight (tol=1e-10, max_iter=10000) as the optimum to compare against.

Made with Debian 12's python3-sklearn (scikit-learn 1.2.1, numpy 1.24, scipy 1.10):
    apt-get install -y python3-sklearn
    /usr/bin/python3 scripts/ref/logreg_ref.py > test/fixtures/ml/logreg-sklearn.json
"""
import json
import sys

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss


def blobs(rs, n, d, k, spread):
    centres = rs.normal(0, 1, (k, d)) * spread
    y = np.arange(n) % k
    rs.shuffle(y)
    X = centres[y] + rs.normal(0, 1, (n, d))
    return X, y


def case(name, X, y, C):
    K = int(y.max()) + 1
    out = {"name": name, "n": int(X.shape[0]), "d": int(X.shape[1]), "K": K, "C": C,
           "X": X.tolist(), "y": y.tolist()}
    for key, kw in (("default", {}), ("tight", {"tol": 1e-10, "max_iter": 10000})):
        m = LogisticRegression(penalty="l2", C=C, solver="lbfgs", **kw).fit(X, y)
        coef = m.coef_.copy()
        b = m.intercept_.copy()
        if K > 2:
            b = b - b.mean()
        P = m.predict_proba(X)
        obj = 0.5 * float((coef ** 2).sum()) + C * log_loss(y, P, normalize=False, labels=list(range(K)))
        out[key] = {"coef": coef.tolist(), "intercept": b.tolist(), "objective": obj,
                    "nIter": int(np.max(m.n_iter_)), "predict": m.predict(X).tolist(), "proba": P.tolist()}
    return out


def main():
    cases = []
    rs = np.random.RandomState(0)
    X, y = blobs(rs, 120, 6, 2, 0.8)
    cases.append(case("binary C=1", X, y, 1.0))
    cases.append(case("binary C=0.01", X, y, 0.01))
    rs = np.random.RandomState(1)
    X, y = blobs(rs, 150, 8, 3, 0.9)
    cases.append(case("3 classes C=1", X, y, 1.0))
    cases.append(case("3 classes C=0.01", X, y, 0.01))
    rs = np.random.RandomState(2)
    X, y = blobs(rs, 160, 5, 4, 1.0)
    X = np.hstack([X[:, :2], np.full((X.shape[0], 1), 3.0), X[:, 2:]])
    cases.append(case("4 classes with a constant column C=1", X, y, 1.0))
    rs = np.random.RandomState(3)
    X, y = blobs(rs, 80, 4, 2, 1.0)
    X = np.hstack([X, np.full((X.shape[0], 1), -2.0)])
    cases.append(case("binary with a constant column C=1", X, y, 1.0))
    rs = np.random.RandomState(4)
    X, y = blobs(rs, 60, 3, 2, 6.0)
    cases.append(case("binary separable C=1", X, y, 1.0))
    rs = np.random.RandomState(5)
    X, y = blobs(rs, 90, 4, 3, 8.0)
    cases.append(case("3 classes separable C=1", X, y, 1.0))
    json.dump({"generator": "scripts/ref/logreg_ref.py",
               "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
               "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
