"""The Jinja environment (build/templating.py): its filters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_json_in_a_script_element_is_the_json_and_cannot_end_the_script(value: object) -> None:
    import json

    from sitegen.build.templating import _json_script

    text = str(_json_script(value))
    assert json.loads(text) == value
    assert not any(char in text for char in "<>&\u2028\u2029")
    if isinstance(value, dict):
        assert list(json.loads(text)) == sorted(value)  # keys sorted: the same input, the same bytes
