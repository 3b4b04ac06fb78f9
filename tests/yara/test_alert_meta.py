"""An alert carries the metadata of its rule as the rule states it, repeated keys included."""

from __future__ import annotations

from pathlib import Path

from secops.detect.yara import load_pack
from secops.detect.yara_alerts import file_alerts
from secops.detect.yara_scan import Scanner

RULE = """rule Two_References : loader
{
    meta:
        description = "Staging loader config"
        author = "IR team"
        reference = "https://example.org/report-one"
        reference = "https://example.org/report-two"
        mitre_attack = "T1105"
        mitre_attack = "T1059.001"
        score = 75
        score = 10
    strings:
        $cfg = "stage2.bin"
    condition:
        $cfg
}
"""


def test_repeated_meta_keys_all_reach_the_alert(tmp_path: Path) -> None:
    """Public packs repeat ``reference`` (a dozen signature-base and Elastic rules); only the last one
    used to reach the alert."""
    rule_file = tmp_path / "loader.yar"
    rule_file.write_text(RULE)
    pack = load_pack([rule_file])
    assert pack.rules is not None
    sample = tmp_path / "dropper.cfg"
    sample.write_bytes(b"url=http://198.51.100.7/stage2.bin\n")
    [alert] = file_alerts(Scanner(pack.rules).scan_file(sample))
    assert alert.rule.references == ["https://example.org/report-one", "https://example.org/report-two"]
    assert alert.techniques == ["T1059.001", "T1105"]
    assert alert.rule.tags == ["loader"]
    assert alert.rule.author == "IR team" and alert.rule.description == "Staging loader config"
    assert alert.severity == "high", "the first score (75) states the level, as the yara tool lists it first"
