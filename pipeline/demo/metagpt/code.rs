//! Engineer (write a Python function) and QA (write pytest tests for it)
//! calls over one catalogue of function specs: the code and the tests are
//! both filled from the same slots, so the tests pass against the code.

use super::super::pii::{Kind, Place};
use super::super::words::fill;
use super::super::{meta_plain, Call, Gen, Task};

struct FnSpec {
    names: &'static [&'static str],
    modules: &'static [&'static str],
    /// range of `{N}`
    n: (u64, u64),
    desc: &'static str,
    code: &'static str,
    test: &'static str,
}

const SPECS: &[FnSpec] = &[
    FnSpec {
        names: &["chunk_list", "batched", "split_into_batches"],
        modules: &["batching", "utils", "list_utils"],
        n: (2, 9),
        desc: "split a list into consecutive batches of at most {N} items (the batch size is a parameter defaulting to {N}; the last batch may be shorter) and raise ValueError when the batch size is not positive",
        code: r#"from typing import Any


def {FN}(items: list[Any], size: int = {N}) -> list[list[Any]]:
    """Split ``items`` into consecutive batches of at most ``size`` elements.

    Args:
        items: The list to split.
        size: Maximum batch size, {N} by default.

    Returns:
        The batches in order; the last one may be shorter.

    Raises:
        ValueError: If ``size`` is not positive.
    """
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size] for i in range(0, len(items), size)]
"#,
        test: r#"import pytest

from {MOD} import {FN}


def test_splits_into_batches_of_{N}():
    batches = {FN}(list(range({N2})), {N})
    assert batches == [list(range({N})), list(range({N}, {N2}))]


def test_last_batch_is_shorter():
    batches = {FN}(list(range({NP1})), {N})
    assert batches[-1] == [{N}]
    assert len(batches) == 2


def test_default_size_is_{N}():
    assert len({FN}(list(range({N2})))[0]) == {N}


def test_empty_input():
    assert {FN}([]) == []


@pytest.mark.parametrize("size", [0, -3])
def test_rejects_non_positive_size(size):
    with pytest.raises(ValueError):
        {FN}([1, 2, 3], size)
"#,
    },
    FnSpec {
        names: &["moving_average", "rolling_mean", "sma"],
        modules: &["stats", "timeseries", "metrics"],
        n: (2, 7),
        desc: "return the simple moving average of a list of floats over a window of {N} points (window is a parameter defaulting to {N}); the result has len(values) - window + 1 elements, is empty for shorter input, and a non-positive window raises ValueError",
        code: r#"from collections import deque


def {FN}(values: list[float], window: int = {N}) -> list[float]:
    """Return the simple moving average of ``values`` over ``window`` points.

    The result has ``len(values) - window + 1`` elements and is empty when
    there are fewer values than the window.
    """
    if window <= 0:
        raise ValueError("window must be positive")
    out: list[float] = []
    buf: deque[float] = deque()
    total = 0.0
    for v in values:
        buf.append(v)
        total += v
        if len(buf) > window:
            total -= buf.popleft()
        if len(buf) == window:
            out.append(total / window)
    return out
"#,
        test: r#"import pytest

from {MOD} import {FN}


def test_constant_series():
    assert {FN}([5.0] * {N2}, {N}) == [5.0] * {NP1}


def test_first_window_of_increasing_series():
    result = {FN}(list(range(1, {N2} + 1)), {N})
    assert result[0] == pytest.approx(({N} + 1) / 2)
    assert len(result) == {NP1}


def test_shorter_than_window_is_empty():
    assert {FN}([1.0] * ({N} - 1), {N}) == []


def test_invalid_window():
    with pytest.raises(ValueError):
        {FN}([1.0, 2.0], 0)
"#,
    },
    FnSpec {
        names: &["dedupe_{ENTS}", "unique_{ENTS}_by_{KEY}", "drop_duplicate_{ENTS}"],
        modules: &["{ENT}_utils", "cleaning", "{ENT}_etl"],
        n: (1, 1),
        desc: "remove duplicate {ENT} records (dicts) that share the same \"{KEY}\" value, keeping the first occurrence and the original order",
        code: r#"def {FN}({ENTS}: list[dict]) -> list[dict]:
    """Remove duplicate {ENT} records, keeping the first occurrence of each ``{KEY}``.

    Records without ``{KEY}`` are treated as having the key ``None``.
    """
    seen: set = set()
    result: list[dict] = []
    for record in {ENTS}:
        key = record.get("{KEY}")
        if key in seen:
            continue
        seen.add(key)
        result.append(record)
    return result
"#,
        test: r#"from {MOD} import {FN}


def test_keeps_first_occurrence():
    rows = [{"{KEY}": "a", "n": 1}, {"{KEY}": "b", "n": 2}, {"{KEY}": "a", "n": 3}]
    assert {FN}(rows) == [{"{KEY}": "a", "n": 1}, {"{KEY}": "b", "n": 2}]


def test_preserves_order_and_empty():
    assert {FN}([]) == []
    rows = [{"{KEY}": k} for k in ["z", "y", "z", "x"]]
    assert [r["{KEY}"] for r in {FN}(rows)] == ["z", "y", "x"]


def test_missing_key_is_treated_as_none():
    rows = [{"other": 1}, {"other": 2}]
    assert len({FN}(rows)) == 1
"#,
    },
    FnSpec {
        names: &["total_{NUM}_by_{KEY}", "sum_{NUM}_per_{KEY}"],
        modules: &["{ENT}_reports", "aggregations", "reporting"],
        n: (1, 40),
        desc: "sum the \"{NUM}\" field of a list of {ENT} dicts grouped by their \"{KEY}\" field, returning a dict of floats where a missing or empty {NUM} counts as 0",
        code: r#"from collections import defaultdict


def {FN}({ENTS}: list[dict]) -> dict[str, float]:
    """Sum the ``{NUM}`` of each {ENT} grouped by ``{KEY}``; missing values count as 0."""
    totals: dict[str, float] = defaultdict(float)
    for row in {ENTS}:
        totals[row["{KEY}"]] += float(row.get("{NUM}", 0) or 0)
    return dict(totals)
"#,
        test: r#"from {MOD} import {FN}


def test_groups_and_sums():
    rows = [
        {"{KEY}": "north", "{NUM}": 10},
        {"{KEY}": "south", "{NUM}": 5},
        {"{KEY}": "north", "{NUM}": {N}},
    ]
    assert {FN}(rows) == {"north": {NP10}.0, "south": 5.0}


def test_missing_value_counts_as_zero():
    assert {FN}([{"{KEY}": "x"}]) == {"x": 0.0}


def test_empty():
    assert {FN}([]) == {}
"#,
    },
    FnSpec {
        names: &["slugify", "make_slug", "to_slug"],
        modules: &["text_utils", "urls", "slugs"],
        n: (20, 60),
        desc: "turn a title into a lowercase ASCII URL slug (accents stripped, runs of other characters replaced by a single hyphen, no leading or trailing hyphen) of at most {N} characters",
        code: r#"import re
import unicodedata


def {FN}(text: str, max_length: int = {N}) -> str:
    """Turn ``text`` into a lowercase URL slug of at most ``max_length`` characters."""
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")
    return slug[:max_length].rstrip("-")
"#,
        test: r#"from {MOD} import {FN}


def test_basic():
    assert {FN}("Hello, World!") == "hello-world"


def test_accents_are_stripped():
    assert {FN}("Crème brûlée recipe") == "creme-brulee-recipe"


def test_max_length_{N}():
    slug = {FN}("word " * 50)
    assert len(slug) <= {N}
    assert not slug.endswith("-")


def test_only_symbols():
    assert {FN}("!!!") == ""
"#,
    },
    FnSpec {
        names: &["parse_duration", "duration_to_seconds"],
        modules: &["durations", "timeutils"],
        n: (1, 1),
        desc: "convert a duration string such as \"1h30m\", \"45s\" or \"2d 4h\" (units d, h, m, s; spaces allowed) into a number of seconds, raising ValueError for anything else",
        code: r#"import re

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([dhms])")


def {FN}(text: str) -> int:
    """Convert a duration like ``"1h30m"`` or ``"2d 4h"`` into seconds."""
    text = text.replace(" ", "").lower()
    if not text or _PART.sub("", text):
        raise ValueError(f"invalid duration: {text!r}")
    return sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))
"#,
        test: r#"import pytest

from {MOD} import {FN}


@pytest.mark.parametrize(
    "text, expected",
    [("1h30m", 5400), ("45s", 45), ("2d 4h", 187200), ("{H}h{M}m", {SECS})],
)
def test_valid(text, expected):
    assert {FN}(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "10x", "5 minutes"])
def test_invalid(text):
    with pytest.raises(ValueError):
        {FN}(text)
"#,
    },
    FnSpec {
        names: &["merge_intervals", "merge_ranges", "coalesce_slots"],
        modules: &["intervals", "calendar_utils", "scheduling"],
        n: (4, 9),
        desc: "merge overlapping or touching closed integer intervals given as (start, end) tuples and return them sorted by start; an interval with start > end raises ValueError",
        code: r#"def {FN}(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching closed intervals, sorted by start."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if start > end:
            raise ValueError(f"invalid interval ({start}, {end})")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
"#,
        test: r#"import pytest

from {MOD} import {FN}


def test_overlapping():
    assert {FN}([(1, 3), (2, {N}), ({NP10}, {NP20})]) == [(1, {N}), ({NP10}, {NP20})]


def test_touching_and_unsorted():
    assert {FN}([(5, 7), (1, 5)]) == [(1, 7)]


def test_empty():
    assert {FN}([]) == []


def test_invalid():
    with pytest.raises(ValueError):
        {FN}([(3, 1)])
"#,
    },
    FnSpec {
        names: &["retry", "with_retries", "retrying"],
        modules: &["resilience", "retry_utils", "http_client"],
        n: (2, 5),
        desc: "a decorator factory that retries the wrapped function up to {N} attempts (max_attempts, default {N}) when it raises one of the given exceptions (default Exception), sleeping {D} seconds between attempts and re-raising the last error",
        code: r#"import functools
import time


def {FN}(max_attempts: int = {N}, delay: float = {D}, exceptions: tuple = (Exception,)):
    """Retry the decorated function up to ``max_attempts`` times, sleeping ``delay`` seconds between attempts."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, max_attempts + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    if attempt == max_attempts:
                        raise
                    time.sleep(delay)

        return wrapper

    return decorator
"#,
        test: r#"import pytest

from {MOD} import {FN}


def test_succeeds_after_failures(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = {"n": 0}

    @{FN}(max_attempts={N})
    def flaky():
        calls["n"] += 1
        if calls["n"] < {N}:
            raise RuntimeError("boom")
        return "ok"

    assert flaky() == "ok"
    assert calls["n"] == {N}


def test_gives_up_after_{N}_attempts(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = {"n": 0}

    @{FN}(max_attempts={N})
    def always_fails():
        calls["n"] += 1
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        always_fails()
    assert calls["n"] == {N}


def test_other_exceptions_are_not_retried():
    @{FN}(exceptions=(KeyError,))
    def bad():
        raise ValueError("no")

    with pytest.raises(ValueError):
        bad()
"#,
    },
    FnSpec {
        names: &["top_{ENTS}_by_{NUM}", "best_{ENTS}", "highest_{NUM}_{ENTS}"],
        modules: &["ranking", "{ENT}_analytics"],
        n: (2, 5),
        desc: "return the {N} {ENTS} (dicts) with the highest \"{NUM}\", highest first, keeping input order for ties (k is a parameter defaulting to {N}; k <= 0 returns an empty list)",
        code: r#"import heapq


def {FN}({ENTS}: list[dict], k: int = {N}) -> list[dict]:
    """Return the ``k`` {ENTS} with the highest ``{NUM}``, highest first (ties keep input order)."""
    if k <= 0:
        return []
    return heapq.nlargest(k, {ENTS}, key=lambda row: row["{NUM}"])
"#,
        test: r#"from {MOD} import {FN}


def test_returns_top_{N}():
    rows = [{"id": i, "{NUM}": i * 10} for i in range({N2})]
    top = {FN}(rows)
    assert [r["id"] for r in top] == list(range({N2} - 1, {N} - 1, -1))


def test_k_larger_than_input():
    rows = [{"id": 1, "{NUM}": 3}]
    assert {FN}(rows, k=5) == rows


def test_non_positive_k():
    assert {FN}([{"id": 1, "{NUM}": 3}], k=0) == []
"#,
    },
    FnSpec {
        names: &["order_total", "compute_total", "checkout_total"],
        modules: &["pricing", "checkout", "cart"],
        n: (5, 25),
        desc: "compute an order total from (quantity, unit price as Decimal) lines: subtract the discount of an optional code (WELCOME10 = 10%, VIP20 = 20%, unknown codes raise KeyError), add {N}% tax and round half-up to cents",
        code: r#"from decimal import ROUND_HALF_UP, Decimal

TAX_RATE = Decimal("{RATE}")
DISCOUNTS = {"WELCOME10": Decimal("0.10"), "VIP20": Decimal("0.20")}


def {FN}(lines: list[tuple[int, Decimal]], code: str | None = None) -> Decimal:
    """Sum quantity x unit price, apply the discount for ``code``, add {N}% tax, round to cents."""
    subtotal = sum((Decimal(qty) * price for qty, price in lines), Decimal("0"))
    if code is not None:
        if code not in DISCOUNTS:
            raise KeyError(f"unknown discount code {code!r}")
        subtotal -= subtotal * DISCOUNTS[code]
    total = subtotal * (1 + TAX_RATE)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
"#,
        test: r#"from decimal import Decimal

import pytest

from {MOD} import {FN}


def test_total_with_{N}_percent_tax():
    assert {FN}([(2, Decimal("10.00"))]) == Decimal("{TOTAL1}")


def test_discount_code():
    assert {FN}([(1, Decimal("50.00"))], "WELCOME10") == Decimal("{TOTAL2}")


def test_unknown_code():
    with pytest.raises(KeyError):
        {FN}([(1, Decimal("1.00"))], "BOGUS")


def test_empty_order():
    assert {FN}([]) == Decimal("0.00")
"#,
    },
    FnSpec {
        names: &["top_words", "most_common_words", "keyword_counts"],
        modules: &["text_stats", "nlp_utils"],
        n: (3, 10),
        desc: "return the {N} most frequent words of a text as (word, count) tuples, case-insensitive, ignoring the stop words the, a, an, and, or, of, to, in, is, it (n is a parameter defaulting to {N})",
        code: r#"import re
from collections import Counter

STOP_WORDS = {"the", "a", "an", "and", "or", "of", "to", "in", "is", "it"}


def {FN}(text: str, n: int = {N}) -> list[tuple[str, int]]:
    """Return the ``n`` most frequent words of ``text`` (case-insensitive, stop words excluded)."""
    words = re.findall(r"[a-z']+", text.lower())
    counts = Counter(w for w in words if w not in STOP_WORDS)
    return counts.most_common(n)
"#,
        test: r#"from {MOD} import {FN}


def test_counts_and_order():
    text = "apple banana apple cherry banana apple"
    assert {FN}(text, 2) == [("apple", 3), ("banana", 2)]


def test_stop_words_and_case():
    assert {FN}("The cat and THE dog", {N}) == [("cat", 1), ("dog", 1)]


def test_default_n_is_{N}():
    text = " ".join(("word" + "x" * i + " ") * (i + 1) for i in range({N} + 5))
    assert len({FN}(text)) == {N}
"#,
    },
    FnSpec {
        names: &["TokenBucket", "RateLimiter", "Throttle"],
        modules: &["rate_limit", "throttling"],
        n: (5, 100),
        desc: "a token-bucket rate limiter class with a capacity of {N} tokens refilled at {R} tokens per second, an injectable clock (default time.monotonic) and an allow(cost=1.0) method returning whether the call may proceed",
        code: r#"import time


class {FN}:
    """Token-bucket rate limiter: ``capacity`` tokens ({N}), refilled at ``rate`` ({R}) tokens per second."""

    def __init__(self, capacity: int = {N}, rate: float = {R}, clock=time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._tokens = float(capacity)
        self._last = clock()

    def allow(self, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if available and report whether the call is allowed."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= cost:
            self._tokens -= cost
            return True
        return False
"#,
        test: r#"from {MOD} import {FN}


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_up_to_capacity():
    clock = FakeClock()
    bucket = {FN}(capacity={N}, rate={R}, clock=clock)
    assert all(bucket.allow() for _ in range({N}))
    assert not bucket.allow()


def test_refill_after_one_second():
    clock = FakeClock()
    bucket = {FN}(capacity={N}, rate={R}, clock=clock)
    for _ in range({N}):
        bucket.allow()
    clock.t += 1.0
    assert sum(bucket.allow() for _ in range({N})) == {RN}
"#,
    },
    FnSpec {
        names: &["fizz_buzz", "label_numbers", "number_labels"],
        modules: &["kata", "labels"],
        n: (15, 30),
        desc: "label the numbers 1..limit (limit defaults to {N}): multiples of {A} become \"{W1}\", multiples of {B} become \"{W2}\", multiples of both \"{W1}{W2}\", every other number its decimal string",
        code: r#"def {FN}(limit: int = {N}) -> list[str]:
    """Label 1..limit: multiples of {A} -> "{W1}", of {B} -> "{W2}", of both -> "{W1}{W2}"."""
    out: list[str] = []
    for i in range(1, limit + 1):
        label = ""
        if i % {A} == 0:
            label += "{W1}"
        if i % {B} == 0:
            label += "{W2}"
        out.append(label or str(i))
    return out
"#,
        test: r#"from {MOD} import {FN}


def test_default_length():
    assert len({FN}()) == {N}


def test_labels():
    result = {FN}({AB})
    assert result[0] == "1"
    assert result[{A} - 1] == "{W1}"
    assert result[{B} - 1] == "{W2}"
    assert result[{AB} - 1] == "{W1}{W2}"
"#,
    },
    FnSpec {
        names: &["flatten_dict", "flatten", "flatten_config"],
        modules: &["dict_utils", "config"],
        n: (1, 1),
        desc: "flatten a nested dict into one level, joining keys with the separator \"{SEP}\" (a parameter), keeping empty dicts and non-dict values as they are",
        code: r#"from typing import Any


def {FN}(data: dict[str, Any], sep: str = "{SEP}", prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into one level, joining keys with ``sep`` ("{SEP}")."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{sep}{key}" if prefix else key
        if isinstance(value, dict) and value:
            flat.update({FN}(value, sep, name))
        else:
            flat[name] = value
    return flat
"#,
        test: r#"from {MOD} import {FN}


def test_nested():
    data = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    assert {FN}(data) == {"a{SEP}b": 1, "a{SEP}c{SEP}d": 2, "e": 3}


def test_empty_dict_value_is_kept():
    assert {FN}({"a": {}}) == {"a": {}}


def test_custom_separator():
    assert {FN}({"x": {"y": 1}}, sep=":") == {"x:y": 1}
"#,
    },
];

const ENTS: &[(&str, &str)] = &[
    ("order", "orders"),
    ("invoice", "invoices"),
    ("customer", "customers"),
    ("ticket", "tickets"),
    ("product", "products"),
    ("shipment", "shipments"),
    ("employee", "employees"),
    ("transaction", "transactions"),
];
const KEYS: &[&str] = &[
    "region",
    "status",
    "customer_id",
    "category",
    "country",
    "team",
    "sku",
];
const NUMS: &[&str] = &["amount", "price", "quantity", "duration", "score", "weight"];
const WORDS: &[&str] = &["Fizz", "Buzz", "Ping", "Pong", "Foo", "Bar", "Tick", "Tock"];
const COPRIME: &[(u64, u64)] = &[
    (2, 3),
    (3, 5),
    (2, 5),
    (3, 7),
    (4, 5),
    (5, 7),
    (2, 7),
    (3, 4),
];

/// One filled spec: the prompt description, the code and its tests.
pub(crate) struct Filled {
    pub func: String,
    pub module: String,
    pub desc: String,
    pub code: String,
    pub tests: String,
}

fn fill_spec(g: &mut Gen) -> Filled {
    let spec = &SPECS[g.range(0, SPECS.len() as u64 - 1) as usize];
    let n = g.range(spec.n.0, spec.n.1);
    let (ent, ents) = g.pick(ENTS);
    let key = g.pick(KEYS);
    let num = g.pick(NUMS);
    let d = g.pick(&["0.5", "1.0", "2.0", "0.1", "0.25"]);
    let r = g.range(1, 10);
    let (a, b) = g.pick(COPRIME);
    let w = g.sample(WORDS, 2);
    let sep = g.pick(&[".", "_", "/", "__"]);
    let (h, m) = (g.range(1, 9), g.range(1, 59));
    let s = |x: u64| x.to_string();
    let base: Vec<(&str, String)> = vec![
        ("N", s(n)),
        ("N2", s(2 * n)),
        ("NP1", s(n + 1)),
        ("NP10", s(n + 10)),
        ("NP20", s(n + 20)),
        ("ENT", ent.to_string()),
        ("ENTS", ents.to_string()),
        ("KEY", key.to_string()),
        ("NUM", num.to_string()),
        ("D", d.to_string()),
        ("R", s(r)),
        ("RN", s(r.min(n))),
        ("RATE", format!("0.{n:02}")),
        ("TOTAL1", super::super::words::money(20 * (100 + n))),
        ("TOTAL2", super::super::words::money(45 * (100 + n))),
        ("A", s(a)),
        ("B", s(b)),
        ("AB", s(a * b)),
        ("W1", w[0].to_string()),
        ("W2", w[1].to_string()),
        ("SEP", sep.to_string()),
        ("H", s(h)),
        ("M", s(m)),
        ("SECS", s(h * 3600 + m * 60)),
    ];
    let vars: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let func = fill(g.pick(spec.names), &vars);
    let module = fill(g.pick(spec.modules), &vars);
    let mut all = vars.clone();
    all.push(("FN", &func));
    all.push(("MOD", &module));
    Filled {
        desc: fill(spec.desc, &all),
        code: fill(spec.code, &all),
        tests: fill(spec.test, &all),
        func,
        module,
    }
}

const ENGINEER_SYSTEMS: &[&str] = &[
    "You are a Engineer, named Alex, your goal is write elegant, readable, extensible, efficient code, and the constraint is the code should conform to standards like google-style and be modular and maintainable. Use same language as user requirement. ",
    "You are Alex, a professional software engineer. Write google-style, modular, easy to read and maintain Python 3.11 code with type hints.",
    "You are an expert Python developer. Reply with code only, in one fenced block. Use type hints and docstrings; no explanations.",
];

const QA_SYSTEMS: &[&str] = &[
    "You are a QaEngineer, named Edward, your goal is write comprehensive and robust tests to ensure codes will work as expected without bugs, and the constraint is The test code you write should conform to code standard like PEP8, be modular, easy to read and maintain. Use same language as user requirement. ",
    "You are Edward, a QA engineer. You write pytest suites that cover normal cases, edge cases and error handling.",
    "You are a senior test engineer. Given code, write a pytest module that would catch regressions. Output only the test file.",
];

fn const_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Email => "SUPPORT_EMAIL",
        Kind::Phone => "SUPPORT_PHONE",
        Kind::ApiKey => "UPSTREAM_API_KEY",
        Kind::Ipv4 | Kind::Ipv6 => "UPSTREAM_HOST",
        _ => "SERVICE_SECRET",
    }
}

pub(crate) fn engineer_code(g: &mut Gen) -> Call {
    let f = fill_spec(g);
    let system = g.pick(ENGINEER_SYSTEMS).to_string();
    let mut extra_req = String::new();
    let mut code = f.code.clone();
    if let Some((kind, v)) = g.take(Place::Response) {
        let name = const_name(kind);
        extra_req = format!("\nAlso define the module constant {name} = \"{v}\" (we will move it to the environment later).");
        code = format!("{name} = \"{v}\"  # TODO: load from the environment\n\n{code}");
    }
    let style = g.range(0, 2);
    let (user, answer) = match style {
        0 => (
            format!(
                "NOTICE\nRole: You are a professional engineer; the main goal is to write google-style, elegant, modular, easy to read and maintain code\nLanguage: Please use the same language as the user requirement, but the title and code should be still in English. For example, if the user speaks Chinese, the specific text of your answer should also be in Chinese.\nATTENTION: Use '##' to SPLIT SECTIONS, not '#'. Output format carefully referenced \"Format example\".\n\n# Context\n## Design\n{{\"Implementation approach\": \"A single pure-Python module {m}.py exposing {fn}.\", \"File list\": [\"{m}.py\"]}}\n\n## Task\n{{\"Required packages\": [\"python>=3.10\"], \"Logic Analysis\": [[\"{m}.py\", \"Contains {fn}: {desc}\"]], \"Task list\": [\"{m}.py\"]}}\n\n## Legacy Code\n```Code\n\n```\n\n## Debug logs\n```text\n\n```\n\n## Bug Feedback logs\n```text\n\n```\n\n# Format example\n## Code: {m}.py\n```python\n## {m}.py\n...\n```\n\n# Instruction: Based on the context, follow \"Format example\", write code.\n\n## Code: {m}.py. Write code with triple quoto, based on the following attentions and context.\n1. Only One file: do your best to implement THIS ONLY ONE FILE.\n2. COMPLETE CODE: Your code will be part of the entire project, so please implement complete, reliable, reusable code snippets.\n3. Set default value: If there is any setting, ALWAYS SET A DEFAULT VALUE, ALWAYS USE STRONG TYPE AND EXPLICIT VARIABLE. AVOID circular import.\n4. Follow design: YOU MUST FOLLOW \"Data structures and interfaces\". DONT CHANGE ANY DESIGN. Do not use public member functions that do not exist in your design.\n5. CAREFULLY CHECK THAT YOU DONT MISS ANY NECESSARY CLASS/FUNCTION IN THIS FILE.\n6. Before using a external variable/module, make sure you import it first.\n7. Write out EVERY CODE DETAIL, DON'T LEAVE TODO.{extra}\n",
                m = f.module,
                fn = f.func,
                desc = f.desc,
                extra = extra_req
            ),
            format!("## Code: {m}.py\n```python\n## {m}.py\n{code}```", m = f.module),
        ),
        1 => (
            format!("Write a Python function `{}` for the module `{}.py` that should {}.{}\nInclude type hints and a google-style docstring.", f.func, f.module, f.desc, extra_req),
            format!("```python\n{code}```"),
        ),
        _ => (
            format!("I need a helper in {}.py called {}. It should {}. Just the code please.{}", f.module, f.func, f.desc, extra_req),
            format!("```python\n{code}```"),
        ),
    };
    let mut call = Call::text(Task::EngineerCode, system, user, answer);
    call.meta
        .push(meta_plain("role_profile", "\"Engineer\"".into()));
    call
}

pub(crate) fn qa_tests(g: &mut Gen) -> Call {
    let f = fill_spec(g);
    let system = g.pick(QA_SYSTEMS).to_string();
    let mut tests = f.tests.clone();
    let mut code = f.code.clone();
    if let Some((kind, v)) = g.take(Place::Response) {
        // The code under test carries a constant; the tests assert on it.
        let name = const_name(kind);
        code = format!("{name} = \"{v}\"\n\n{code}");
        tests = tests.replacen(
            &format!("from {} import {}", f.module, f.func),
            &format!("from {} import {}, {name}", f.module, f.func),
            1,
        );
        tests.push_str(&format!(
            "\n\ndef test_{}_constant():\n    assert {name} == \"{v}\"\n",
            name.to_lowercase()
        ));
    }
    let (user, answer) = if g.chance(0.7) {
        (
            format!(
                "\nNOTICE\n1. Role: You are a QA engineer; the main goal is to design, develop, and execute PEP8 compliant, well-structured, maintainable test cases and scripts for Python 3.9. Your focus should be on ensuring the product quality of the entire project through systematic testing.\n2. Requirement: Based on the context, develop a comprehensive test suite that adequately covers all relevant aspects of the code file under review. Your test suite will be part of the overall project QA, so please develop complete, robust, and reusable test cases.\n3. Attention1: Use '##' to split sections, not '#', and '## <SECTION_NAME>' SHOULD WRITE BEFORE the test case or script.\n4. Attention2: If there are any settings in your tests, ALWAYS SET A DEFAULT VALUE, ALWAYS USE STRONG TYPE AND EXPLICIT VARIABLE.\n5. Attention3: YOU MUST FOLLOW \"Data structures and interfaces\". DO NOT CHANGE ANY DESIGN. Make sure your tests respect the existing design and ensure its validity.\n6. Think before writing: What should be tested and validated in this document? What edge cases could exist? What might fail?\n7. CAREFULLY CHECK THAT YOU DON'T MISS ANY NECESSARY TEST CASES/SCRIPTS IN THIS FILE.\nAttention: Use '##' to split sections, not '#', and '## <SECTION_NAME>' SHOULD WRITE BEFORE the test case or script and triple quotes.\n-----\n## Given the following code, please write appropriate test cases using pytest to verify the correctness and robustness of this code:\n```python\n{code}```\nNote that the code to test is at {m}.py, we will put your test code at tests/test_{m}.py, and run your test code from the project root directory.\nYou should write the test code in the same language as the code.\n## test_{m}.py: Write test code with triple quote. Do your best to implement THIS ONLY ONE FILE.\n",
                m = f.module
            ),
            format!("## test_{}.py\n```python\n{tests}```", f.module),
        )
    } else {
        (
            format!("Write pytest tests for `{}` in `{}.py`:\n\n```python\n{code}```\n\nCover the normal path, edge cases and errors.", f.func, f.module),
            format!("```python\n{tests}```"),
        )
    };
    let mut call = Call::text(Task::QaTests, system, user, answer);
    call.meta
        .push(meta_plain("role_profile", "\"QaEngineer\"".into()));
    call
}
