"""orienter: a checked directory of support services and an orientation aid for professionals."""

__version__ = "0.1.0"
