"""matcher/ and notifier/ stay libraries: importing them loads no web or database framework."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("package, forbidden", [
    ("matcher", ("flask", "sqlalchemy", "policyhub")),
    ("notifier", ("sqlalchemy", "policyhub")),
])
def test_library_imports_stay_clean(package, forbidden):
    modules = [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / package)])]
    assert modules, f"{package} has no modules"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{package} loaded: {result.stdout.strip()}"
