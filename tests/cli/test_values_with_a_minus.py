"""Values that start with a minus (issue 16, defect 7): `--customer "-1+1"` was read as an option."""

from __future__ import annotations

import json


def test_a_value_of_a_minus_and_a_digit_is_taken_as_the_value(prodops):
    result = prodops("capture", "-1+1 is what the invoice shows", "--customer", "-1+1", "--json")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert (item["text"], item["customer"]) == ("-1+1 is what the invoice shows", "-1+1")


def test_another_value_that_looks_like_an_option_says_how_to_pass_it(prodops):
    result = prodops("capture", "x", "--customer", "-Acme")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("prodops capture: error: argument --customer: expected one argument "
                                              "(a value that starts with '-' goes after '=', e.g. --customer=-Acme)")
    assert prodops("capture", "x", "--customer=-Acme").returncode == 0
