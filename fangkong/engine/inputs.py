"""Checks on the arrays the engine is given: one error type that names the field and the row.

The engine is called by services that turn a bad request into the house error envelope; an
:class:`InputError` carries what they need for it (``field``, ``row``) and a message that names
both, never a value (values may be personal identifiers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Int64 = npt.NDArray[np.int64]


class InputError(ValueError):
    """Bad input to an engine function: ``field`` names the argument, ``row`` the first bad
    position in it (``None`` when the fault is not one row's, e.g. arrays of unequal length)."""

    def __init__(self, field: str, message: str, *, row: int | None = None) -> None:
        where = f" (row {row})" if row is not None else ""
        super().__init__(f"{field}{where}: {message}")
        self.field = field
        self.row = row


def as_int64(field: str, values: npt.ArrayLike) -> Int64:
    """``values`` as a one-dimensional int64 array; refuses floats, booleans and other shapes."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputError(field, "must be a one-dimensional array")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise InputError(field, f"must hold integers, not {array.dtype}")
    return array.astype(np.int64, copy=False)


def as_integers(field: str, values: npt.ArrayLike) -> npt.NDArray[np.integer[Any]]:
    """``values`` as a one-dimensional integer array of their own width (no copy when they
    are one already: large columns stay narrow); refuses what :func:`as_int64` refuses."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputError(field, "must be a one-dimensional array")
    if array.size == 0:
        return array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise InputError(field, f"must hold integers, not {array.dtype}")
    return array


def same_length(**arrays: npt.NDArray[Any]) -> int:
    """The common length of ``arrays``; an :class:`InputError` naming the first that differs."""
    lengths = {name: int(array.shape[0]) for name, array in arrays.items()}
    first = next(iter(lengths.values()))
    for name, length in lengths.items():
        if length != first:
            raise InputError(name, f"has {length} rows where the others have {first}")
    return first


def require(field: str, ok: npt.NDArray[np.bool_], message: str) -> None:
    """Raise an :class:`InputError` at the first row where ``ok`` is false."""
    if ok.size and not bool(ok.all()):
        raise InputError(field, message, row=int(np.argmin(ok)))


def require_positive(field: str, value: int, *, allow_zero: bool = False) -> None:
    """A scalar parameter that must be > 0 (or ≥ 0)."""
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(field, "must be positive" if not allow_zero else "must not be negative")
