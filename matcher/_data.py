"""Where the project's data files live (the repository's top-level data/ folder)."""

from pathlib import Path

__all__ = ["DATA_DIR"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
