"""`--redact` and `redact:`: personal data becomes keyed-hash tokens in every output."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from svcaudit.cli import app
from svcaudit.redact import Redactor
from tests.helpers import REPO, write

runner = CliRunner()
KEY = "a key for the test"

# holds (s): Anna 90 (fails), Anna 20, Jan 75 (fails), Ewa 10; branches Kraków and Gdańsk
LOG = """\
id,branch,agent,hold_seconds
1,Kraków,Anna Nowak,90
2,Kraków,Anna Nowak,20
3,Gdańsk,Jan Kowalski,75
4,Gdańsk,Ewa Lis,10
"""
RULES = """\
svcaudit: 1
name: Holds
{redact}standards:
  - id: hold-60s
    title: Held at most a minute
    when: agent is not null
    measure: hold
    at_most: 60s
"""
NAMES = ("Anna Nowak", "Jan Kowalski", "Ewa Lis", "Kraków", "Gdańsk")


def token(value: str) -> str:
    """The token worked out independently: anon- + 10 hex digits of HMAC-SHA-256."""
    return "anon-" + hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:10]


def files(tmp: Path, redact: str = "") -> tuple[str, str]:
    log = write(tmp / "log.csv", LOG)
    rules = write(tmp / "rules.yaml", RULES.format(redact=redact))
    return str(log), str(rules)


def test_redact_option_covers_violations_json_and_html(tmp_path: Path) -> None:
    log, rules = files(tmp_path)
    out = {k: tmp_path / f"out.{k}" for k in ("csv", "json", "html")}
    args = ["audit", log, "-s", rules, "--redact", "agent", "--redact", "branch", "-q"]
    args += ["--violations", str(out["csv"]), "--report", f"json:{out['json']}"]
    args += ["--report", f"html:{out['html']}"]
    result = runner.invoke(app, args, env={"SVCAUDIT_REDACT_KEY": KEY})
    assert result.exit_code == 1, result.stderr  # 2 of 4 within the limit: breached
    texts = {k: p.read_text(encoding="utf-8") for k, p in out.items()}
    for kind, text in texts.items():
        for name in NAMES:
            assert name not in text, (kind, name)
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert {r["interaction"] for r in rows} == {"1", "3"}
    by_id = {r["interaction"]: r for r in rows}
    assert by_id["1"]["branch"] == token("Kraków") and by_id["3"]["branch"] == token("Gdańsk")
    assert f"agent={token('Anna Nowak')}" in by_id["1"]["details"]
    assert f"agent={token('Jan Kowalski')}" in by_id["3"]["details"]
    assert "hold=1m15s" in by_id["3"]["details"]  # a duration column as people read it
    report = json.loads(texts["json"])
    branches = {b["branch"] for b in report["standards"][0]["branches"]}
    assert branches == {token("Kraków"), token("Gdańsk")}  # the same tokens in every file
    assert token("Kraków") in texts["html"] and "agent, branch" in texts["html"]


def test_redact_in_the_standards_file_and_explain(tmp_path: Path) -> None:
    log, rules = files(tmp_path, redact="redact: [agent]\n")
    result = runner.invoke(
        app, ["explain", "hold-60s", log, "-s", rules], env={"COLUMNS": "160", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.stderr
    assert "Anna Nowak" not in result.stdout and "Jan Kowalski" not in result.stdout
    assert "Kraków" in result.stdout  # only the listed column is redacted
    assert "1m30s" in result.stdout and "90000" not in result.stdout  # hold read as a duration
    tokens = [w for w in result.stdout.split() if w.startswith("anon-")]
    assert len(tokens) == 2 and len(set(tokens)) == 2  # two people, two tokens


def test_tokens_are_stable_within_a_run_and_keyed() -> None:
    a, b = Redactor.of(["agent"]), Redactor.of(["agent"])
    assert a.token("Anna") == a.token("Anna") != a.token("Jan")
    assert a.token("Anna") != b.token("Anna")  # another run, another random key
    assert a.token(None) is None
    assert Redactor.of(["agent"], KEY.encode()).token("Anna") == token("Anna")


def test_a_misspelt_column_to_redact_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    # `--redact agnet` would leave every agent's name in the reports: exit 2 before reading
    from tests.invoke import invoke  # noqa: PLC0415

    log = str(REPO / "examples" / "hotel-chain.csv")
    rules = str(REPO / "standards" / "hospitality-five-star.yaml")
    run = invoke("audit", log, "-s", rules, "--redact", "agnet", "-o", str(tmp_path / "r.json"))
    assert run.code == 2
    assert run.stderr.strip().startswith("error: --redact: cannot redact 'agnet'")
    assert "did you mean 'agent'?" in run.stderr
    assert not (tmp_path / "r.json").exists()


def test_one_run_gives_a_value_one_token_in_every_output(tmp_path: Path) -> None:
    # the scorecard, its worst breaching interactions (HTML details) and the violations file
    # of one run: a branch redacted has the same token in all of them (no fixed key set)
    from svcaudit.audit import AuditRequest, open_audit  # noqa: PLC0415

    request = AuditRequest(
        logs=[str(REPO / "examples" / "hotel-chain.csv")],
        standards=[str(REPO / "standards" / "hospitality-five-star.yaml")],
        redact=("branch",),
        details=5,
    )
    with open_audit(request) as audited:
        card = audited.card
        violations = {row[0] for b in audited.violations() for row in b.rows}
    tokens = set(card.branches)
    assert all(t.startswith("anon-") for t in tokens) and len(tokens) == 7
    worst = {row[0] for b in card.worst for row in b.rows}
    assert worst and worst <= tokens
    assert violations and violations <= tokens
