"""Windows event → ECS mapping tables, as data (read by ``winlog_ecs``).

The layout is the one Winlogbeat and Elastic Agent produce (their ``sysmon``,
``security`` and ``powershell`` processors), because Kibana content and
pySigma's ``ecs_windows`` pipeline expect it. Facts from Microsoft's event
documentation and Sysmon's manifest; nothing here is copied code.

A mapping is ``(EventData name, target, kind)``; ``kind`` names a converter of
the native mapping (``Op::new`` in ``collectors/native/src/winlog_convert.rs``,
which refuses a name it does not know when ``winlog_ecs`` loads). A target ending in an object name (``process``,
``file``, ``user``) is filled by converters that write several fields.
"""

from __future__ import annotations

Mapping = tuple[str, str, str]
Spec = tuple[tuple[str, ...], tuple[str, ...], str, tuple[Mapping, ...]]
"""(event.category, event.type, event.action, mappings)."""

LEVELS = {"0": "information", "1": "critical", "2": "error", "3": "warning", "4": "information", "5": "verbose"}

OPCODES = {
    "0": "Info",
    "1": "Start",
    "2": "Stop",
    "3": "DCStart",
    "4": "DCStop",
    "5": "Extension",
    "6": "Reply",
    "7": "Resume",
    "8": "Suspend",
    "9": "Send",
    "240": "Receive",
}

KEYWORD_BITS = (
    (0x1000000000000, "Response Time"),
    (0x4000000000000, "WDI Diag"),
    (0x8000000000000, "SQM"),
    (0x10000000000000, "Audit Failure"),
    (0x20000000000000, "Audit Success"),
    (0x40000000000000, "Correlation Hint"),
    (0x80000000000000, "Classic"),
)
"""Standard keyword bits (winmeta.xml); provider-specific bits have no public name."""

LOGON_TYPES = {
    "0": "System",
    "2": "Interactive",
    "3": "Network",
    "4": "Batch",
    "5": "Service",
    "7": "Unlock",
    "8": "NetworkCleartext",
    "9": "NewCredentials",
    "10": "RemoteInteractive",
    "11": "CachedInteractive",
    "12": "CachedRemoteInteractive",
    "13": "CachedUnlock",
}

NTSTATUS = {
    "0x0": "success",
    "0xc000005e": "no logon server available",
    "0xc0000064": "account does not exist",
    "0xc000006a": "wrong password",
    "0xc000006d": "bad user name or authentication information",
    "0xc000006e": "account restriction (unknown user name or bad password)",
    "0xc000006f": "logon outside the allowed hours",
    "0xc0000070": "logon from a workstation that is not allowed",
    "0xc0000071": "password expired",
    "0xc0000072": "account disabled",
    "0xc00000dc": "SAM server in the wrong state",
    "0xc0000133": "clock skew between domain controller and client",
    "0xc000015b": "logon type not granted on this machine",
    "0xc000018c": "trust between the domains failed",
    "0xc0000192": "Netlogon service not started",
    "0xc0000193": "account expired",
    "0xc0000224": "password must be changed at next logon",
    "0xc0000225": "internal Windows error",
    "0xc0000234": "account locked out",
    "0xc00002ee": "error during logon",
    "0xc0000413": "blocked by the authentication firewall",
}
"""NTSTATUS codes of failed logons (Microsoft's 4625 documentation), described in our words."""

FAILURE_REASONS = {  # the text Windows renders for these message ids
    "%%2304": "An Error occurred during Logon.",
    "%%2305": "The specified user account has expired.",
    "%%2306": "The NetLogon component is not active.",
    "%%2307": "Account locked out.",
    "%%2308": "The user has not been granted the requested logon type at this machine.",
    "%%2309": "The specified account's password has expired.",
    "%%2310": "Account currently disabled.",
    "%%2311": "Account logon time restriction violation.",
    "%%2312": "User not allowed to logon at this computer.",
    "%%2313": "Unknown user name or bad password.",
}

GENERIC: tuple[Mapping, ...] = (
    ("AccountName", "user.name", "fallback"),
    ("AccountDomain", "user.domain", "fallback"),
)
"""Any provider's account fields (e.g. a service's account in System 7045), below specific mappings."""

# --- Sysmon (Microsoft-Windows-Sysmon, and Linux-Sysmon for the events it shares) ---

SYSMON_COMMON: tuple[Mapping, ...] = (
    ("ProcessGuid", "process.entity_id", "text"),
    ("ProcessId", "process.pid", "int"),
    ("Image", "process", "exe"),
    ("User", "user", "account"),
    ("RuleName", "rule.name", "text"),
)

_PE = (
    ("FileVersion", "{0}.pe.file_version", "text"),
    ("Description", "{0}.pe.description", "text"),
    ("Product", "{0}.pe.product", "text"),
    ("Company", "{0}.pe.company", "text"),
    ("OriginalFileName", "{0}.pe.original_file_name", "text"),
)
_SIGNATURE = (
    ("Signed", "file.code_signature.exists", "bool"),
    # Not ECS: where pySigma's ecs_windows (after Winlogbeat) sends Sigma's ``Signed``; kept while
    # the rule pipelines do not map Signed to code_signature.exists.
    ("Signed", "file.code_signature.signed", "bool"),
    ("Signature", "file.code_signature.subject_name", "text"),
    ("SignatureStatus", "file.code_signature", "signature_status"),
)
_SOURCE_PROCESS = (
    ("SourceProcessGuid", "process.entity_id", "text"),
    ("SourceProcessGUID", "process.entity_id", "text"),
    ("SourceProcessId", "process.pid", "int"),
    ("SourceThreadId", "process.thread.id", "int"),
    ("SourceImage", "process", "exe"),
)
_TARGET_FILE = (("TargetFilename", "file", "path"),)


def _pe(owner: str) -> tuple[Mapping, ...]:
    return tuple((name, target.format(owner), kind) for name, target, kind in _PE)


SYSMON: dict[str, Spec] = {
    "1": (
        ("process",),
        ("start",),
        "Process Create (rule: ProcessCreate)",
        (
            *_pe("process"),
            ("CommandLine", "process", "command_line"),
            ("CurrentDirectory", "process.working_directory", "text"),
            ("Hashes", "process", "hashes"),
            ("ParentProcessGuid", "process.parent.entity_id", "text"),
            ("ParentProcessId", "process.parent.pid", "int"),
            ("ParentImage", "process.parent", "exe"),
            ("ParentCommandLine", "process.parent", "command_line"),
        ),
    ),
    "2": (("file",), ("change",), "File creation time changed (rule: FileCreateTime)", _TARGET_FILE),
    "3": (
        ("network",),
        ("connection", "start", "protocol"),
        "Network connection detected (rule: NetworkConnect)",
        (
            ("Protocol", "network.transport", "lower"),
            ("Initiated", "network.direction", "direction"),
            ("SourceIsIpv6", "network.type", "ip_version"),
            ("SourceIp", "source.ip", "ip"),
            ("SourceHostname", "source.domain", "text"),
            ("SourcePort", "source.port", "int"),
            ("DestinationIp", "destination.ip", "ip"),
            ("DestinationHostname", "destination.domain", "text"),
            ("DestinationPort", "destination.port", "int"),
            ("DestinationPortName", "network.protocol", "text"),
        ),
    ),
    "4": (("process",), ("change",), "Sysmon service state changed", ()),
    "5": (("process",), ("end",), "Process terminated (rule: ProcessTerminate)", ()),
    "6": (
        ("driver",),
        ("start",),
        "Driver loaded (rule: DriverLoad)",
        (("ImageLoaded", "file", "path"), ("Hashes", "file", "hashes"), *_SIGNATURE),
    ),
    "7": (
        ("process",),
        ("change",),
        "Image loaded (rule: ImageLoad)",
        (("ImageLoaded", "file", "path"), ("Hashes", "file", "hashes"), *_pe("file"), *_SIGNATURE),
    ),
    "8": (("process",), ("change",), "CreateRemoteThread detected (rule: CreateRemoteThread)", _SOURCE_PROCESS),
    "9": (("process",), ("access",), "RawAccessRead detected (rule: RawAccessRead)", (("Device", "file", "path"),)),
    "10": (("process",), ("access",), "Process accessed (rule: ProcessAccess)", _SOURCE_PROCESS),
    "11": (("file",), ("creation",), "File created (rule: FileCreate)", _TARGET_FILE),
    "12": (
        ("configuration", "registry"),
        ("change",),
        "Registry object added or deleted (rule: RegistryEvent)",
        (("TargetObject", "registry", "registry"),),
    ),
    "13": (
        ("configuration", "registry"),
        ("change",),
        "Registry value set (rule: RegistryEvent)",
        (("TargetObject", "registry", "registry_value"), ("Details", "registry.data", "registry_data")),
    ),
    "14": (
        ("configuration", "registry"),
        ("change",),
        "Registry object renamed (rule: RegistryEvent)",
        (("TargetObject", "registry", "registry"),),
    ),
    "15": (
        ("file",),
        ("access",),
        "File stream created (rule: FileCreateStreamHash)",
        (*_TARGET_FILE, ("Hash", "file", "hashes")),
    ),
    "16": (("configuration",), ("change",), "Sysmon config state changed", ()),
    "17": (("file",), ("creation",), "Pipe Created (rule: PipeEvent)", (("PipeName", "file.name", "text"),)),
    "18": (("file",), ("access",), "Pipe Connected (rule: PipeEvent)", (("PipeName", "file.name", "text"),)),
    "19": (("process",), ("change",), "WmiEventFilter activity detected (rule: WmiEvent)", ()),
    "20": (
        ("process",),
        ("change",),
        "WmiEventConsumer activity detected (rule: WmiEvent)",
        (("Destination", "process.executable", "text"),),  # as pySigma's ecs_windows expects
    ),
    "21": (("process",), ("change",), "WmiEventConsumerToFilter activity detected (rule: WmiEvent)", ()),
    "22": (
        ("network",),
        ("connection", "protocol", "info"),
        "Dns query (rule: DnsQuery)",
        (
            ("QueryName", "dns.question.name", "text"),
            ("QueryStatus", "sysmon.dns.status", "text"),
            ("QueryResults", "dns", "dns_answers"),
        ),
    ),
    "23": (
        ("file",),
        ("deletion",),
        "File Delete archived (rule: FileDelete)",
        (
            *_TARGET_FILE,
            ("Hashes", "file", "hashes"),
            ("IsExecutable", "sysmon.file.is_executable", "bool"),
            ("Archived", "sysmon.file.archived", "bool"),
        ),
    ),
    "24": (("host",), ("change",), "Clipboard changed (rule: ClipboardChange)", (("Hashes", "file", "hashes"),)),
    "25": (("process",), ("change",), "Process Tampering (rule: ProcessTampering)", ()),
    "26": (
        ("file",),
        ("deletion",),
        "File Delete logged (rule: FileDeleteDetected)",
        (*_TARGET_FILE, ("Hashes", "file", "hashes"), ("IsExecutable", "sysmon.file.is_executable", "bool")),
    ),
    "27": (
        ("file",),
        ("denied",),
        "File Block Executable (rule: FileBlockExecutable)",
        (*_TARGET_FILE, ("Hashes", "file", "hashes")),
    ),
    "28": (
        ("file",),
        ("denied",),
        "File Block Shredding (rule: FileBlockShredding)",
        (*_TARGET_FILE, ("Hashes", "file", "hashes"), ("IsExecutable", "sysmon.file.is_executable", "bool")),
    ),
    "29": (
        ("file",),
        ("creation",),
        "File Executable Detected (rule: FileExecutableDetected)",
        (*_TARGET_FILE, ("Hashes", "file", "hashes")),
    ),
    "255": ((), ("error",), "Error report", ()),
}

# --- Security auditing (Microsoft-Windows-Security-Auditing, Eventlog on the Security channel) ---

SECURITY_COMMON: tuple[Mapping, ...] = (
    ("IpAddress", "source.ip", "ip"),
    ("IpPort", "source.port", "port"),
    ("WorkstationName", "source.domain", "text"),
    ("Workstation", "source.domain", "text"),
    ("SourceAddress", "source.ip", "ip"),
    ("SourcePort", "source.port", "port"),
    ("DestAddress", "destination.ip", "ip"),
    ("DestPort", "destination.port", "port"),
    ("Application", "process", "exe"),
    ("ProcessName", "process", "exe"),
    ("ProcessId", "process.pid", "hex"),
    ("LogonType", "winlog.logon.type", "logon_type"),
    ("ServiceName", "service.name", "text"),
    ("ParentProcessId", "process.parent.pid", "hex"),
    # Remote Desktop session events (4778, 4779, 4825): the client. "LOCAL"/"Unknown" are no address.
    ("ClientAddress", "source.ip", "ip"),
    ("ClientName", "source.domain", "text"),
    ("LogonID", "winlog.logon.id", "text"),
)

USER_SUBJECT: tuple[Mapping, ...] = (
    ("SubjectUserSid", "user.id", "sid"),
    ("SubjectUserName", "user.name", "text"),
    ("SubjectDomainName", "user.domain", "text"),
    ("SubjectLogonId", "winlog.logon.id", "text"),
    ("TargetUserSid", "user.target.id", "sid"),
    ("TargetSid", "user.target.id", "sid"),
    ("TargetUserName", "user.target.name", "text"),
    ("TargetDomainName", "user.target.domain", "text"),
)
"""The acting account is the subject; a target account is ``user.target``."""

USER_TARGET: tuple[Mapping, ...] = (
    ("SubjectLogonId", "winlog.logon.id", "fallback"),
    ("TargetUserSid", "user.id", "sid"),
    ("TargetSid", "user.id", "sid"),
    ("TargetUserName", "user.name", "text"),
    ("TargetDomainName", "user.domain", "text"),
    ("TargetLogonId", "winlog.logon.id", "text"),
)
"""Logon and Kerberos events: the account logging on is the target. A target written ``-``
leaves ``user.*`` empty rather than naming the subject (the service that asked); only the
logon id falls back to the subject's, as 4625 has no ``TargetLogonId``."""

USER_GROUP: tuple[Mapping, ...] = (
    *USER_SUBJECT[:4],
    ("TargetSid", "group.id", "sid"),
    ("TargetUserName", "group.name", "text"),
    ("TargetDomainName", "group.domain", "text"),
    ("MemberSid", "user.target.id", "sid"),
    ("MemberName", "user.target.name", "dn_name"),
)
"""Group management: the target is a group, the member a user (``MemberName`` is the member's
distinguished name, ``CN=John Smith,OU=Staff,DC=corp,…``: its CN names the user)."""

_CALLER_PROCESS = (("CallerProcessId", "process.pid", "hex"), ("CallerProcessName", "process", "exe"))
"""Enumeration events (4798, 4799) name the process that asked."""

_LOGON_FAILURE = (
    ("Status", "winlog.logon.failure.status", "ntstatus"),
    ("SubStatus", "winlog.logon.failure.sub_status", "ntstatus"),
    ("FailureReason", "winlog.logon.failure.reason", "failure_reason"),
)

_WFP = (
    ("ProcessID", "process.pid", "int"),  # decimal, unlike the hex ProcessId of other events
    ("Protocol", "network", "iana_protocol"),
    ("Direction", "network.direction", "wfp_direction"),
)
"""Windows Filtering Platform connections (5156, 5157)."""

WFP_DIRECTIONS = {"%%14592": "ingress", "%%14593": "egress"}
"""The message ids WFP events write for inbound and outbound, as Sysmon's ``Initiated`` maps."""

SecuritySpec = tuple[tuple[str, ...], tuple[str, ...], str, tuple[Mapping, ...], tuple[Mapping, ...]]
"""(category, type, action, user mappings, extra mappings)."""

SECURITY: dict[str, SecuritySpec] = {
    "1100": (("process",), ("end",), "logging-service-shutdown", USER_SUBJECT, ()),
    "1102": (("iam",), ("admin", "change"), "audit-log-cleared", USER_SUBJECT, ()),
    "1104": (("iam",), ("admin",), "logging-full", USER_SUBJECT, ()),
    "4624": (("authentication",), ("start",), "logged-in", USER_TARGET, ()),
    "4625": (("authentication",), ("start",), "logon-failed", USER_TARGET, _LOGON_FAILURE),
    "4634": (("authentication",), ("end",), "logged-out", USER_TARGET, ()),
    "4647": (("authentication",), ("end",), "logged-out", USER_TARGET, ()),  # only Target* fields
    "4648": (("authentication",), ("start",), "logged-in-explicit", USER_SUBJECT, ()),
    "4672": (("iam",), ("admin",), "logged-in-special", USER_SUBJECT, ()),
    "4673": (("iam",), ("admin",), "privileged-service-called", USER_SUBJECT, ()),
    "4674": (("iam",), ("admin",), "privileged-operation", USER_SUBJECT, ()),
    "4688": (
        ("process",),
        ("start",),
        "created-process",
        USER_SUBJECT,
        (
            ("NewProcessName", "process", "exe"),
            ("NewProcessId", "process.pid", "hex"),
            ("ProcessId", "process.parent.pid", "hex"),
            ("ParentProcessName", "process.parent", "exe"),
            ("CommandLine", "process", "command_line"),
        ),
    ),
    "4689": (
        ("process",),
        ("end",),
        "exited-process",
        USER_SUBJECT,
        (("Status", "process.exit_code", "hex"),),
    ),
    "4697": (("iam", "configuration"), ("admin", "change"), "service-installed", USER_SUBJECT, ()),
    "4698": (("iam", "configuration"), ("creation", "admin"), "scheduled-task-created", USER_SUBJECT, ()),
    "4699": (("iam", "configuration"), ("deletion", "admin"), "scheduled-task-deleted", USER_SUBJECT, ()),
    "4700": (("iam", "configuration"), ("change", "admin"), "scheduled-task-enabled", USER_SUBJECT, ()),
    "4701": (("iam", "configuration"), ("change", "admin"), "scheduled-task-disabled", USER_SUBJECT, ()),
    "4702": (("iam", "configuration"), ("change", "admin"), "scheduled-task-updated", USER_SUBJECT, ()),
    "4719": (("iam", "configuration"), ("admin", "change"), "changed-audit-config", USER_SUBJECT, ()),
    "4720": (("iam",), ("user", "creation"), "added-user-account", USER_SUBJECT, ()),
    "4722": (("iam",), ("user", "change"), "enabled-user-account", USER_SUBJECT, ()),
    "4723": (("iam",), ("user", "change"), "changed-password", USER_SUBJECT, ()),
    "4724": (("iam",), ("user", "change"), "reset-password", USER_SUBJECT, ()),
    "4725": (("iam",), ("user", "change"), "disabled-user-account", USER_SUBJECT, ()),
    "4726": (("iam",), ("user", "deletion"), "deleted-user-account", USER_SUBJECT, ()),
    "4727": (("iam",), ("group", "creation"), "added-group-account", USER_GROUP, ()),
    "4728": (("iam",), ("group", "change"), "added-member-to-group", USER_GROUP, ()),
    "4729": (("iam",), ("group", "change"), "removed-member-from-group", USER_GROUP, ()),
    "4730": (("iam",), ("group", "deletion"), "deleted-group-account", USER_GROUP, ()),
    "4731": (("iam",), ("group", "creation"), "added-group-account", USER_GROUP, ()),
    "4732": (("iam",), ("group", "change"), "added-member-to-group", USER_GROUP, ()),
    "4733": (("iam",), ("group", "change"), "removed-member-from-group", USER_GROUP, ()),
    "4734": (("iam",), ("group", "deletion"), "deleted-group-account", USER_GROUP, ()),
    "4735": (("iam",), ("group", "change"), "modified-group-account", USER_GROUP, ()),
    "4737": (("iam",), ("group", "change"), "modified-group-account", USER_GROUP, ()),
    "4738": (("iam",), ("user", "change"), "modified-user-account", USER_SUBJECT, ()),
    "4740": (("iam",), ("user", "change"), "locked-out-user-account", USER_SUBJECT, ()),
    "4754": (("iam",), ("group", "creation"), "added-group-account", USER_GROUP, ()),
    "4755": (("iam",), ("group", "change"), "modified-group-account", USER_GROUP, ()),
    "4756": (("iam",), ("group", "change"), "added-member-to-group", USER_GROUP, ()),
    "4757": (("iam",), ("group", "change"), "removed-member-from-group", USER_GROUP, ()),
    "4758": (("iam",), ("group", "deletion"), "deleted-group-account", USER_GROUP, ()),
    "4741": (("iam",), ("creation", "admin"), "added-computer-account", USER_SUBJECT, ()),
    "4742": (("iam",), ("change", "admin"), "changed-computer-account", USER_SUBJECT, ()),
    "4743": (("iam",), ("deletion", "admin"), "deleted-computer-account", USER_SUBJECT, ()),
    **{
        eid: (("iam",), ("group", kind), action, USER_GROUP, ())
        for first in (4744, 4749, 4759)  # local, global, universal distribution groups
        for eid, (kind, action) in zip(
            map(str, range(first, first + 5)),
            (
                ("creation", "added-distribution-group-account"),
                ("change", "changed-distribution-group-account"),
                ("change", "added-member-to-distribution-group"),
                ("change", "removed-member-from-distribution-group"),
                ("deletion", "deleted-distribution-group-account"),
            ),
            strict=True,
        )
    },
    "4764": (("iam",), ("group", "change"), "type-changed-group-account", USER_GROUP, ()),
    "4767": (("iam",), ("user", "change"), "unlocked-user-account", USER_SUBJECT, ()),
    "4768": (("authentication",), ("start",), "kerberos-authentication-ticket-requested", USER_TARGET, ()),
    "4769": (("authentication",), ("start",), "kerberos-service-ticket-requested", USER_TARGET, ()),
    "4770": (("authentication",), ("start",), "kerberos-service-ticket-renewed", USER_TARGET, ()),
    "4771": (("authentication",), ("start",), "kerberos-preauth-failed", USER_TARGET, ()),
    "4776": (("authentication",), ("start",), "credential-validated", USER_TARGET, ()),
    "4778": (("authentication", "session"), ("start",), "session-reconnected", USER_SUBJECT, ()),
    "4779": (("authentication", "session"), ("end",), "session-disconnected", USER_SUBJECT, ()),
    "4781": (
        ("iam",),
        ("user", "change"),
        "renamed-user-account",
        USER_SUBJECT,
        (("OldTargetUserName", "user.target.name", "text"), ("NewTargetUserName", "user.changes.name", "text")),
    ),
    "4798": (("iam",), ("user", "info"), "group-membership-enumerated", USER_SUBJECT, _CALLER_PROCESS),
    "4799": (("iam",), ("group", "info"), "user-member-enumerated", USER_GROUP, _CALLER_PROCESS),
    "5140": (("network", "file"), ("info", "access"), "network-share-object-accessed", USER_SUBJECT, ()),
    "5145": (("network", "file"), ("info", "access"), "network-share-object-access-checked", USER_SUBJECT, ()),
    "5156": (("network",), ("connection", "allowed"), "windows-filtering-platform-connection-permitted", (), _WFP),
    "5157": (("network",), ("connection", "denied"), "windows-filtering-platform-connection-blocked", (), _WFP),
}

# --- PowerShell (Microsoft-Windows-PowerShell/Operational and the classic "Windows PowerShell" log) ---

POWERSHELL_OPERATIONAL: dict[str, tuple[Mapping, ...]] = {
    "4103": (
        ("ContextInfo", "powershell", "powershell_context"),
        ("Payload", "powershell.command.invocation_details", "text"),
        ("Payload", "powershell.file.script_block_text", "text"),  # where pySigma's ecs_windows looks
    ),
    "4104": (
        ("MessageNumber", "powershell.sequence", "int"),
        ("MessageTotal", "powershell.total", "int"),
        ("ScriptBlockText", "powershell.file.script_block_text", "text"),
        ("ScriptBlockId", "powershell.file.script_block_id", "text"),
        ("Path", "file", "path"),
    ),
}

POWERSHELL_FIELDS = {
    "HostApplication": ("process", "command_line"),
    "HostName": ("process.title", "text"),
    "HostVersion": ("powershell.process.executable_version", "text"),
    "HostId": ("process.entity_id", "text"),
    "EngineVersion": ("powershell.engine.version", "text"),
    "NewEngineState": ("powershell.engine.new_state", "text"),
    "PreviousEngineState": ("powershell.engine.previous_state", "text"),
    "NewProviderState": ("powershell.provider.new_state", "text"),
    "ProviderName": ("powershell.provider.name", "text"),
    "RunspaceId": ("powershell.runspace_id", "text"),
    "PipelineId": ("powershell.pipeline_id", "text"),
    "CommandName": ("powershell.command.name", "text"),
    "CommandType": ("powershell.command.type", "text"),
    "CommandPath": ("powershell.command.path", "text"),
    "CommandLine": ("powershell.command.value", "text"),
    "ScriptName": ("file", "path"),
    "SequenceNumber": ("event.sequence", "int"),
    "User": ("user", "account"),
    "ConnectedUser": ("powershell.connected_user", "account"),
    "ShellId": ("powershell.id", "text"),
}
"""``Key=Value`` details of classic PowerShell events (400, 403, 600, 800) and of 4103's
``ContextInfo`` (``Host Application = …``, ``Host ID = …``: the same keys with spaces, and ``ID``
where classic events write ``Id``; looked up without regard to case)."""

POWERSHELL_CLASSIC_ACTIONS = {
    "400": ("Engine state is changed from None to Available.", ("process",), ("start",)),
    "403": ("Engine state is changed from Available to Stopped.", ("process",), ("end",)),
    "600": ("Provider is Started.", ("process",), ("change",)),
    "800": ("Pipeline execution details.", ("process",), ("info",)),
}

DATASETS = {
    "Security": ("system.security", "system"),
    "System": ("system.system", "system"),
    "Application": ("system.application", "system"),
    "Microsoft-Windows-Sysmon/Operational": ("windows.sysmon_operational", "windows"),
    "Microsoft-Windows-PowerShell/Operational": ("windows.powershell_operational", "windows"),
    "Windows PowerShell": ("windows.powershell", "windows"),
    "Linux-Sysmon/Operational": ("sysmon_linux.log", "sysmon_linux"),
}
"""``event.dataset``/``event.module`` per channel, as Elastic Agent names its data streams."""
DEFAULT_DATASET = ("windows.eventlog", "windows")

KNOWN_CHANNELS = (
    *DATASETS,
    "ForwardedEvents",
    "Setup",
    "PowerShellCore/Operational",
    "Microsoft-Windows-TaskScheduler/Operational",
    "Microsoft-Windows-WMI-Activity/Operational",
    "Microsoft-Windows-Windows Defender/Operational",
    "Microsoft-Windows-Bits-Client/Operational",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    "Microsoft-Windows-NTLM/Operational",
    "Microsoft-Windows-DNS-Client/Operational",
    "Microsoft-Windows-CodeIntegrity/Operational",
)
"""Channel names are case-insensitive in Windows; shippers sometimes lower-case them."""
