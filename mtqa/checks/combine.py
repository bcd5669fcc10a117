"""The combiner: a logistic regression over evidence features, one per mode, read from JSON.

``configs/garble_model.json`` is written by ``benchmarks/garble/run.py`` (never by hand). For
each mode (``source``: no translation; ``translated``: source and translation evidence) it holds
the feature names, the standardisation (means, scales), the weights and the bias:

    p = 1 / (1 + exp(-(bias + Σ_i w_i · (x_i − mean_i) / scale_i)))

A feature missing from a passage's evidence (e.g. Seq-Logprob of a feed-supplied translation)
is imputed with its training mean, so it contributes nothing. ``calib`` holds thresholds for the
continuous checks' flags, fitted on clean text by the same script.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtqa.errors import ModelError

FORMAT = "mtqa-garble-model-1"
MODES = ("source", "translated")


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def prob(self, evidence: Mapping[str, float]) -> float:
        z = self.bias
        for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            x = evidence.get(f)
            if x is None or not math.isfinite(x):
                continue
            z += w * (x - m) / s
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def contributions(self, evidence: Mapping[str, float]) -> dict[str, float]:
        """Each feature's term of the logit (for explaining a score)."""
        out = {}
        for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights, strict=True):
            x = evidence.get(f)
            if x is not None and math.isfinite(x):
                out[f] = w * (x - m) / s
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Logistic:
        n = len(d["features"])
        if not (len(d["mean"]) == len(d["scale"]) == len(d["weights"]) == n):
            raise ModelError("garble model: feature, mean, scale and weight lists differ in length")
        if any(float(s) <= 0 for s in d["scale"]):
            raise ModelError("garble model: scales must be positive")
        return cls(tuple(d["features"]), tuple(float(x) for x in d["mean"]),
                   tuple(float(x) for x in d["scale"]), tuple(float(x) for x in d["weights"]),
                   float(d["bias"]))


@dataclass(frozen=True)
class GarbleModel:
    models: dict[str, Logistic]
    calib: dict[str, float]
    meta: dict[str, Any]
    sha256: str

    def prob(self, evidence: Mapping[str, float], mode: str) -> float:
        return self.models[mode].prob(evidence)


_CACHE: dict[str, GarbleModel] = {}


def load_model(path: Path) -> GarbleModel:
    """Read (and cache) the fitted model file; a ModelError names what is wrong."""
    key = str(path)
    if key in _CACHE:
        return _CACHE[key]
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise ModelError(f"{path}: garble model missing (run: python -m benchmarks.garble.run)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read garble model ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"{path}: not a {FORMAT} file")
    try:
        models = {m: Logistic.from_dict(data["models"][m]) for m in MODES}
        calib = {k: float(v) for k, v in data.get("calib", {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: malformed garble model ({exc})") from None
    model = GarbleModel(models, calib, data.get("meta", {}), hashlib.sha256(raw).hexdigest())
    _CACHE[key] = model
    return model


def save_model(path: Path, models: Mapping[str, Logistic], calib: Mapping[str, float],
               meta: Mapping[str, Any]) -> None:
    data = {"format": FORMAT, "meta": dict(meta), "calib": dict(calib),
            "models": {m: models[m].to_dict() for m in MODES}}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _CACHE.pop(str(path), None)


def fit_logistic(x: Sequence[Sequence[float]], y: Sequence[int], features: Sequence[str],
                 c: float = 1.0, seed: int = 0) -> Logistic:
    """Standardise and fit an L2-regularised logistic regression (scikit-learn, lbfgs)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xa = np.asarray(x, dtype=np.float64)
    mean = xa.mean(axis=0)
    scale = xa.std(axis=0)
    scale[scale < 1e-9] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    clf.fit((xa - mean) / scale, np.asarray(y))
    return Logistic(tuple(features), tuple(float(v) for v in mean), tuple(float(v) for v in scale),
                    tuple(float(v) for v in clf.coef_[0]), float(clf.intercept_[0]))
