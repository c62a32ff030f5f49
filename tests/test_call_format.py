"""A call file is checked as a preset is: every problem at once, with its line and a suggestion."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from core.errors import ConfigError
from pipeline.config import build_config
from signals.library import INDICATORS
from strategies.call_format import CallProblems, load_call

CALLS = Path(__file__).resolve().parents[1] / "configs" / "calls"
SCHEMA = json.loads((CALLS / "call.schema.json").read_text())

GOOD = """\
call: trend
params: {level: 0}
books:
  risk_on: {stocks: 1.0}
  risk_off: {bonds: 0.5, cash: 0.5}
signals:
  trend: {price_vs_average: {ticker: SPY, window: 200}}
rules:
  - {name: up, when: trend > level, go: risk_on}
  - {name: down, when: trend < level, go: risk_off}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "call.yaml"
    path.write_text(text)
    return path


def test_a_good_call_reads_into_its_books_signals_and_rules(tmp_path: Path) -> None:
    spec = load_call(_write(tmp_path, GOOD))
    assert [name for name, _ in spec.books] == ["risk_on", "risk_off"]
    assert spec.start == "risk_on"  # the first book, when start is not given
    assert [rule.name for rule in spec.rules] == ["up", "down"]
    assert spec.warnings == ()


def test_a_typo_in_an_indicator_names_the_file_the_line_and_a_suggestion(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("price_vs_average", "price_vs_averag"))
    with pytest.raises(CallProblems) as caught:
        load_call(path)
    assert (
        f"{path}:7: signals.trend.price_vs_averag: unknown indicator; did you mean "
        "price_vs_average?" in str(caught.value)
    )


def test_every_problem_is_reported_at_once_each_on_its_line(tmp_path: Path) -> None:
    text = (
        GOOD.replace("window: 200", "windw: 200")
        .replace("go: risk_off", "go: risk_of")
        .replace("trend > level", "trend > leve")
        .replace("call: trend", "call: trend\nbookz: {}")
    )
    with pytest.raises(CallProblems) as caught:
        load_call(_write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith("4 problems in the call file")
    assert ":2: bookz: unknown key; did you mean books?" in message
    assert (
        ":8: signals.trend.price_vs_average.windw: unknown parameter of price_vs_average; "
        "did you mean window?" in message
    )
    assert ":10: rules.0.when: unknown name 'leve'; did you mean level?" in message
    assert ":11: rules.1.go: 'risk_of' is no book; did you mean risk_off?" in message


def test_a_rule_that_can_never_fire_is_an_error_and_an_unreached_book_a_warning(
    tmp_path: Path,
) -> None:
    never = GOOD + "  - {name: back, when: trend > 1, from: parked, go: risk_on}\n"
    never = never.replace("books:\n", "books:\n  parked: {cash: 1.0}\n").replace(
        "rules:", "start: risk_on\nrules:"
    )
    with pytest.raises(CallProblems, match=r"rules\.2: rule back can never fire"):
        load_call(_write(tmp_path, never))
    unreached = GOOD.replace("books:\n", "books:\n  parked: {cash: 1.0}\n").replace(
        "rules:", "start: risk_on\nrules:"
    )
    spec = load_call(_write(tmp_path, unreached))
    assert any("books.parked: no rule reaches this book" in w for w in spec.warnings)


def test_a_book_that_declares_cash_must_add_up_to_one(tmp_path: Path) -> None:
    with pytest.raises(CallProblems, match=r":5: books.risk_off: weights with cash add up to 0.9"):
        load_call(_write(tmp_path, GOOD.replace("cash: 0.5", "cash: 0.4")))


def test_a_true_false_use_of_a_number_and_a_bad_condition_are_named(tmp_path: Path) -> None:
    text = GOOD.replace("trend > level, go: risk_on", "trend, go: risk_on").replace(
        "trend < level", "trend <"
    )
    with pytest.raises(CallProblems) as caught:
        load_call(_write(tmp_path, text))
    assert "trend is a number, not true/false: compare it" in str(caught.value)
    assert "rules.1.when: expected more after 'trend <'" in str(caught.value)


def test_nothing_in_a_call_file_can_run_code(tmp_path: Path) -> None:
    text = GOOD.replace("call: trend", "call: !!python/object/apply:os.system ['true']")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_call(_write(tmp_path, text))


def test_an_unknown_param_of_the_call_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    with pytest.raises(ConfigError, match=r"strategy.params.leve; did you mean level\?"):
        build_config("call", [f"strategy.file={path}", "strategy.params.leve=1"])
    config = build_config("call", [f"strategy.file={path}", "strategy.params.level=0.05"])
    assert config.strategy.params == {"level": 0.05}


@pytest.mark.parametrize("path", sorted(CALLS.glob("*.yaml")), ids=lambda p: p.name)
def test_the_schema_validates_every_shipped_call_and_the_loader_reads_it(path: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)
    load_call(path)


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    bad = yaml.safe_load(GOOD.replace("price_vs_average", "price_vs_averag"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)
    bad = yaml.safe_load(GOOD.replace("name: up", "nme: up"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_the_shipped_schema_is_the_one_the_vocabulary_makes() -> None:
    """An indicator or keyword added to the loader is in the editor's schema too."""
    from pipeline.call_schema import SCHEMA_PATH, schema, text

    assert SCHEMA_PATH.read_text() == text()
    assert set(schema()["$defs"]["indicators"]) == set(INDICATORS)


def test_describe_call_lists_every_key_indicator_parameter_and_keyword() -> None:
    from pipeline.discovery import describe, listing
    from signals.conditions import KEYWORDS
    from strategies.call_format import TOP_KEYS
    from strategies.call_rules import HOLD_KEYS, PERIODS, RULE_KEYS

    text = describe("call")
    for name, indicator in INDICATORS.items():
        assert f"    {name} ({indicator.gives}): " in text
        for key in indicator.params:
            assert f"        {key}: " in text
    for word in (*TOP_KEYS, *RULE_KEYS, *HOLD_KEYS, *PERIODS, *KEYWORDS):
        assert word in text, word
    for path in CALLS.glob("*.yaml"):
        assert f"configs/calls/{path.name}" in listing()


def test_a_file_a_call_names_outside_its_folder_and_the_working_folder_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = GOOD.replace(
        "signals:\n", "signals:\n  outside: {readings: {file: /etc/passwd, column: x}}\n"
    )
    with pytest.raises(CallProblems, match=r"signals.outside.readings.file: '/etc/passwd' lies"):
        load_call(_write(tmp_path, text))
    beside = text.replace("/etc/passwd", "readings.csv")
    assert load_call(_write(tmp_path, beside)).signals[0][0] == "outside"


def test_a_condition_that_reads_no_signal_and_is_false_can_never_fire(tmp_path: Path) -> None:
    text = GOOD.replace("trend > level, go: risk_on", "level > 1, go: risk_on")
    with pytest.raises(CallProblems, match=r"rules.0.when: the rule can never fire"):
        load_call(_write(tmp_path, text))
