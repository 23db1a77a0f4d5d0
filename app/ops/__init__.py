"""Operations: logging, health, metrics, limits, proxy handling (wired by create_app)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the operational pieces on ``app``."""
