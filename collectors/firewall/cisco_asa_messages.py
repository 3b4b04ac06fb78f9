"""Cisco ASA / FTD message table: message id → text patterns and ECS classification.

Data, not code: each entry lists the message's text shapes (from Cisco's
"ASA Series Syslog Messages" and "FTD Syslog Messages" guides) in a small
pattern language, and how Elastic's ``cisco_asa`` integration classifies it
(``event.action``, categories, types, outcome).

Pattern language: literal text, where one or more spaces match any run of
spaces, and placeholders:

``{src}`` / ``{dst}``
    an endpoint ``[interface:]address[/port][(user or SGT)]``
``{src_nat}`` / ``{dst_nat}``
    a mapped endpoint in parentheses, ``(address[/port])``, maybe followed by ``(user)``
``{name}``
    one word; ``{name*}`` as little text as possible; ``{name+}`` the rest;
    ``{name?}`` the rest after a space, if the line goes on
``{_}``
    one word, read past and not kept

Names with a meaning: ``src_ip src_port src_if src_user`` (and ``dst_``),
``direction transport connection_id rule user verdict bytes duration
icmp_type icmp_code reason`` (``reason`` is ``event.reason``, as in Elastic's
integration); any other name is kept as ``cisco.asa.<name>``.
``swap`` marks messages whose endpoints are written from the firewall's
point of view: when ``direction`` is ``outbound`` the "for" side is the
destination.
"""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    patterns: tuple[str, ...]
    action: str
    category: tuple[str, ...]
    type: tuple[str, ...]
    outcome: str | None = "success"
    swap: bool = False


NET = ("network",)
CONN_START = ("connection", "start")
CONN_END = ("connection", "end")
DENIED = ("connection", "denied")
ALLOWED = ("connection", "allowed")
AUTH = ("authentication",)

_BUILT = "Built {direction} {transport} connection {connection_id} for {src} {src_nat} to {dst} {dst_nat}{rest*}"
_TEARDOWN = (
    "Teardown {transport} connection {connection_id} for {src} to {dst} duration {duration} bytes {bytes}{reason?}"
)
_ACL = "access-list {rule} {verdict} {transport} {src_if}/{src_ip}({src_port}) -> {dst_if}/{dst_ip}({dst_port}){rest*}"
_ACL_NOPORT = "access-list {rule} {verdict} {transport} {src_if}/{src_ip} -> {dst_if}/{dst_ip}{rest*}"

MESSAGES: dict[str, Message] = {
    # -- access control ------------------------------------------------------------------------
    "106001": Message(
        (
            "{direction} {transport} connection denied from {src_ip}/{src_port} to {dst_ip}/{dst_port} flags {flags*}"
            " on interface {src_if}",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106002": Message(
        ("{transport} Connection denied by outbound list {rule} src {src_ip} {src_port} dest {dst_ip} {dst_port}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106006": Message(
        ("Deny {direction} {transport} from {src_ip}/{src_port} to {dst_ip}/{dst_port} on interface {src_if}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106007": Message(
        ("Deny {direction} {transport} from {src_ip}/{src_port} to {dst_ip}/{dst_port} due to {reason+}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106010": Message(
        ("Deny {direction} protocol {transport} src {src} dst {dst}{rest*}",), "firewall-rule", NET, DENIED
    ),
    "106011": Message(
        ("Deny {direction} (No xlate) {transport} src {src} dst {dst}{rest*}",), "firewall-rule", NET, DENIED
    ),
    "106012": Message(("Deny IP from {src_ip} to {dst_ip}, IP options: {options+}",), "firewall-rule", NET, DENIED),
    "106013": Message(("Dropping echo request from {src_ip} to PAT address {dst_ip}",), "firewall-rule", NET, DENIED),
    "106014": Message(
        ("Deny {direction} {transport} src {src} dst {dst} (type {icmp_type}, code {icmp_code}){rest*}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106015": Message(
        (
            "Deny {transport} (no connection) from {src_ip}/{src_port} to {dst_ip}/{dst_port} flags {flags*}"
            " on interface {src_if}",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106016": Message(
        ("Deny IP spoof from ({src_ip}) to {dst_ip} on interface {src_if}",), "firewall-rule", NET, DENIED
    ),
    "106017": Message(("Deny IP due to Land Attack from {src_ip} to {dst_ip}",), "firewall-rule", NET, DENIED),
    "106018": Message(
        ("{transport} packet type {icmp_type} denied by outbound list {rule} src {src_ip} dest {dst_ip}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106020": Message(("Deny IP teardrop fragment {rest+}",), "firewall-rule", NET, DENIED),
    "106021": Message(
        ("Deny {transport} reverse path check from {src_ip} to {dst_ip} on interface {src_if}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106022": Message(
        ("Deny {transport} connection spoof from {src_ip} to {dst_ip} on interface {src_if}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106023": Message(
        (
            'Deny {transport} src {src} dst {dst} (type {icmp_type}, code {icmp_code}) by access-group "{rule}"{rest*}',
            'Deny {transport} src {src} dst {dst} by access-group "{rule}"{rest*}',
            'Deny protocol {transport} src {src} dst {dst} by access-group "{rule}"{rest*}',  # GRE, ESP: a number
            "Deny {transport} src {src} dst {dst}{rest*}",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106025": Message(
        ("Failed to determine the security context for the packet:{vlan} {transport} src {src} dst {dst}{rest*}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106026": Message(
        ("Failed to determine the security context for the packet:{vlan} {transport} src {src} dst {dst}{rest*}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "106027": Message(('Deny src {src} dst {dst} by access-group "{rule}"{rest*}',), "firewall-rule", NET, DENIED),
    "106100": Message((_ACL, _ACL_NOPORT), "firewall-rule", NET, ALLOWED),
    "106102": Message((_ACL, _ACL_NOPORT), "firewall-rule", NET, ALLOWED),
    "106103": Message(
        (
            "access-list {rule} denied {transport} for user {user} {src_if}/{src_ip} {src_port} -> {dst_if}/{dst_ip}"
            " {dst_port}{rest*}",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "113042": Message(
        ("Non-HTTP connection from {src} to {dst} denied by redirect filter{rest*}",), "firewall-rule", NET, DENIED
    ),
    "401004": Message(("Shunned packet: {src_ip} ==> {dst_ip} on interface {dst_if}",), "firewall-rule", NET, DENIED),
    "500004": Message(
        ("Invalid transport field for protocol={transport}, from {src_ip}/{src_port} to {dst_ip}/{dst_port}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "710002": Message(
        ("{transport} access permitted from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service}",),
        "firewall-rule",
        NET,
        ALLOWED,
    ),
    "710003": Message(
        ("{transport} access denied by ACL from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service}",),
        "firewall-rule",
        NET,
        DENIED,
        "failure",
    ),
    "710005": Message(
        ("{transport} request discarded from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{dst_port}",),
        "firewall-rule",
        NET,
        DENIED,
        "failure",
    ),
    "710006": Message(
        ("{transport} request discarded from {src_ip} to {dst_if}:{dst_ip}",), "firewall-rule", NET, DENIED, "failure"
    ),
    "733100": Message(
        ("[{object*}] drop {rate_id} exceeded.{rest*}",), "firewall-rule", ("intrusion_detection",), ("info",)
    ),
    # -- ICMP ---------------------------------------------------------------------------------------
    "313001": Message(
        ("Denied {transport} type={icmp_type}, code={icmp_code} from {src_ip} on interface {src_if}{rest*}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "313004": Message(
        ("Denied {transport} type={icmp_type}, from laddr {src_ip} on interface {src_if} to {dst_ip}: {reason+}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "313005": Message(
        (
            "No matching connection for ICMP error message: {transport} src {src} dst {dst} (type {icmp_type}, code"
            " {icmp_code}) on {ingress_if} interface.  Original IP payload: {payload+}",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "313008": Message(
        ("Denied {transport} type={icmp_type} , code={icmp_code} from {src_ip} on interface {src_if}",),
        "firewall-rule",
        NET,
        DENIED,
    ),
    # -- connections ---------------------------------------------------------------------------------
    "302013": Message((_BUILT,), "flow-creation", NET, CONN_START, swap=True),
    "302014": Message((_TEARDOWN,), "flow-expiration", NET, CONN_END),
    "302015": Message((_BUILT,), "flow-creation", NET, CONN_START, swap=True),
    "302016": Message((_TEARDOWN,), "flow-expiration", NET, CONN_END),
    "302017": Message(
        (
            "Built {direction} {transport} connection {connection_id} laddr {src_if}:{src_ip} ({src_user}) faddr"
            " {dst_if}:{dst_ip} ({dst_user}) laddr {rest*}",
        ),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302018": Message(
        (
            "Teardown {transport} connection {connection_id} from {src_if}:{src_ip} ({src_user}) to {dst_if}:{dst_ip}"
            " ({dst_user}) duration {duration} bytes {bytes}{rest*}",
        ),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    # faddr/gaddr/laddr carry ICMP identifiers after the slash (Cisco: icmp_seq_num), not ports.
    "302020": Message(
        (
            "Built {direction} {transport} connection for faddr {dst_ip}/{_} gaddr {src_nat_ip}/{_} laddr {src_ip}/{_}"
            "{rest*}",
        ),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302021": Message(
        ("Teardown {transport} connection for faddr {dst_ip}/{_} gaddr {src_nat_ip}/{_} laddr {src_ip}/{_}{rest*}",),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    "302022": Message(
        ("Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}",),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302023": Message(
        (
            "Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes}"
            " {reason+}",
        ),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    "302024": Message(
        ("Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}",),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302025": Message(
        (
            "Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes}"
            " {reason+}",
        ),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    "302026": Message(
        ("Built {role} stub {transport} connection for {src} {src_nat} to {dst} {dst_nat}{rest*}",),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302027": Message(
        (
            "Teardown stub {transport} connection for {src} to {dst} duration {duration} forwarded bytes {bytes}"
            " {reason+}",
        ),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    "302303": Message(
        ("Built {transport} state-bypass connection {connection_id} from {src} to {dst}",),
        "flow-creation",
        NET,
        CONN_START,
    ),
    "302304": Message(
        (
            "Teardown {transport} state-bypass connection {connection_id} from {src} to {dst} duration {duration}"
            " bytes {bytes} {reason+}",
        ),
        "flow-expiration",
        NET,
        CONN_END,
    ),
    "303002": Message(
        ("FTP connection from {src} to {dst}, user {user} {ftp_action} file {file+}",),
        "ftp",
        ("network", "file"),
        ("access",),
    ),
    "304001": Message(("{src_ip} Accessed URL {dst_ip}:{url+}",), "web-request", NET, ("info", "allowed")),
    "304002": Message(
        ("Access denied URL {url} SRC {src_ip} DEST {dst_ip} on interface {src_if}",),
        "web-request",
        NET,
        ("info", "denied"),
    ),
    "305011": Message(
        ("Built {nat_type} {transport} translation from {src} to {dst}",),
        "nat-slot",
        ("network", "configuration"),
        ("creation",),
    ),
    "305012": Message(
        ("Teardown {nat_type} {transport} translation from {src} to {dst} duration {duration}",),
        "nat-slot",
        ("network", "configuration"),
        ("deletion",),
    ),
    "305006": Message(
        ("{translation_type} translation creation failed for {transport} src {src} dst {dst}{rest*}",),
        "firewall-rule",
        NET,
        ("info",),
        "failure",
    ),
    "305013": Message(
        (
            "Asymmetric NAT rules matched for forward and reverse flows; Connection for {transport} src {src} dst {dst}"
            " denied due to NAT reverse path failure",
        ),
        "firewall-rule",
        NET,
        DENIED,
    ),
    "210007": Message(
        (
            "LU allocate xlate failed for {translation_type} {transport} translation from {src} {src_nat} to {dst}"
            " {dst_nat}",
        ),
        "firewall-rule",
        NET,
        ("info",),
        "failure",
    ),
    "609001": Message(("Built local-host {src}",), "flow-creation", NET, CONN_START),
    "609002": Message(("Teardown local-host {src} duration {duration}",), "flow-expiration", NET, CONN_END),
    "805001": Message(
        ("Offloaded {transport} Flow for connection {connection_id} from {src} {src_nat} to {dst} {dst_nat}",),
        "flow-offload-started",
        NET,
        CONN_START,
    ),
    "805002": Message(
        (
            "{transport} Flow is no longer offloaded for connection {connection_id} from {src} {src_nat} to {dst}"
            " {dst_nat}",
        ),
        "flow-offload-ended",
        NET,
        CONN_END,
    ),
    "852002": Message(
        (
            "Received Full Proxy to Lightweight event from application {application} for {transport} flow"
            " {src_ip}/{src_port} to {dst_ip}/{dst_port}",
        ),
        "firewall-rule",
        NET,
        ("info",),
    ),
    # -- administration -------------------------------------------------------------------------------
    "111008": Message(
        ("User '{user}' executed the '{command*}' command.",), "configuration", ("configuration",), ("change",)
    ),
    "111009": Message(("User '{user}' executed cmd: {command+}",), "configuration", ("configuration",), ("info",)),
    "111010": Message(
        ("User '{user}', running '{application*}' from IP {src_ip}, executed '{command*}'",),
        "configuration",
        ("configuration",),
        ("change",),
    ),
    "605004": Message(
        ('Login denied from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service} for user "{user}"',),
        "logon-failed",
        AUTH,
        ("start", "info"),
        "failure",
    ),
    "605005": Message(
        ('Login permitted from {src_ip}/{src_port} to {dst_if}:{dst_ip}/{service} for user "{user}"',),
        "logged-in",
        AUTH,
        ("start",),
    ),
    "611101": Message(
        ("User authentication succeeded: IP address: {src_ip}, Uname: {user}",), "logged-in", AUTH, ("start",)
    ),
    "611102": Message(
        ("User authentication failed: IP address: {src_ip}, Uname: {user}",),
        "logon-failed",
        AUTH,
        ("start", "info"),
        "failure",
    ),
    "611103": Message(("User logged out: Uname: {user}",), "logged-out", AUTH, ("end",)),
    "113004": Message(
        ("AAA user {aaa_type} Successful : server =  {dst_ip} : user = {user}",), "logged-in", AUTH, ("start",)
    ),
    "113005": Message(
        (
            "AAA user authentication Rejected : reason = {reason*} : server = {dst_ip} : user = {user*} : user IP ="
            " {src_ip}",
            "AAA user authentication Rejected : reason = {reason*} : server = {dst_ip} : user = {user+}",
        ),
        "logon-failed",
        AUTH,
        ("start", "info"),
        "failure",
    ),
    "113008": Message(("AAA transaction status ACCEPT : user = {user}",), "logged-in", AUTH, ("start",)),
    "113012": Message(
        ("AAA user authentication Successful : local database : user = {user}",), "logged-in", AUTH, ("start",)
    ),
    "113014": Message(
        ("AAA authentication server not accessible : server = {dst_ip} : user = {user}",),
        "logon-failed",
        AUTH,
        ("start", "info"),
        "failure",
    ),
    "113015": Message(
        (
            "AAA user authentication Rejected : reason = {reason*} : local database : user = {user*} : user IP ="
            " {src_ip}",
        ),
        "logon-failed",
        AUTH,
        ("start", "info"),
        "failure",
    ),
    "113019": Message(
        (
            "Group = {group*}, Username = {user*}, IP = {src_ip}, Session disconnected. Session Type: {session_type*},"
            " Duration: {duration*}, Bytes xmt: {bytes_xmt}, Bytes rcv: {bytes_rcv}, Reason: {reason+}",
            "Group = {group*}, Username = {user*}, IP = {src_ip}, Session disconnected. {rest+}",
        ),
        "logged-out",
        AUTH,
        ("end",),
    ),
    "113039": Message(
        ("Group <{group*}> User <{user*}> IP <{src_ip}> AnyConnect parent session started.",),
        "logged-in",
        AUTH,
        ("start",),
    ),
    "716001": Message(
        ("Group <{group*}> User <{user*}> IP <{src_ip}> WebVPN session started.",), "logged-in", AUTH, ("start",)
    ),
    "716002": Message(
        ("Group <{group*}> User <{user*}> IP <{src_ip}> WebVPN session terminated: {reason+}",),
        "logged-out",
        AUTH,
        ("end",),
    ),
    "722051": Message(
        (
            "Group <{group*}> User <{user*}> IP <{src_ip}> IPv4 Address <{assigned_ip}> IPv6 address"
            " <{assigned_ipv6}> assigned to session",
        ),
        "firewall-rule",
        NET,
        ("info",),
    ),
    "722037": Message(
        ("Group <{group*}> User <{user*}> IP <{src_ip}> SVC closing connection: {reason+}",),
        "logged-out",
        AUTH,
        ("end",),
    ),
    # -- VPN -------------------------------------------------------------------------------------------
    "602303": Message(
        (
            "IPSEC: An {direction} {tunnel_type} SA (SPI= {spi}) between {src_ip} and {dst_ip} (user= {user}) has been"
            " created.",
        ),
        "created",
        (),
        (),
    ),
    "602304": Message(
        (
            "IPSEC: An {direction} {tunnel_type} SA (SPI= {spi}) between {src_ip} and {dst_ip} (user= {user}) has been"
            " deleted.",
        ),
        "deleted",
        NET,
        ("info", "end", "allowed"),
    ),
}
