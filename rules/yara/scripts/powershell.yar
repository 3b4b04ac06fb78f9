/*
 * PowerShell staging seen in droppers, macros and batch files: a download
 * cradle that runs what it fetches, and a hidden encoded command line.
 */
rule SECOPS_PowerShell_Download_Cradle
{
    meta:
        id = "9b0f6386-4811-4e7f-aff9-96b81f9a1cf4"
        author = "secops project"
        date = "2026-11-25"
        description = "PowerShell downloads a script and runs it in memory (IEX with WebClient or Invoke-WebRequest)"
        reference = "https://attack.mitre.org/techniques/T1059/001/"
        level = "high"
        mitre_attack = "T1059.001, T1105"

    strings:
        $iex1 = /\b(iex|Invoke-Expression)\s*[\(\s]\s*\(?\s*(New-Object\s+(System\.)?Net\.WebClient\s*\)?\s*\.\s*DownloadString|(iwr|Invoke-WebRequest|Invoke-RestMethod|irm)\b)/ nocase wide ascii
        $iex2 = /\.\s*DownloadString\s*\(\s*['"]https?:\/\/[^'"]{4,200}['"]\s*\)\s*\|\s*(iex|Invoke-Expression)\b/ nocase wide ascii
        $iex3 = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^|\r\n]{4,300}\|\s*(iex|Invoke-Expression)\b/ nocase wide ascii

    condition:
        filesize < 5MB and any of them
}

rule SECOPS_PowerShell_Hidden_Encoded_Command
{
    meta:
        id = "19b850a7-5344-4ccb-8f35-e0d2eaec79fb"
        author = "secops project"
        date = "2026-11-25"
        description = "A command line starts PowerShell hidden or non-interactive with a long base64 encoded command"
        reference = "https://attack.mitre.org/techniques/T1027/010/"
        level = "medium"
        mitre_attack = "T1059.001, T1027.010"

    strings:
        $enc = /powershell(\.exe)?["']?\s+(-\w+(\s+(hidden|bypass|unrestricted|1))?\s+)*-e(c|nc|ncodedcommand)?\s+[A-Za-z0-9+\/]{60}/ nocase wide ascii
        $hidden = /-w(indowstyle)?\s+(hidden|1)\b/ nocase wide ascii
        $nonint = /-noni(nteractive)?\b/ nocase wide ascii

    condition:
        filesize < 5MB and $enc and ($hidden or $nonint)
}
