"""svcaudit: audit service-interaction logs against service standards."""

__version__ = "0.1.0"
