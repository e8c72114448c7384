from setuptools import setup

from hub.build import cmdclass

setup(cmdclass=cmdclass())
