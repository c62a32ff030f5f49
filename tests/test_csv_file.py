"""`reporting.csv_file.write_table` writes the bytes pandas' ``to_csv(index=False)`` writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.csv_file import write_table

floats = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True, width=64)
texts = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é0.-')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.integers(0, 6),
    data=st.data(),
)
def test_a_table_of_numbers_and_texts_is_written_as_pandas_writes_it(
    tmp_path_factory: pytest.TempPathFactory, rows: int, data: st.DataObject
) -> None:
    kinds = data.draw(
        st.lists(st.sampled_from(["float", "text", "inferred text"]), min_size=1, max_size=4)
    )
    table = pd.DataFrame(
        {
            f'{kind} {k}, "x"' if k == 0 else f"{kind}{k}": (
                np.array(data.draw(st.lists(floats, min_size=rows, max_size=rows)), dtype=float)
                if kind == "float"
                else pd.Series(
                    data.draw(st.lists(texts, min_size=rows, max_size=rows)),
                    dtype=object if kind == "text" else None,  # pandas 3 infers its str dtype
                )
            )
            for k, kind in enumerate(kinds)
        }
    )
    folder = tmp_path_factory.mktemp("csv")
    write_table(table, folder / "ours.csv")
    table.to_csv(folder / "pandas.csv", index=False)
    assert (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


def test_the_values_a_sweep_writes_round_trip(tmp_path: Path) -> None:
    values = np.array([0.1, -0.0, 1e16, 1e-5, 123456789.123, 5e-324, np.nan, -np.inf, 2.0 / 3.0])
    table = pd.DataFrame({"x": values, "ruined_on": [""] * 8 + ["2008-10-10"]})
    write_table(table, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "x,ruined_on"
    assert lines[1:4] == ["0.1,", "-0.0,", "1e+16,"]
    assert lines[-1] == "0.6666666666666666,2008-10-10"
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False, na_values=[""])
    np.testing.assert_array_equal(back["x"].to_numpy(), values)


def test_other_kinds_of_column_are_left_to_pandas(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {"n": [1, 2], "flag": [True, False], "when": pd.to_datetime(["2020-01-02"] * 2)}
    )
    write_table(table, tmp_path / "ours.csv")
    table.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
