"""Pure computation over arrays and frames (NumPy, Polars, DuckDB, PyArrow) — no Django.

Each module takes plain arrays (or frames) and parameters and returns plain arrays, so that it
can be tested and benchmarked on its own, run in a worker, and cross-checked against a direct
SQL formulation:

- :mod:`fangkong.engine.copresence`: close-contact candidates — stays at venues that overlap a
  case's trajectory visits, from a prepared (venue, check-in) index;
- :mod:`fangkong.engine.companions`: spatiotemporal companions (时空伴随) — overlap of dwell
  intervals in grid cells with the cases' own, summed per pair through each case's presence
  function in the cell (no pair of intervals expanded);
- :mod:`fangkong.engine.chains`: transmission chains — clusters, generations, root sources
  and growth of a case–contact graph given as edge arrays.

Thresholds and windows are arguments: the caller reads them from the active rule set
(``fangkong.policy``), which this package does not import.
"""
