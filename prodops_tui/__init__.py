"""prodops: a keyboard-first terminal workspace for product managers and product ops."""

__version__ = "0.1.0"
