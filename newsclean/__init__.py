"""newsclean: clean articles out of polluted Chinese tech-news pages."""

__version__ = "0.1.0"
