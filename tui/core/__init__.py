"""The domain and the AWS I/O. Nothing in this package may import textual (a test enforces it)."""
