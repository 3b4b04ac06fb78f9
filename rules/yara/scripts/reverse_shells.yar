/*
 * Unix reverse shells staged in scripts, crontabs and shell histories: an
 * interactive shell whose input and output are a network socket.
 */
rule SECOPS_Unix_Reverse_Shell
{
    meta:
        id = "fea1dec4-60fb-4bd1-bcbe-b05429bfe2f2"
        author = "secops project"
        date = "2026-11-25"
        description = "Interactive shell wired to a TCP connection (bash /dev/tcp, netcat -e, mkfifo relay, Python pty)"
        reference = "https://attack.mitre.org/techniques/T1059/004/"
        level = "high"
        mitre_attack = "T1059.004"

    strings:
        $devtcp = /\b(ba)?sh\s+-i\s*[<>&0-9\s]{1,12}\/dev\/tcp\/[A-Za-z0-9.\-]{1,253}\/\d{1,5}/
        $devtcp_exec = /exec\s+\d+<>\s*\/dev\/tcp\/[A-Za-z0-9.\-]{1,253}\/\d{1,5}/
        $nc_exec = /\b(nc|ncat|netcat)(\.traditional)?\s+(-[a-z]+\s+)*-e\s+\/bin\/(ba)?sh\b/
        $fifo = /mkfifo\s+\S{1,100};\s*(cat|tail -f)\s+\S{1,100}\s*\|\s*\/bin\/(ba)?sh\s+-i\s*2>&1\s*\|\s*(nc|ncat|openssl s_client)\b/
        $py_socket = /socket\.socket\s*\(\s*socket\.AF_INET\s*,\s*socket\.SOCK_STREAM\s*\)/
        $py_dup = /os\.dup2\s*\(\s*\w{1,20}\.fileno\s*\(\s*\)\s*,\s*[012]\s*\)/
        $py_shell = /(pty\.spawn|subprocess\.call)\s*\(\s*\[?\s*["']\/bin\/(ba)?sh["']/

    condition:
        filesize < 5MB and (any of ($devtcp*, $nc_exec, $fifo) or all of ($py*))
}
