"""mtqa: machine-translation quality checks for Arabic and Persian news translated to English."""

__version__ = "0.1.0"
