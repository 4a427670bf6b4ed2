"""servicepoints: validate Zhongshan's IP service point registry and publish it."""

__version__ = "0.1.0"
