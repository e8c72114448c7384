import sys

from setuptools import setup

sys.path.insert(0, "core")
from hub.build import cmdclass  # noqa: E402

setup(cmdclass=cmdclass())
