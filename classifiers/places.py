"""Where models are read from and written to.

The bundled models live inside the package. A source checkout keeps retrained models there too;
an installed package (site-packages, or any folder this user cannot write) keeps them in the user
data folder instead, and the default lookup prefers what the user installed over what shipped.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PACKAGE_MODELS_DIR = Path(__file__).resolve().parent / "models"
PACKAGE_SPIN_DIR = Path(__file__).resolve().parent / "spin"
PACKAGE_SPAM_LM_DIR = Path(__file__).resolve().parent / "spamlm"
DATA_HOME_ENV = "NEWSCLEAN_DATA_HOME"  # the user data folder (tests point it at a temporary one)
BUNDLED_ENV = "NEWSCLEAN_BUNDLED_MODELS"  # another folder to treat as the package's models folder
MODEL_ENV = "NEWSCLEAN_MODEL"


def data_home() -> Path:
    """``$NEWSCLEAN_DATA_HOME``, else platformdirs' user data folder (~/.local/share/newsclean)."""
    explicit = os.environ.get(DATA_HOME_ENV)
    if explicit:
        return Path(explicit)
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsclean", appauthor=False))


def bundled_models_dir() -> Path:
    return Path(os.environ.get(BUNDLED_ENV) or PACKAGE_MODELS_DIR)


def bundled_active_dir() -> Path:
    return bundled_models_dir() / "active"


def user_models_dir() -> Path:
    return data_home() / "models"


def user_active_dir() -> Path:
    return user_models_dir() / "active"


def is_source_checkout(models_dir: Path) -> bool:
    """models/ under classifiers/ of a project folder with pyproject.toml: not an installed copy."""
    return (models_dir.parent.parent / "pyproject.toml").is_file()


def writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, not guessed from mode bits)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            return True
    except OSError:
        return False


def models_home() -> Path:
    """Where ``newsclean train`` writes candidates and installs the active model: the package's
    models folder in a writable source checkout, else the user data folder's ``models``."""
    bundled = bundled_models_dir()
    if is_source_checkout(bundled) and writable(bundled):
        return bundled
    return user_models_dir()


def default_model() -> tuple[Path | None, str]:
    """The model a bare ``load_classifier()`` uses and why: ``$NEWSCLEAN_MODEL``, else a model
    the user installed (``<data home>/models/active``), else the bundled one (None when the
    package is zipped and it has to be unpacked)."""
    explicit = os.environ.get(MODEL_ENV)
    if explicit:
        return Path(explicit), f"${MODEL_ENV}"
    user = user_active_dir()
    if user.exists():  # present but broken is an error, never a silent fall back to the bundled one
        return user, "user-installed"
    bundled = bundled_active_dir()
    return (bundled if bundled.is_dir() else None), "bundled"


def has_default_data() -> bool:
    """Whether ../shared/data (or $NEWSCLEAN_SHARED/data) is there to train from. (Here, not in
    corpora.py: that file's bytes are part of every model id.)"""
    from newsclean.core.paths import shared_dir

    base = shared_dir()
    return base is not None and (base / "data").is_dir()


def spin_home() -> Path:
    """Where ``spin_train`` writes by default (same rule as :func:`models_home`)."""
    return _home(PACKAGE_SPIN_DIR)


def default_spin_model() -> tuple[Path, str]:
    """A spin model the user trained (``<data home>/spin``), else the bundled one."""
    return _trained_or_bundled(PACKAGE_SPIN_DIR)


def spam_lm_home() -> Path:
    """Where ``spamlm`` writes the spam vocabulary model by default."""
    return _home(PACKAGE_SPAM_LM_DIR)


def default_spam_lm() -> tuple[Path, str]:
    """A spam vocabulary model the user built (``<data home>/spamlm``), else the bundled one."""
    return _trained_or_bundled(PACKAGE_SPAM_LM_DIR)


def _home(package_dir: Path) -> Path:
    """The package's folder in a writable source checkout, else its namesake in the data home."""
    if is_source_checkout(package_dir.parent / "models") and writable(package_dir):
        return package_dir
    return data_home() / package_dir.name


def _trained_or_bundled(package_dir: Path) -> tuple[Path, str]:
    user = data_home() / package_dir.name
    if (user / "model.json").exists() or (user / "model.npz").exists():
        return user, "user-installed"
    return package_dir, "bundled"
