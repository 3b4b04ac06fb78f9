/*
 * ASP.NET and JSP web shells: a page that starts a process with a command taken
 * from the request.
 */
rule SECOPS_Webshell_ASPX_Process_From_Request
{
    meta:
        id = "4b2cd962-bab0-41c4-84eb-e4ce3ebd21b6"
        author = "secops project"
        date = "2026-11-25"
        description = "ASP.NET page starts a process (cmd.exe, powershell) with arguments read from the request"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        level = "high"
        mitre_attack = "T1505.003"

    strings:
        $page1 = "<%@" ascii
        $page2 = "runat=\"server\"" ascii nocase
        $req1 = "Request.Form" ascii nocase
        $req2 = "Request.QueryString" ascii nocase
        $req3 = "Request.Params" ascii nocase
        $req4 = /Request\s*\[\s*"/ nocase
        $proc1 = "ProcessStartInfo" ascii
        $proc2 = "Process.Start" ascii
        $shell1 = "cmd.exe" ascii nocase
        $shell2 = "powershell" ascii nocase
        $shell3 = "/c " ascii nocase

    condition:
        filesize < 2MB and any of ($page*) and any of ($req*) and any of ($proc*) and any of ($shell*)
}

rule SECOPS_Webshell_JSP_Runtime_Exec_From_Request
{
    meta:
        id = "27ac6244-4eba-40ac-8126-939ce55d0dc7"
        author = "secops project"
        date = "2026-11-25"
        description = "JSP runs a command taken from a request parameter through Runtime.exec or ProcessBuilder"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        level = "high"
        mitre_attack = "T1505.003"

    strings:
        $jsp = "<%" ascii
        $direct = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(\s*request\s*\.\s*getParameter\s*\(/
        $param = /=\s*request\s*\.\s*getParameter\s*\(/
        $exec1 = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $exec2 = /new\s+ProcessBuilder\s*\(/
        $out = "getInputStream()" ascii

    condition:
        filesize < 2MB and $jsp and ($direct or ($param and any of ($exec*) and $out))
}
