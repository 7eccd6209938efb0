"""Reading the shipped national editions from ``fangkong/policy/editions/*.json``."""

from __future__ import annotations

from pathlib import Path

from fangkong.policy.schema import EditionFile

EDITIONS_DIR = Path(__file__).resolve().parent / "editions"


def editions_load(directory: Path = EDITIONS_DIR) -> list[EditionFile]:
    """Every edition file, parsed and validated, in file-name order.

    Raises ``pydantic.ValidationError`` for a file that does not match the schema and
    ``ValueError`` when keys repeat or effective dates do not increase with the file order.
    """
    editions = [
        EditionFile.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    ]
    keys = [edition.key for edition in editions]
    if len(set(keys)) != len(keys):
        raise ValueError(f"edition keys repeat: {keys}")
    dates = [edition.effective_from for edition in editions]
    if dates != sorted(set(dates)):
        raise ValueError("edition files must be in increasing effective-date order")
    return editions
