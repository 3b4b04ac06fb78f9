"""Sigma compatibility: the fields SigmaHQ's Windows rules reference after pySigma's ``ecs_windows``
pipeline are the fields our Windows events carry.

Every field of every Windows rule (SigmaHQ, read from ../shared/data) is mapped
through ``ecs_windows`` exactly as the Elasticsearch backend does. Each mapped
field is then judged on the events its rule's log source covers (Sysmon event
ids per category, Security 4688 for process creation, the channel of a
service) in the shared EVTX samples, the Sigma regression EVTX files and the
OTRF exports:

- *emitted*: our events carry the mapped field;
- *renamed* (the failure this test exists for): events hold the rule's raw
  EventData field with a value, but not the field the pipeline maps it to;
- *not in the samples*: the log source, or that field of it, never occurs in
  the shared data, so nothing can be said (listed, with the reason);
- *differs* (listed, not a failure): the field is there but, for some events,
  holds another value than the raw field, where Winlogbeat's layout and the
  pipeline disagree (``SubjectUserName -> user.name`` while a logon's
  ``user.name`` is its target; Sysmon's ``User`` split into domain and name).

``.caseless`` is a multi-field of Elastic's index templates, the same value as
the field it hangs off, so it is judged as that field.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint_support import failed, run
from sigma.collection import SigmaCollection
from sigma.pipelines.common import windows_logsource_mapping
from sigma.pipelines.elasticsearch.windows import ecs_windows
from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping
from sigma.pipelines.windows.windows import windows_generic_category_channel_mapping
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaDetections, SigmaLogSource, SigmaRule

from secops import ecs

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

SYSMON = "Microsoft-Windows-Sysmon/Operational"
PLACEHOLDER = ("", "-")
NON_ECS_ALLOWED = {"file.code_signature.signed"}
"""Fields ecs_windows (after Winlogbeat) uses that ECS lacks; we emit them so rules match."""
DELIBERATE = {
    ("SubjectUserName", "user.name"),
    ("SubjectDomainName", "user.domain"),
    ("SubjectUserSid", "user.id"),
}
"""Winlogbeat's logon layout: ``user.*`` is the account logging on (the target). When a logon
record writes its target as ``-``, ``user.*`` stays empty instead of naming the subject (the
local service that asked); pySigma maps Subject* there regardless. Judged as *differs*."""


def scopes(logsource: SigmaLogSource) -> list[tuple[str, str | None]]:
    """(channel, event id or None for any) pairs a Windows log source covers."""
    category, service = logsource.category, logsource.service
    if category in sysmon_generic_logsource_eventid_mapping:
        ids = sysmon_generic_logsource_eventid_mapping[category]
        out = [(SYSMON, str(i)) for i in (ids if isinstance(ids, list) else [ids])]
        return out + ([("Security", "4688")] if category == "process_creation" else [])
    if category in windows_generic_category_channel_mapping:
        info = windows_generic_category_channel_mapping[category]
        channels = windows_logsource_mapping[info["service"]]
        return [(c, str(info["EventID"])) for c in (channels if isinstance(channels, list) else [channels])]
    if service in windows_logsource_mapping:
        channels = windows_logsource_mapping[service]
        return [(c, None) for c in (channels if isinstance(channels, list) else [channels])]
    return []


def rule_fields(detection: SigmaDetection | SigmaDetectionItem) -> Iterator[str]:
    if isinstance(detection, SigmaDetectionItem):
        if detection.field:
            yield detection.field
        return
    for item in detection.detection_items:
        yield from rule_fields(item)


_PIPELINE = ecs_windows()


def mapped(field: str, logsource: SigmaLogSource) -> str:
    """What ecs_windows makes of one field under one log source (a one-item probe rule)."""
    probe = SigmaRule(
        title="probe",
        logsource=copy.deepcopy(logsource),
        detection=SigmaDetections(
            {"sel": SigmaDetection([SigmaDetectionItem.from_mapping(f"{field}|exists", True)])}, ["sel"]
        ),
    )
    _PIPELINE.apply(probe)
    found = next(rule_fields(probe.detection.detections["sel"]))
    return found.removesuffix(".caseless")


@pytest.fixture(scope="module")
def events_by_scope(shared_data: Path, evtx_files: list[Path]) -> dict[tuple[str, str], list[tuple[dict, dict]]]:
    sources: list[Path] = [*evtx_files, *sorted((shared_data / "sigma" / "regression").rglob("*.evtx"))]
    sources += sorted((shared_data / "endpoint" / "otrf" / "datasets").rglob("*.zip"))
    events, _ = run(sources)
    grouped: dict[tuple[str, str], list[tuple[dict, dict]]] = defaultdict(list)
    for event in events:
        if failed(event):
            continue
        winlog = event["winlog"]
        grouped[winlog.get("channel", ""), winlog.get("event_id", "")].append(
            (winlog.get("event_data", {}), ecs.flatten(event))
        )
    return grouped


def judge(field: str, target: str, scope: list[tuple[str, str | None]], events: dict) -> tuple[str, str]:
    covered = [e for (channel, eid), group in events.items() for e in group
               if any(channel == c and (i is None or eid == i) for c, i in scope)]  # fmt: skip
    if not covered:
        return "absent", "log source not in the samples"
    with_raw = [(data[field], flat) for data, flat in covered if data.get(field) not in (None, *PLACEHOLDER)]
    if any(target in flat for _, flat in covered) and all(target in flat for _, flat in with_raw):
        differ = sum(1 for raw, flat in with_raw if isinstance(flat[target], str) and flat[target] != raw)
        if differ:
            return "differs", f"{differ} of {len(with_raw)} events hold another value than EventData {field}"
        return "emitted", ""
    if with_raw:
        missing = sum(1 for _, flat in with_raw if target not in flat)
        kind = "differs" if (field, target) in DELIBERATE else "renamed"
        return kind, f"{missing} of {len(with_raw)} events have EventData {field} but no {target}"
    return "absent", "field not in the samples' events of this log source"


def test_windows_rule_fields_are_the_fields_we_emit(shared_data: Path, events_by_scope: dict) -> None:
    rules_dir = shared_data / "sigma" / "rules" / "windows"
    collection = SigmaCollection.load_ruleset([rules_dir], collect_errors=True)
    verdicts: dict[tuple[str, str, str], tuple[str, str, int]] = {}
    mapping_cache: dict[tuple[str, str | None, str | None], str] = {}
    rules = 0
    for rule in collection.rules:
        if not isinstance(rule, SigmaRule) or (rule.logsource.product or "") != "windows" or rule.errors:
            continue
        rules += 1
        scope = scopes(rule.logsource)
        label = rule.logsource.category or rule.logsource.service or "?"
        for detection in rule.detection.detections.values():
            for field in set(rule_fields(detection)):
                key = (field, rule.logsource.category, rule.logsource.service)
                if key not in mapping_cache:
                    mapping_cache[key] = mapped(field, rule.logsource)
                target = mapping_cache[key]
                verdict = verdicts.get((label, field, target))
                if verdict is None:
                    kind, why = judge(field, target, scope, events_by_scope)
                    if kind in ("emitted", "differs") and not (ecs.is_known_field(target) or target in NON_ECS_ALLOWED):
                        kind, why = "renamed", f"{target} is not an ECS or vendor field"
                    verdict = (kind, why, 0)
                verdicts[label, field, target] = (verdict[0], verdict[1], verdict[2] + 1)
    assert rules > 2000
    report = defaultdict(list)
    for (label, field, target), (kind, why, uses) in sorted(verdicts.items()):
        report[kind].append(f"{label}: {field} -> {target} ({uses} rules){': ' + why if why else ''}")
    print(f"\n{rules} Windows rules, {len(verdicts)} (log source, field) pairs")
    for kind in ("emitted", "differs", "absent", "renamed"):
        print(f"\n== {kind}: {len(report[kind])}")
        print("\n".join(report[kind]))
    assert len(report["emitted"]) + len(report["differs"]) > 150
    assert not report["renamed"], "\n".join(report["renamed"])


def test_the_judge_can_fail() -> None:
    """A rule field whose raw value is present but whose mapped field is not is reported."""
    raw = {"Image": "C:\\x.exe"}
    events = {(SYSMON, "1"): [(raw, {"winlog.event_data.Image": "C:\\x.exe"})]}
    assert judge("Image", "process.executable", [(SYSMON, "1")], events)[0] == "renamed"
    events = {(SYSMON, "1"): [(raw, {"process.executable": "C:\\x.exe"})]}
    assert judge("Image", "process.executable", [(SYSMON, "1")], events)[0] == "emitted"
    events = {(SYSMON, "1"): [(raw, {"process.executable": "C:\\y.exe"})]}
    assert judge("Image", "process.executable", [(SYSMON, "1")], events)[0] == "differs"
    assert judge("Image", "process.executable", [("Security", "4688")], events)[0] == "absent"
