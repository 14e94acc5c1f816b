"""The Rule sets pages: the list, and one rule set in the words of `priorauth rules show`."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from tests.helpers import invoke
from tests.web.util import text_of


def test_the_list_shows_every_rule_set_with_dates_and_verification(client: FlaskClient) -> None:
    answer = client.get("/rules")
    assert answer.status_code == 200
    page = text_of(answer)
    code, out, _ = invoke("rules", "list", "--format", "json")
    assert code == 0
    for item in json.loads(out):
        assert f'href="/rules/{item["id"]}' in answer.get_data(as_text=True)
        assert item["payer_name"] in page
    assert "Checked is the day the criteria were last compared with the payer's source" in page and "Verification" in page
    assert "1 criterion not verified" in page or "criteria not verified" in page


def test_one_rule_set_in_plain_english_as_rules_show_says_it(client: FlaskClient) -> None:
    answer = client.get("/rules/cigna/tms")
    assert answer.status_code == 200
    page = text_of(answer)
    code, out, _ = invoke("rules", "show", "cigna/tms")
    assert code == 0
    lines = [line.strip() for line in out.splitlines() if line.strip() and not line.startswith("Rule file:")]
    for line in lines[1:]:  # the first line is the heading, worded for the page; "- " marks a list item
        assert " ".join(line.removeprefix("- ").rstrip(":").split()) in page, line
    assert "Cigna Healthcare, TMS (cigna/tms)" in page


def test_an_unknown_rule_set_or_date_is_not_found(client: FlaskClient) -> None:
    assert client.get("/rules/acme/tms").status_code == 404
    assert client.get("/rules/cigna/tms?as_of=yesterday").status_code == 404
