"""The emulator's own API under /_emulator (never mixed into an emulated API)."""

from .routes import build_admin

__all__ = ["build_admin"]
