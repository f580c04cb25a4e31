"""What every analysis shares: where the table lives, the limits of a run, and its timing.

An analysis is a typed input (pydantic) → an Ibis query that runs where the data lives and
returns a small summary → a numeric model on that summary → a typed result. :class:`Analysis`
holds the parts that are the same for all of them, so each analysis writes only its query and
its model.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend
from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import threadpool_limits

from tandem.analytics.errors import InputError, LimitExceededError

FILE_READERS = {".csv": "read_csv", ".parquet": "read_parquet", ".pq": "read_parquet"}


class Params(BaseModel):
    """Base of every analysis input: immutable, and unknown fields are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(Params):
    """How much an analysis may bring from the engine into memory."""

    max_summary_rows: int = Field(
        default=5_000_000,
        gt=0,
        description="Rows one summary may have; past this the run stops with LimitExceededError.",
    )


class Timings(BaseModel):
    """Where the time of a run went: the engine's query, then the numeric model."""

    query_seconds: float = 0.0
    model_seconds: float = 0.0


class Result(BaseModel):
    """Base of every analysis result: the backend that ran the query and the timings."""

    model_config = ConfigDict(frozen=True)

    backend: str = ""
    timings: Timings = Field(default_factory=Timings)


def single_threaded_blas() -> threadpool_limits:
    """Run the block with BLAS on one thread.

    Models here work on small summaries: a multi-threaded BLAS gains nothing on a 4×4 problem,
    and its waiting threads spin, which on a busy machine made each optimizer step many
    times slower.
    """
    return threadpool_limits(limits=1, user_api="blas")


def connect(url: str) -> BaseBackend:
    """Open an Ibis backend from a URL: ``duckdb://``, ``sqlite:///path.db``, ``postgres://…``."""
    return ibis.connect(url)


def open_table(source: Any, *, table: str | None = None) -> ibis.Table:
    """Return an Ibis table from what a caller has at hand.

    ``source`` may be an Ibis table (used as is), a pandas or pyarrow table (run on DuckDB
    in-process), a path to a CSV or Parquet file (read by DuckDB), or a backend URL together
    with the ``table`` name in that database.
    """
    if isinstance(source, ibis.Table):
        return source
    if isinstance(source, pa.Table) or type(source).__name__ == "DataFrame":
        return ibis.memtable(source)
    text = str(source)
    if "://" in text:
        if not table:
            raise InputError("a database URL needs the name of the table to read")
        return connect(text).table(table)
    path = Path(text)
    reader = FILE_READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"cannot read {path.name}: give a .csv or .parquet file")
    if not path.exists():
        raise InputError(f"no such file: {path}")
    return getattr(ibis.duckdb.connect(), reader)(str(path))


InputT = TypeVar("InputT", bound=Params)
SummaryT = TypeVar("SummaryT")
ResultT = TypeVar("ResultT", bound=Result)


class Analysis(ABC, Generic[InputT, SummaryT, ResultT]):
    """One run of an analysis on one table: ``run()`` = ``summarize()`` then ``model()``.

    Subclasses build their Ibis queries in :meth:`summarize` and bring results into memory only
    through :meth:`fetch`, which enforces :class:`Limits`; :meth:`model` is pure numerics on
    the summary. :meth:`run` times both halves and records the backend on the result.
    """

    name: ClassVar[str]

    def __init__(self, table: ibis.Table, params: InputT, *, limits: Limits | None = None):
        self.table = table
        self.params = params
        self.limits = limits or Limits()

    @property
    def backend_name(self) -> str:
        try:
            return str(self.table.get_backend().name)
        except Exception:  # an unbound table has no backend; results say so by an empty name
            return ""

    def fetch(self, expr: ibis.Table, *, what: str) -> pa.Table:
        """Execute ``expr`` on the engine and return at most ``limits.max_summary_rows`` rows."""
        cap = self.limits.max_summary_rows
        rows = expr.limit(cap + 1).to_pyarrow()
        if rows.num_rows > cap:
            raise LimitExceededError(
                f"the {what} has more than {cap:,} rows; raise Limits.max_summary_rows or "
                "group by a coarser key"
            )
        return rows

    @abstractmethod
    def summarize(self) -> SummaryT:
        """Run the relational part on the engine and return the small summary."""

    @abstractmethod
    def model(self, summary: SummaryT) -> ResultT:
        """Fit or solve the numeric model on the summary."""

    def run(self) -> ResultT:
        """Summarize on the engine, model in memory, and return the timed result."""
        started = time.perf_counter()
        summary = self.summarize()
        summarized = time.perf_counter()
        with single_threaded_blas():
            result = self.model(summary)
        finished = time.perf_counter()
        timings = Timings(query_seconds=summarized - started, model_seconds=finished - summarized)
        return result.model_copy(update={"backend": self.backend_name, "timings": timings})
