"""Fortinet FortiGate (FortiOS) logs: ``key=value`` records, usually over syslog.

Sample::

    <189>date=2020-04-23 time=12:11:51 devname="fw1" devid="FG100E" logid="0000000020" type="traffic"
    subtype="forward" level="notice" vd="root" tz="-0500" srcip=192.168.10.10 srcport=6000 dstip=67.43.156.13
    dstport=6000 proto=17 action="accept" policyid=3426 policyname="out" trandisp="snat"
    transip=67.43.156.14 transport=60964 sentbyte=438650 rcvdbyte=65446

FortiOS's CSV syslog format (``date=...,time=...,devname=...``) is read too.
``date``/``time`` are local to the device; ``tz`` (FortiOS 6.2+) gives the
offset, otherwise ``ParseContext.timezone`` applies. ECS mapping follows
Elastic's ``fortinet_fortigate`` integration: traffic logs are connections,
UTM logs carry the verdict in ``event.type`` and their event type
(``ftgd_blk``, ``signature``…) in ``event.action``, user events are
authentication, VPN events are connections between ``remip`` and ``locip``;
event logs set no ``event.action`` (their ``action`` stays vendor data).
Without a ``direction``/``dir`` field, ``network.direction`` comes from which
side of the private networks the two ends are. Everything else stays under
``fortinet.firewall.*``.

Reference: FortiOS Log Message Reference (docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference).
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import kv, net
from collectors.syslog_time import DEFAULT_CLOCK, epoch_timestamp
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "fortinet_fortigate.log"

_SNIFF = re.compile(r"(?:^|[\s>])date=\d{4}-\d\d-\d\d[ ,]time=\d\d:\d\d:\d\d\b")
_CSV_PAIR = re.compile(r'([A-Za-z_][\w.\-]*)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))(?:,|$)')
"""One ``key=value`` of FortiOS's CSV syslog format (``set format csv``): pairs joined by commas."""
_DIRECTIONS = {"outgoing": "outbound", "incoming": "inbound", "outbound": "outbound", "inbound": "inbound"}
_DENY = frozenset(("deny", "blocked", "block", "dropped", "drop", "reset", "close-deny", "server-rst", "client-rst"))
_ALLOW = frozenset(("accept", "pass", "passthrough", "allow", "permit", "allowed", "dns", "start", "close", "timeout"))
_TRAFFIC_DENY = frozenset(("deny", "drop", "dropped", "block", "blocked"))
_CONFIG_ACTIONS = frozenset(("add", "edit", "delete", "move", "rename", "clone", "cfg-change"))
_UTM_CATEGORY = {
    "virus": ["malware"],
    "ips": ["intrusion_detection"],
    "anomaly": ["intrusion_detection"],
    "waf": ["intrusion_detection"],
    "dlp": ["file"],
}
_TAKEN = frozenset(
    [
        "date",
        "time",
        "tz",
        "srcip",
        "srcport",
        "dstip",
        "dstport",
        "proto",
        "policyname",
        "transip",
        "transport",
        "tranip",
        "tranport",
        "sentbyte",
        "rcvdbyte",
        "sentpkt",
        "rcvdpkt",
        "user",
        "devname",
        "devid",
        "remip",
        "locip",
        "remport",
        "locport",
        "direction",
        "dir",
        "msg",
        "duration",
    ]
)


@register
class FortigateParser(LineParser):
    """FortiGate traffic, UTM and event logs."""

    name = "fortigate"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "date=" in line and ("logid=" in line or "devid=" in line) and _SNIFF.search(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        start = line.find("date=")
        if start < 0:
            raise ParseError("no date= field: not a FortiGate record")
        rec = _csv_pairs(line[start:]) if line[start + 15 : start + 16] == "," else kv.pairs(line[start:])
        if "date" not in rec or "time" not in rec:
            raise ParseError("FortiGate record without date and time")
        kind, subtype, action = rec.get("type", ""), rec.get("subtype", ""), rec.get("action", "")
        category, types = _classify(kind, subtype, action, rec)
        event_fields: dict[str, Any] = {"kind": "event", "category": category, "type": types}
        event_fields.update(dataset=DATASET, module="fortinet_fortigate")
        named = _action(kind, action, rec)
        if named:
            event_fields["action"] = named
        outcome = _outcome(rec, action)
        if outcome:
            event_fields["outcome"] = outcome
        if "duration" in rec and rec["duration"].isdecimal():
            event_fields["duration"] = int(rec["duration"]) * 1_000_000_000
        if "logid" in rec:
            event_fields["code"] = rec["logid"]
        start = _eventtime(rec.get("eventtime", ""))
        if start:
            event_fields["start"] = start
        event: Event = {"@timestamp": _timestamp(rec, ctx), "event": event_fields}
        _endpoints(event, rec)
        if "ip" in rec or "tunnelip" in rec or "assignip" in rec:  # a FortiClient's or a VPN tunnel's address
            net.add_related_ips(event, rec.get("ip"), rec.get("tunnelip"), rec.get("assignip"))
        observer: dict[str, Any] = {"vendor": "Fortinet", "product": "Fortigate", "type": "firewall"}
        if "devname" in rec:
            observer["name"] = rec["devname"]
        if "devid" in rec:
            observer["serial_number"] = rec["devid"]
        event["observer"] = observer
        if "policyname" in rec or "policyid" in rec:
            event["rule"] = {k: v for k, v in (("name", rec.get("policyname")), ("id", rec.get("policyid"))) if v}
        user = rec.get("user")
        if user and user != "N/A":
            event["user"] = {"name": user}
        if "msg" in rec:
            event["message"] = rec["msg"]
        if kind == "utm":
            _content(event, rec)
        event["fortinet"] = {"firewall": {k: v for k, v in rec.items() if k not in _TAKEN}}
        return event


def _csv_pairs(text: str) -> dict[str, str]:
    """The pairs of a CSV-format record; quoted values may hold commas, the first of a key wins."""
    rec: dict[str, str] = {}
    for key, quoted, bare in _CSV_PAIR.findall(text):
        if key not in rec:
            rec[key] = quoted.replace('\\"', '"') if quoted else bare
    return rec


def _eventtime(value: str) -> str | None:
    """``eventtime``: epoch seconds (FortiOS 6.0), nanoseconds (6.2+) or milliseconds, as ECS time.

    It is the moment the event happened, in UTC, finer than ``date``/``time``; Elastic's
    integration puts it in ``event.start``.
    """
    if not value.isdecimal() or not 9 <= len(value) <= 19:
        return None
    seconds, rest = divmod(int(value.ljust(19, "0")), 1_000_000_000)
    return epoch_timestamp(seconds, rest // 1_000_000)


def _content(event: Event, rec: dict[str, str]) -> None:
    """What a UTM profile looked at: the URL (``hostname`` + ``url``), the DNS name, the file."""
    url: dict[str, Any] = {}
    if "hostname" in rec:
        url["domain"] = rec["hostname"]
    written = rec.get("url")
    if written:
        scheme, sep, _ = written.partition("://")
        url["original" if sep and scheme.isalpha() else "path"] = written  # a full URL, or the path
    if url:
        event["url"] = url
    if "qname" in rec:
        question = {"name": rec["qname"]}
        if "qtype" in rec:
            question["type"] = rec["qtype"]
        event["dns"] = {"question": question}
    if "filename" in rec:
        event["file"] = {"name": rec["filename"]}
    if "agent" in rec:
        event["user_agent"] = {"original": rec["agent"]}
    if "catdesc" in rec:
        event.setdefault("rule", {})["category"] = rec["catdesc"]


def _timestamp(rec: dict[str, str], ctx: ParseContext) -> str:
    stamp = f"{rec['date']}T{rec['time']}"
    tz = rec.get("tz")
    if tz and len(tz) == 5 and tz[0] in "+-" and tz[1:].isdecimal():
        stamp += f"{tz[:3]}:{tz[3:]}"
    return DEFAULT_CLOCK.iso(stamp, ctx)


def _action(kind: str, action: str, rec: dict[str, str]) -> str | None:
    """``event.action`` as Elastic's pipeline names it; the device's ``action`` stays in ``fortinet.firewall``."""
    if kind == "utm":
        return rec.get("eventtype") or action or None  # what the profile matched: ftgd_blk, signature, dns-query
    if kind == "event":
        return None  # system, VPN and user events: the vectors carry no event.action
    return action or None  # traffic: the policy's verdict


def _classify(kind: str, subtype: str, action: str, rec: dict[str, str]) -> tuple[list[str], list[str]]:
    if kind == "traffic":
        # FortiOS: "deny" is the policy's block, "start" a session-start log; every other action
        # (close, timeout, server-rst, client-rst, ip-conn, dns...) is how an allowed session ended.
        if not action:
            return ["network"], ["connection", "end"]
        verdict = "denied" if action in _TRAFFIC_DENY else "allowed"
        return ["network"], ["connection", "start" if action == "start" else "end", verdict]
    verdict = "denied" if action in _DENY else "allowed" if action in _ALLOW else None
    if kind == "utm":
        category = _UTM_CATEGORY.get(subtype, ["network"])
        types = ["info"] if subtype == "dns" else []
        if verdict:
            types.append(verdict)
        return category, types or ["info"]
    if kind == "event":
        if subtype == "user" or "login" in action or "logon" in action or "logoff" in action:
            ending = "logoff" in action or "logout" in action
            return ["authentication"], ["end" if ending else "start"]
        if subtype == "vpn":
            return ["network"], ["connection"]
        if subtype == "system" and action == "perf-stats":
            return ["host"], ["info"]
        if subtype == "system" and ("cfgpath" in rec or action.lower() in _CONFIG_ACTIONS):
            return ["configuration"], ["change"]  # an administrator's Add/Edit/Delete of an object
        if subtype == "system":
            return ["host"], ["info"]
    return [], ["info"]


def _outcome(rec: dict[str, str], action: str) -> str | None:
    status = rec.get("status")
    if status:
        return "success" if status in ("success", "logon", "logoff", "up", "down") else "failure"
    if "fail" in action:
        return "failure"
    return "success" if action else None


def _endpoints(event: Event, rec: dict[str, str]) -> None:
    if "srcip" in rec or "dstip" in rec:
        src, dst = rec.get("srcip"), rec.get("dstip")
        source, destination = net.endpoint(src, rec.get("srcport")), net.endpoint(dst, rec.get("dstport"))
    elif "remip" in rec:
        src, dst = rec.get("remip"), rec.get("locip")
        source, destination = net.endpoint(src, rec.get("remport")), net.endpoint(dst, rec.get("locport"))
    else:
        return
    _nat(source, rec.get("transip"), rec.get("transport"))
    _nat(destination, rec.get("tranip"), rec.get("tranport"))
    if "sentbyte" in rec:
        source["bytes"] = int(rec["sentbyte"]) if rec["sentbyte"].isdecimal() else 0
    if "rcvdbyte" in rec:
        destination["bytes"] = int(rec["rcvdbyte"]) if rec["rcvdbyte"].isdecimal() else 0
    if rec.get("sentpkt", "").isdecimal():
        source["packets"] = int(rec["sentpkt"])
    if rec.get("rcvdpkt", "").isdecimal():
        destination["packets"] = int(rec["rcvdpkt"])
    net.attach(event, source=source, destination=destination)
    network: dict[str, Any] = {}
    for field in ("bytes", "packets"):  # both directions, when both are counted (as Elastic's pipeline)
        if field in source and field in destination:
            network[field] = source[field] + destination[field]
    if "proto" in rec:
        network["iana_number"] = rec["proto"]
        network["transport"] = net.transport(rec["proto"])
    said = rec.get("direction") or rec.get("dir")
    found = _DIRECTIONS.get(said or "") or net.direction(source.get("ip"), destination.get("ip"))
    if found:
        network["direction"] = found
    net.attach(event, network=network)
    net.add_related_ips(event, src, dst, rec.get("transip"), rec.get("tranip"))


def _nat(side: dict[str, Any], address: str | None, port: str | None) -> None:
    checked = net.ip(address)
    if checked is None:
        return
    side["nat"] = {"ip": checked}
    number = net.port(port)
    if number is not None:
        side["nat"]["port"] = number
