"""Split a Windows command line into ``process.args`` the way programs see it.

Windows passes one string; the C runtime (and ``CommandLineToArgvW``) splits it:
the program name runs to the closing quote or first blank with no escapes;
after it, blanks separate arguments outside quotes, ``2n`` backslashes before a
quote give ``n`` backslashes and toggle quoting, ``2n+1`` give ``n`` and a
literal quote, other backslashes are literal, and ``""`` inside quotes is a
literal quote. Reference: Microsoft, "Parsing C++ command-line arguments".
"""

from __future__ import annotations

import re

_BLANKS = " \t"
_PLAIN_ARG = re.compile(r'(?:"[^"]*"?|[^ \t"]+)+')


def split_command_line(line: str) -> list[str]:
    """``"C:\\a b\\x.exe" -k "q \\"r\\""`` → ``['C:\\a b\\x.exe', '-k', 'q "r"']``."""
    if '\\"' not in line and '""' not in line:
        return _split_plain(line)
    args: list[str] = []
    n = len(line)
    i = 0
    while i < n and line[i] in _BLANKS:
        i += 1
    if i >= n:
        return args
    if line[i] == '"':
        end = line.find('"', i + 1)
        end = n if end < 0 else end
        args.append(line[i + 1 : end])
        i = end + 1
    else:
        start = i
        while i < n and line[i] not in _BLANKS:
            i += 1
        args.append(line[start:i])
    while True:
        while i < n and line[i] in _BLANKS:
            i += 1
        if i >= n:
            return args
        i = _argument(line, i, args)


def _argument(line: str, i: int, args: list[str]) -> int:
    """Read one argument starting at ``i``; append it and return where it ended."""
    n = len(line)
    out: list[str] = []
    quoted = False
    while i < n:
        c = line[i]
        if c == "\\":
            run = i
            while i < n and line[i] == "\\":
                i += 1
            count = i - run
            if i < n and line[i] == '"':
                out.append("\\" * (count // 2))
                if count % 2:
                    out.append('"')
                    i += 1
            else:
                out.append("\\" * count)
            continue
        if c == '"':
            if quoted and i + 1 < n and line[i + 1] == '"':
                out.append('"')
                i += 2
                continue
            quoted = not quoted
            i += 1
            continue
        if c in _BLANKS and not quoted:
            break
        out.append(c)
        i += 1
    args.append("".join(out))
    return i


def _split_plain(line: str) -> list[str]:
    """The common case, no escaped or doubled quotes: quotes only group, so a regex does it."""
    line = line.lstrip(_BLANKS)
    if not line:
        return []
    if line[0] == '"':
        end = line.find('"', 1)
        end = len(line) if end < 0 else end
        program, rest = line[1:end], line[end + 1 :]
    else:
        cut = min((i for i in (line.find(" "), line.find("\t")) if i >= 0), default=len(line))
        program, rest = line[:cut], line[cut:]
    return [program, *(m.group().replace('"', "") for m in _PLAIN_ARG.finditer(rest))]
