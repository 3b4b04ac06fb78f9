/*
 * An executable whose name says it is a document or a picture. Uses the
 * per-file external variable "extension" that the scanner fills (THOR/LOKI
 * convention: lower case, with the leading dot).
 */
rule SECOPS_Executable_With_Document_Extension
{
    meta:
        id = "d481e7ea-a99f-40c0-9d6b-2cc2124d5910"
        author = "secops project"
        date = "2026-11-25"
        description = "A Windows PE or ELF executable named like a document, picture or archive"
        reference = "https://attack.mitre.org/techniques/T1036/008/"
        level = "high"
        mitre_attack = "T1036.008"

    condition:
        (uint16(0) == 0x5A4D or uint32(0) == 0x464C457F) and
        (extension == ".pdf" or extension == ".doc" or extension == ".docx" or extension == ".xls" or
         extension == ".xlsx" or extension == ".txt" or extension == ".jpg" or extension == ".jpeg" or
         extension == ".png" or extension == ".gif" or extension == ".rtf" or extension == ".csv")
}
