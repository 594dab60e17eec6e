"""The version of tagger, in a module of its own: anything may import it without importing the package top."""

__version__ = "0.1.0"

__all__ = ["__version__"]
