/*
 * PHP web shells: code that hands request input to an interpreter or a shell.
 * Legitimate PHP reads $_GET/$_POST all the time; what it does not do is pass
 * them straight into eval(), assert(), system() and friends, or eval() a long
 * packed blob.
 */
rule SECOPS_Webshell_PHP_Request_To_Exec
{
    meta:
        id = "5455d8aa-791d-4c51-ada6-4c9ece6be20a"
        author = "secops project"
        date = "2026-11-25"
        description = "PHP passes request input (GET/POST/REQUEST/COOKIE) directly to code or command execution"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        level = "high"
        mitre_attack = "T1505.003"

    strings:
        $php = "<?" ascii
        $exec = /\b(eval|assert|system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec|create_function)\s*\(\s*(@\s*)?((base64_decode|gzinflate|gzuncompress|str_rot13|stripslashes|urldecode|trim)\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $backtick = /`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*`/

    condition:
        $php and ($exec or $backtick)
}

rule SECOPS_Webshell_PHP_Packed_Eval
{
    meta:
        id = "dcc692f5-2ea3-46b7-bd09-a547c4d8e4bd"
        author = "secops project"
        date = "2026-11-25"
        description = "PHP evaluates a long base64 blob after decoding or inflating it (packed web shell)"
        reference = "https://attack.mitre.org/techniques/T1027/"
        level = "high"
        mitre_attack = "T1505.003, T1027"

    strings:
        $php = "<?" ascii
        $packed = /\beval\s*\(\s*((gzinflate|gzuncompress|gzdecode|str_rot13|strrev|base64_decode)\s*\(\s*){1,4}['"][A-Za-z0-9+\/=\r\n]{200}/ nocase

    condition:
        $php and $packed
}
