"""Limits on what a file may be, shared by the loader and the cache (which must not import YAML)."""

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000
