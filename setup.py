"""Bundles the npm front-end assets (YASGUI, Cytoscape.js) into the package when it is built, from package-lock.json."""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ASSETS = runpy.run_path(str(ROOT / "linkeddata" / "serve" / "vendor_assets.py"))


class BuildPyWithVendorAssets(build_py):
    """build_py, then copy each served npm file into linkeddata/serve/vendor/<name>/ of the build."""

    def run(self) -> None:
        super().run()
        modules = ROOT / "node_modules"
        if not modules.is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], cwd=ROOT, check=True)
        for name, (folder, files) in ASSETS["VENDOR_ASSETS"].items():
            target = Path(self.build_lib) / "linkeddata" / "serve" / ASSETS["PACKAGED_FOLDER"] / name
            target.mkdir(parents=True, exist_ok=True)
            for file_name in files:
                shutil.copyfile(modules / folder / file_name, target / file_name)


setup(cmdclass={"build_py": BuildPyWithVendorAssets})
