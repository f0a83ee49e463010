"""Evidence-backed linked data about who supports, recognizes or condemns whom."""

__version__ = "0.1.0"
