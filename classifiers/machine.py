"""The machine signature recorded with every trained model.

Training is deterministic on one machine, but the floating-point kernels numpy, scipy and
OpenBLAS pick at run time depend on the CPU (AVX2 or AVX-512 paths sum in other orders), so
the same code and data give slightly different arrays on another processor. The signature
names what chooses those kernels; two machines with the same signature rebuild the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import platform


def _dispatch_targets() -> list[str]:
    """The CPU dispatch targets numpy enables on this machine (its kernel choice)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


def _blas() -> list[dict]:
    """The BLAS libraries loaded (after numpy, scipy and scikit-learn), with the CPU core type
    OpenBLAS chose for its kernels."""
    import scipy.linalg  # noqa: F401 - loads scipy's BLAS so that it is listed
    import sklearn  # noqa: F401
    from threadpoolctl import threadpool_info

    keep = ("internal_api", "version", "architecture", "threading_layer")
    rows = [{k: lib.get(k) for k in keep} for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def signature() -> dict:
    """What decides the training arithmetic on this machine."""
    import numpy
    import scipy
    import sklearn

    return {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit_learn": sklearn.__version__,
        "numpy_dispatch": _dispatch_targets(),
        "blas": _blas(),
    }


def signature_id(sig: dict) -> str:
    """A short stable name of a signature, for the card and messages."""
    return hashlib.sha256(json.dumps(sig, sort_keys=True).encode()).hexdigest()[:12]


def describe(sig: dict) -> str:
    """One line for people: CPU targets, BLAS, library versions."""
    blas = ", ".join(f"{b['internal_api']} {b['version']} ({b['architecture']})" for b in sig.get("blas", []))
    return (
        f"{sig.get('machine')}, numpy {sig.get('numpy')} dispatch {'+'.join(sig.get('numpy_dispatch', [])) or 'baseline'}, "
        f"BLAS {blas or 'none'}, scipy {sig.get('scipy')}, scikit-learn {sig.get('scikit_learn')}, "
        f"Python {sig.get('python')}"
    )
