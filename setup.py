"""Which packages raremap installs; everything else is in pyproject.toml.

The code is found under src/ (setuptools' find, so a new subpackage needs no list to be kept);
the bundled sample releases in data/ are installed as the package raremap.sample, with their
folders as its package data. pyproject.toml alone cannot say both: its ``packages.find``
searches trees whose folder names are the package names.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(where="src"), "raremap.sample"])
