"""``sysmon-linux``: Sysmon for Linux events, an event XML per syslog line.

Sysmon for Linux logs through syslog; each line carries one Windows-schema
event without namespace::

    Oct 25 12:43:23 web1 sysmon: <Event><System><Provider Name="Linux-Sysmon"
    Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID>…<Channel>Linux-Sysmon/Operational
    </Channel><Computer>web1</Computer>…</System><EventData><Data Name="Image">/usr/bin/curl</Data>…

Reference: https://github.com/microsoft/SysmonForLinux. The event ids and
field names are Sysmon's, so the shared ``winlog_ecs`` tables map them
(``process.*``, ``file.*``, ``source``/``destination``…) exactly as for
Windows Sysmon; the dataset is ``sysmon_linux.log`` as in Elastic's
integration. Sniffed before ``linux-auth`` so ``auto`` picks it for these lines.
"""

from __future__ import annotations

from lxml import etree

from collectors.endpoint.winlog_ecs import to_ecs
from collectors.endpoint.winlog_record import from_xml
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

_MARKER = '<Event><System><Provider Name="Linux-Sysmon"'
_PARSER = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)


@register
class SysmonLinuxParser(LineParser):
    """Sysmon for Linux (its event XML inside syslog lines)."""

    name = "sysmon-linux"
    dataset = "sysmon_linux.log"
    priority = 50
    sniff_tokens = (_MARKER,)

    def sniff_line(self, line: str) -> bool:
        return _MARKER in line

    def parse(self, line: str, ctx: ParseContext) -> Event:
        start = line.find("<Event>")
        end = line.rfind("</Event>")
        if start < 0 or end < start:
            raise ParseError("no <Event>…</Event> in this line")
        try:
            root = etree.fromstring(line[start : end + len("</Event>")], _PARSER)
        except etree.XMLSyntaxError as exc:
            raise ParseError(f"broken event XML: {exc}") from exc
        winlog, timestamp, level, message = from_xml(root)
        return to_ecs(winlog, timestamp, level, message)
