"""The public surface: small, explicit, and free of the CLI."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import sensemaking


def test_the_package_exports_exactly_its_all() -> None:
    public = {name for name in dir(sensemaking) if not name.startswith("_")} | {"__version__"}
    assert public == set(sensemaking.__all__)
    for name in sensemaking.__all__:
        assert getattr(sensemaking, name) is not None


def test_every_module_declares_all() -> None:
    for info in pkgutil.walk_packages(sensemaking.__path__, "sensemaking."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name


def test_the_library_never_imports_click() -> None:
    code = (
        "import importlib, pkgutil, sys, sensemaking\n"
        "for i in pkgutil.walk_packages(sensemaking.__path__, 'sensemaking.'):\n"
        "    if '.migrations' not in i.name: importlib.import_module(i.name)\n"
        "print('click' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
