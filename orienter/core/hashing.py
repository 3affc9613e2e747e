"""The one hash orienter uses (cache keys, file signatures, the dictionary's word set)."""

try:  # hashlib's blake2b itself, without hashlib loading OpenSSL (3 ms of every start-up)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

__all__ = ["blake2b"]
