"""Alert filters read ATT&CK ids as analysts type them."""

from __future__ import annotations

import pytest

from tests.triage.conftest import Cli, ids_of
from tests.triage.test_cli_alerts import A1, A3, A5, B2, B4, C100


@pytest.mark.parametrize("typed", ["t1021", " T1021 "])
def test_a_technique_matches_whatever_its_case(cli: Cli, loaded, typed: str) -> None:
    assert ids_of(cli("alerts", "list", "--technique", typed, "--format", "json")) == [B4, B2]


@pytest.mark.parametrize("typed", ["Credential Access", "credential_access", "CREDENTIAL-ACCESS"])
def test_a_tactic_matches_as_named_in_att_ck_or_in_sigma(cli: Cli, loaded, typed: str) -> None:
    assert set(ids_of(cli("alerts", "list", "--tactic", typed, "--format", "json"))) == {A1, A3, A5, B2, B4, C100}
