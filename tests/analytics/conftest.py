"""Analytics tests need no database of Django's; they run on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Ibis 12 still calls DuckDB 2's deprecated fetch_arrow_table(); harmless, and not ours.
    # Ibis 12 under pandas 3 asks for a pandas option that is going away; also not ours.
    quiet = [
        pytest.mark.filterwarnings(
            "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
        ),
        pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    ]
    for item in items:
        if "tests/analytics/" in str(item.path).replace("\\", "/"):
            for marker in quiet:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def spark_backend():
    """An Ibis backend on one local Apache Spark session shared by every Spark test.

    Skips, saying why, when pyspark or Java is missing.
    """
    import logging
    import os
    import shutil

    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (dev extra)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (17) on the PATH or JAVA_HOME; none found")
    import ibis

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # py4j logs its shutdown from __del__ after pytest closed the streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    session = (
        pyspark.sql.SparkSession.builder.master("local[2]")
        .appName("tandem-analytics-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()
