/*
 * The EICAR anti-malware test file: 68 printable bytes at the start of a file of
 * at most 128 bytes. Scanners must report it, so it proves a scan end to end.
 * The string is written in hex so that this rule file is not itself taken for
 * the test file by a scanner that looks for the literal text.
 */
rule SECOPS_EICAR_Test_File
{
    meta:
        id = "2e01c0b4-ba74-4515-b3f6-3c2f15fa5139"
        author = "secops project"
        date = "2026-11-25"
        description = "EICAR anti-malware test file (harmless by design; proves that scanning works)"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
        level = "informational"

    strings:
        $eicar = { 58 35 4F 21 50 25 40 41 50 5B 34 5C 50 5A 58 35 34 28 50 5E 29 37 43 43 29 37 7D 24
                   45 49 43 41 52 2D 53 54 41 4E 44 41 52 44 2D 41 4E 54 49 56 49 52 55 53 2D
                   54 45 53 54 2D 46 49 4C 45 21 24 48 2B 48 2A }

    condition:
        $eicar at 0 and filesize <= 128
}
