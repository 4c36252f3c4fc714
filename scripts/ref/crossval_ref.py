#!/usr/bin/env python3
"""Reference cross-validation for test/unit/ml-crossval.test.ts: scikit-learn's
make_pipeline(StandardScaler(), LogisticRegression(C, solver='lbfgs')) scored by cross_validate on a PredefinedSplit
(the fold of every row is in the fixture, so our implementation runs the very same split), with accuracy and
f1_macro per fold.

Made with Debian 12's python3-sklearn (scikit-learn 1.2.1, numpy 1.24, scipy 1.10):
    /usr/bin/python3 scripts/ref/crossval_ref.py > test/fixtures/ml/crossval-sklearn.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def case(name, X, y, folds, C):
    pipe = make_pipeline(StandardScaler(), LogisticRegression(penalty="l2", C=C, solver="lbfgs"))
    r = cross_validate(pipe, X, y, cv=PredefinedSplit(folds), scoring=("accuracy", "f1_macro"))
    return {"name": name, "n": int(X.shape[0]), "d": int(X.shape[1]), "K": int(y.max()) + 1, "C": C,
            "X": X.astype(np.float32).astype(float).tolist(), "y": y.tolist(), "folds": folds.tolist(),
            "accuracy": r["test_accuracy"].tolist(), "f1Macro": r["test_f1_macro"].tolist()}


def main():
    cases = []
    rs = np.random.RandomState(10)
    n, d, K = 240, 12, 4
    centres = rs.normal(0, 0.6, (K, d))
    y = rs.randint(0, K, n)
    X = (centres[y] + rs.normal(0, 1, (n, d))) * rs.uniform(0.1, 10, d) + rs.normal(0, 5, d)
    X = X.astype(np.float32).astype(float)  # the engine's features are float32
    folds = rs.permutation(np.arange(n) % 5)
    cases.append(case("4 classes, scaled columns, C=1", X, y, folds, 1.0))
    cases.append(case("4 classes, scaled columns, C=0.05", X, y, folds, 0.05))
    rs = np.random.RandomState(11)
    n, d = 150, 30
    y = (rs.uniform(size=n) < 0.3).astype(int)
    X = rs.normal(0, 1, (n, d)) + 0.8 * y[:, None] * (np.arange(d) < 3)
    X[:, 7] = 2.5  # a constant column
    X = X.astype(np.float32).astype(float)
    folds = rs.permutation(np.arange(n) % 3)
    cases.append(case("binary, unbalanced, a constant column, C=1", X, y, folds, 1.0))
    json.dump({"generator": "scripts/ref/crossval_ref.py", "versions": {"sklearn": sklearn.__version__}, "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
