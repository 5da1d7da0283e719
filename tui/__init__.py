"""hyperpod-tui: a keyboard-driven terminal UI for Amazon SageMaker HyperPod."""

__version__ = "0.1.0"
