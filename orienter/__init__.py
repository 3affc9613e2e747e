"""orienter: a checked directory of support services and an orientation aid for professionals."""

__version__ = "0.2.0"  # same as pyproject.toml and CHANGELOG.md (tests/test_schema.py)
