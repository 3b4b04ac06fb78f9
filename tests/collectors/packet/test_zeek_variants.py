"""Zeek logs as real deployments write them: TSV escapes, JSON without ``_path``, other timestamp styles."""

from __future__ import annotations

from pathlib import Path

from packet_support import PARSERS

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.types import Event

assert PARSERS

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n"
    "#open\t2024-03-01-10-00-00\n#fields\t{fields}\n#types\t{types}\n"
)


def tsv(tmp_path: Path, path: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> Path:
    log = tmp_path / f"{path}.log"
    head = HEADER.format(path=path, fields="\t".join(n for n, _ in columns), types="\t".join(t for _, t in columns))
    body = "".join("\t".join(row) + "\n" for row in rows)
    log.write_text(head + body + "#close\t2024-03-01-11-00-00\n", "utf-8")
    return log


def parse(path: Path) -> list[Event]:
    stats = Stats()
    events = list(parse_files(expand([path]), "zeek", ParseContext(), stats))
    assert stats.failures == 0, stats.warnings
    return events


ID = [("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"), ("id.resp_h", "addr"),
      ("id.resp_p", "port")]  # fmt: skip


def test_tsv_escapes_read_back_as_zeeks_json_writes_them(tmp_path: Path) -> None:
    """Zeek's TSV writer escapes bytes as ``\\xNN``: a backslash, the set separator inside an element,
    a value that is literally ``-``, and (without UTF-8 output) every byte of a non-ASCII character.
    Its JSON writer gives the characters themselves; only control bytes stay escaped."""
    columns = [*ID, ("method", "string"), ("host", "string"), ("uri", "string"), ("referrer", "string"),
               ("user_agent", "string"), ("status_code", "count"), ("resp_filenames", "vector[string]")]  # fmt: skip
    row = ["1709287203.250000", "CHt1", "10.1.2.3", "50000", "93.184.216.34", "80", "GET", "www.example.com",
           "/caf\\xc3\\xa9/a\\x5cb?q=\\xe6\\x97\\xa5\\xe6\\x9c\\xac", "\\x2d", "Mozilla/5.0 (X11; Linux x86_64)",
           "200", "report\\x2c final.pdf,tab\\x09name.txt,bad\\xffbyte"]  # fmt: skip
    (event,) = parse(tsv(tmp_path, "http", columns, [row]))
    assert event["url"]["original"] == "/café/a\\b?q=日本"
    assert event["http"]["request"]["referrer"] == "-"
    assert event["zeek"]["http"]["resp_filenames"] == ["report, final.pdf", "tab\\x09name.txt", "bad\\xffbyte"]
    assert event["user_agent"]["original"] == "Mozilla/5.0 (X11; Linux x86_64)"
    assert "tags" not in event
