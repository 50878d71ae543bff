"""scrapyd-deploy builds its egg with ``setup.py``; all configuration lives in pyproject.toml."""

from setuptools import setup

setup()
