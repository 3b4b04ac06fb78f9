/*
 * Traces of credential-dumping tools left on disk: Mimikatz commands in
 * scripts and logs, LSASS dumped through comsvcs.dll, registry hives saved for
 * offline cracking, and secretsdump output.
 */
rule SECOPS_Mimikatz_Command_Traces
{
    meta:
        id = "47dc3e1c-36d9-451a-a19f-ec84293c4c72"
        author = "secops project"
        date = "2026-11-25"
        description = "Two or more Mimikatz module::command names (in a script, a log, a tool binary or its output)"
        reference = "https://attack.mitre.org/software/S0002/"
        level = "high"
        mitre_attack = "T1003.001, T1558"

    strings:
        $c1 = "sekurlsa::logonpasswords" ascii wide nocase
        $c2 = "sekurlsa::pth" ascii wide nocase
        $c3 = "sekurlsa::tickets" ascii wide nocase
        $c4 = "lsadump::sam" ascii wide nocase
        $c5 = "lsadump::dcsync" ascii wide nocase
        $c6 = "lsadump::secrets" ascii wide nocase
        $c7 = "lsadump::lsa" ascii wide nocase
        $c8 = "kerberos::golden" ascii wide nocase
        $c9 = "kerberos::ptt" ascii wide nocase
        $c10 = "privilege::debug" ascii wide nocase
        $c11 = "token::elevate" ascii wide nocase
        $c12 = "crypto::capi" ascii wide nocase
        $c13 = "dpapi::cred" ascii wide nocase

    condition:
        2 of them
}

rule SECOPS_LSASS_Dump_Via_Comsvcs
{
    meta:
        id = "d6f9fe63-10cb-430c-b664-c76048cc8dc2"
        author = "secops project"
        date = "2026-11-25"
        description = "A command dumps a process (LSASS) with the MiniDump export of comsvcs.dll through rundll32"
        reference = "https://attack.mitre.org/techniques/T1003/001/"
        level = "high"
        mitre_attack = "T1003.001"

    strings:
        $dump = /comsvcs(\.dll)?[",\s]{1,4}(#\s*\+?0*24|MiniDump[W]?)\b/ nocase ascii wide
        $rundll = "rundll32" nocase ascii wide

    condition:
        filesize < 5MB and $rundll and $dump
}

rule SECOPS_Registry_Credential_Hives_Saved
{
    meta:
        id = "17500d0b-d893-4719-a8da-572585b950f4"
        author = "secops project"
        date = "2026-11-25"
        description = "A script saves the SAM or SECURITY hive together with SYSTEM (for offline hash extraction)"
        reference = "https://attack.mitre.org/techniques/T1003/002/"
        level = "high"
        mitre_attack = "T1003.002"

    strings:
        $sam = /reg(\.exe)?\s+save\s+["']?(hklm|HKEY_LOCAL_MACHINE)\\(sam|security)["']?\s/ nocase ascii wide
        $system = /reg(\.exe)?\s+save\s+["']?(hklm|HKEY_LOCAL_MACHINE)\\system["']?\s/ nocase ascii wide

    condition:
        filesize < 5MB and $sam and $system
}

rule SECOPS_Secretsdump_Output
{
    meta:
        id = "1fdf49ee-de98-41f3-b657-ea889c62baf7"
        author = "secops project"
        date = "2026-11-25"
        description = "Output of Impacket secretsdump: section banners and user:rid:lmhash:nthash lines"
        reference = "https://attack.mitre.org/techniques/T1003/003/"
        level = "high"
        mitre_attack = "T1003.002, T1003.003"

    strings:
        $banner1 = "Dumping local SAM hashes (uid:rid:lmhash:nthash)" ascii
        $banner2 = "Dumping Domain Credentials (domain\\uid:rid:lmhash:nthash)" ascii
        $banner3 = "Using the DRSUAPI method to get NTDS.DIT secrets" ascii
        $hash = /\n[^:\r\n]{1,64}:\d{1,10}:[a-fA-F0-9]{32}:[a-fA-F0-9]{32}:::/

    condition:
        any of ($banner*) and #hash >= 2
}

rule SECOPS_LSASS_Minidump_File
{
    meta:
        id = "64ae079f-b37d-41b6-87ab-128545ae1de4"
        author = "secops project"
        date = "2026-11-25"
        description = "A Windows minidump whose module list holds LSASS's authentication packages (a dumped LSASS)"
        reference = "https://attack.mitre.org/techniques/T1003/001/"
        level = "critical"
        mitre_attack = "T1003.001"

    strings:
        $lsasrv = "lsasrv.dll" wide nocase
        $msv = "msv1_0.dll" wide nocase
        $wdigest = "wdigest.dll" wide nocase
        $kerberos = "kerberos.dll" wide nocase

    condition:
        uint32(0) == 0x504D444D and $lsasrv and 2 of ($msv, $wdigest, $kerberos)
}
