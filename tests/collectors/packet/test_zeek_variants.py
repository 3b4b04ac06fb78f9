"""Zeek logs as real deployments write them: TSV escapes, JSON without ``_path``, other timestamp styles."""

from __future__ import annotations

from pathlib import Path

import orjson
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


def test_json_without_path_takes_its_log_type_from_the_file_name(tmp_path: Path) -> None:
    """Zeek's JSON logs carry no ``_path`` unless asked to; Elastic reads the type from the file's name.
    A notice about a file, an FTP transfer and an SMB file access all carry a ``fuid`` and are not files.log."""
    notice = {"ts": 1709287210.5, "uid": "CNot1", "id.orig_h": "10.1.2.3", "id.orig_p": 50002,
              "id.resp_h": "198.51.100.7", "id.resp_p": 80, "fuid": "FAb12", "file_mime_type": "application/x-dosexec",
              "proto": "tcp", "note": "TeamCymruMalwareHashRegistry::Match", "msg": "Malware Hash Registry Detection",
              "src": "10.1.2.3", "dst": "198.51.100.7", "p": 80, "actions": ["Notice::ACTION_LOG"]}  # fmt: skip
    ftp = {"ts": 1709287211.0, "uid": "CFtp1", "id.orig_h": "10.1.2.3", "id.orig_p": 50003, "id.resp_h": "198.51.100.8",
           "id.resp_p": 21, "user": "anonymous", "password": "<hidden>", "command": "RETR", "arg": "/pub/file.tgz",
           "reply_code": 226, "reply_msg": "Transfer complete", "fuid": "FFtp1"}  # fmt: skip
    for name, record in (("notice", notice), ("ftp", ftp)):
        log = tmp_path / f"{name}.2024-03-01-10-00-00.log"
        log.write_bytes(orjson.dumps(record) + b"\n")
        (event,) = parse(log)
        assert event["event"]["dataset"] == f"zeek.{name}"
        assert event["zeek"][name]["fuid"] == record["fuid"]
    (notice_event,) = parse(tmp_path / "notice.2024-03-01-10-00-00.log")
    assert notice_event["event"]["kind"] == "alert"
    assert notice_event["rule"]["name"] == "TeamCymruMalwareHashRegistry::Match"


def test_json_without_path_or_telling_name_is_typed_by_its_own_fields(tmp_path: Path) -> None:
    """One stream of several logs (a collector's spool file): each record by the fields only its log has."""
    records = [
        {"ts": 1709287210.5, "uid": "CN", "id.orig_h": "10.1.2.3", "id.orig_p": 1, "id.resp_h": "10.1.2.4",
         "id.resp_p": 80, "fuid": "FAb12", "note": "TeamCymruMalwareHashRegistry::Match", "msg": "hash match"},
        {"ts": 1709287211.0, "uid": "CF", "id.orig_h": "10.1.2.3", "id.orig_p": 2, "id.resp_h": "10.1.2.5",
         "id.resp_p": 21, "command": "RETR", "reply_code": 226, "fuid": "FFtp1"},
        {"ts": 1709287212.0, "uid": "CS", "id.orig_h": "10.1.2.3", "id.orig_p": 5060, "id.resp_h": "10.1.2.6",
         "id.resp_p": 5060, "trans_depth": 0, "method": "INVITE", "uri": "sip:100@10.1.2.6", "call_id": "a@b",
         "status_code": 200},
        {"ts": 1709287213.0, "uid": "CK", "id.orig_h": "10.1.2.3", "id.orig_p": 3, "id.resp_h": "10.1.2.7",
         "id.resp_p": 88, "request_type": "TGS", "client": "jdoe/CORP.EXAMPLE", "service": "host/fs1",
         "success": True, "cipher": "aes256-cts-hmac-sha1-96"},
        {"ts": 1709287214.0, "uid": "CB", "id.orig_h": "10.1.2.3", "id.orig_p": 4, "id.resp_h": "10.1.2.8",
         "id.resp_p": 445, "fuid": "FSmb1", "action": "SMB::FILE_OPEN", "path": "\\\\\\\\fs1\\\\share",
         "name": "budget.xlsx", "size": 0, "times.modified": 1709287000.0},
        {"ts": 1709287215.0, "uid": "CW", "id.orig_h": "10.1.2.3", "id.orig_p": 5, "id.resp_h": "10.1.2.9",
         "id.resp_p": 80, "name": "unescaped_special_URI_char", "notice": False, "peer": "zeek", "source": "TCP"},
        {"ts": 1709287216.0, "fuid": "FHk1", "uid": "CH", "id.orig_h": "10.1.2.9", "id.orig_p": 80,
         "id.resp_h": "10.1.2.3", "id.resp_p": 6, "source": "HTTP", "mime_type": "text/html", "seen_bytes": 10},
    ]  # fmt: skip
    log = tmp_path / "spool.json"
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    datasets = [e["event"]["dataset"] for e in parse(log)]
    assert datasets == ["zeek.notice", "zeek.ftp", "zeek.sip", "zeek.kerberos", "zeek.smb_files", "zeek.weird",
                        "zeek.files"]  # fmt: skip


def test_json_timestamps_in_milliseconds(tmp_path: Path) -> None:
    """``LogAscii::json_timestamps = JSON::TS_MILLIS`` writes every time as whole milliseconds."""
    record = {"ts": 1709287200123, "uid": "CMs1", "id.orig_h": "10.1.2.3", "id.orig_p": 50010,
              "id.resp_h": "10.1.2.4", "id.resp_p": 443, "proto": "tcp", "conn_state": "S0"}  # fmt: skip
    log = tmp_path / "conn.log"
    log.write_bytes(orjson.dumps(record) + b"\n" + orjson.dumps({**record, "ts": 1709287200.5}) + b"\n")
    first, second = parse(log)
    assert first["@timestamp"] == "2024-03-01T10:00:00.123Z" and "tags" not in first
    assert second["@timestamp"] == "2024-03-01T10:00:00.500Z"


def test_http_request_target_gives_url_path_and_query(tmp_path: Path) -> None:
    """Sigma's proxy and webserver fields c-uri-stem and c-uri-query search url.path and url.query."""
    columns = [*ID, ("method", "string"), ("host", "string"), ("uri", "string"), ("status_code", "count")]
    rows = [
        ["1709287203.250000", "CHt1", "10.1.2.3", "50000", "93.184.216.34", "80", "GET", "www.example.com",
         "/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php", "200"],
        ["1709287204.000000", "CHt2", "10.1.2.3", "50001", "10.0.0.8", "3128", "GET", "www.example.org",
         "http://www.example.org/download/setup.exe", "200"],
        ["1709287205.000000", "CHt3", "10.1.2.3", "50002", "10.0.0.8", "3128", "CONNECT", "www.example.org",
         "www.example.org:443", "200"],
    ]  # fmt: skip
    origin, absolute, connect = parse(tsv(tmp_path, "http", columns, rows))
    assert origin["url"] == {
        "original": "/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php",
        "domain": "www.example.com",
        "path": "/wp-admin/admin-ajax.php",
        "query": "action=revslider_show_image&img=../wp-config.php",
        "full": "http://www.example.com/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php",
    }
    assert absolute["url"]["path"] == "/download/setup.exe" and "query" not in absolute["url"]
    assert absolute["url"]["full"] == "http://www.example.org/download/setup.exe"
    assert connect["url"] == {"original": "www.example.org:443", "domain": "www.example.org"}


def test_json_logs_without_a_connection_are_recognised_as_zeek(tmp_path: Path) -> None:
    """x509.log, dhcp.log and files.log before Zeek 5 have no ``id.orig_h``; ``auto`` must still know them."""
    x509 = {"ts": 1709287204.120551, "fingerprint": "9c4f" * 16, "certificate.version": 3,
            "certificate.serial": "0FBE08B0854D05738AB0CCE1C9AFEEC9",
            "certificate.subject": "CN=www.example.org,O=Example", "certificate.issuer": "CN=Example CA,O=Example",
            "certificate.not_valid_before": 1704931200.0, "certificate.not_valid_after": 1739145599.0,
            "certificate.key_alg": "rsaEncryption", "certificate.key_length": 2048, "san.dns": ["www.example.org"],
            "host_cert": True}  # fmt: skip
    dhcp = {"ts": 1709287214.0, "uids": ["CD1x9a3Ggx2y4P9bt6"], "client_addr": "10.1.2.50", "server_addr": "10.1.2.1",
            "mac": "00:11:22:33:44:55", "host_name": "laptop-17", "assigned_addr": "10.1.2.50",
            "lease_time": 86400.0, "msg_types": ["REQUEST", "ACK"]}  # fmt: skip
    files = {"ts": 1709287216.0, "fuid": "FHk1aa2bbc", "tx_hosts": ["198.51.100.7"], "rx_hosts": ["10.1.2.3"],
             "conn_uids": ["CHt1"], "source": "HTTP", "depth": 0, "analyzers": ["MD5"], "mime_type": "text/html",
             "seen_bytes": 1256, "md5": "5d41402abc4b2a76b9719d911017c592"}  # fmt: skip
    for name, record in (("x509", x509), ("dhcp", dhcp), ("files", files)):
        log = tmp_path / f"{name}.log"
        log.write_bytes(orjson.dumps(record) + b"\n")
        stats = Stats()
        (event,) = parse_files(expand([log]), "auto", ParseContext(), stats)
        assert stats.failures == 0, stats.warnings
        assert event["event"]["dataset"] == f"zeek.{name}"
    assert event["source"]["ip"] == "198.51.100.7" and event["file"]["hash"]["md5"] == files["md5"]


def test_log_headed_by_a_plain_line_of_column_names_keeps_its_lists(tmp_path: Path) -> None:
    """Without a ``#types`` line the standard fields' types are known by name: sets and vectors are lists."""
    http = tmp_path / "http.log"
    http.write_text(
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tstatus_code\tresp_mime_types\n"
        "1709287203.250000\tCHt1\t10.1.2.3\t50000\t93.184.216.34\t80\tGET\twww.example.com\t/index.html\t200\t"
        "text/html,application/octet-stream\n"
    )
    files = tmp_path / "files.log"
    files.write_text(
        "ts\tfuid\ttx_hosts\trx_hosts\tconn_uids\tsource\tmime_type\tmd5\n"
        "1709287216.000000\tFHk1aa2bbc\t198.51.100.7\t10.1.2.3\tCHt1\tHTTP\ttext/html\t5d41402abc4b2a76b9719d911017c592\n"
    )
    (page,) = parse(http)
    assert page["http"]["response"]["mime_type"] == "text/html"
    assert page["zeek"]["http"]["resp_mime_types"] == ["text/html", "application/octet-stream"]
    (file,) = parse(files)
    assert file["source"] == {"ip": "198.51.100.7"} and file["destination"] == {"ip": "10.1.2.3"}
    assert file["zeek"]["files"]["conn_uids"] == ["CHt1"]


def test_dhcp_lease_names_its_client_and_server(tmp_path: Path) -> None:
    """dhcp.log (Zeek 2.6 and later) has no id.* fields: the lease is found by address only through
    source.ip, destination.ip and related.ip."""
    columns = [("ts", "time"), ("uids", "set[string]"), ("client_addr", "addr"), ("server_addr", "addr"),
               ("mac", "string"), ("host_name", "string"), ("client_fqdn", "string"), ("domain", "string"),
               ("requested_addr", "addr"), ("assigned_addr", "addr"), ("lease_time", "interval"),
               ("client_message", "string"), ("server_message", "string"), ("msg_types", "vector[string]"),
               ("duration", "interval")]  # fmt: skip
    rows = [
        ["1709287214.000000", "CD1x9a3Ggx2y4P9bt6", "-", "10.1.2.1", "00:11:22:aa:bb:cc", "laptop-17", "-",
         "corp.example", "10.1.2.50", "10.1.2.50", "86400.000000", "-", "-", "DISCOVER,OFFER,REQUEST,ACK", "0.000412"],
        ["1709290814.000000", "CE2y", "10.1.2.50", "10.1.2.1", "00:11:22:aa:bb:cc", "laptop-17", "-",
         "corp.example", "-", "10.1.2.50", "86400.000000", "-", "-", "REQUEST,ACK", "0.000310"],
    ]  # fmt: skip
    new, renewal = parse(tsv(tmp_path, "dhcp", columns, rows))
    for event in (new, renewal):
        assert event["source"]["ip"] == "10.1.2.50" and event["destination"] == {"ip": "10.1.2.1"}
        assert event["source"]["mac"] == "00-11-22-AA-BB-CC"
        assert event["related"] == {"ip": ["10.1.2.50", "10.1.2.1"]}
        assert event["network"]["protocol"] == "dhcp"


def test_json_nulls_written_for_unset_fields_are_unset(tmp_path: Path) -> None:
    """``LogAscii::json_include_unset_fields = T`` writes every unset field as ``null``."""
    conn = {"ts": 1709287200.5, "uid": "CNul1", "id.orig_h": "10.1.2.3", "id.orig_p": 50020, "id.resp_h": "10.1.2.4",
            "id.resp_p": 445, "proto": "tcp", "service": None, "duration": None, "orig_bytes": None,
            "resp_bytes": None, "conn_state": "S0", "local_orig": True, "local_resp": True, "missed_bytes": 0,
            "history": "S", "orig_pkts": 1, "orig_ip_bytes": 44, "resp_pkts": 0, "resp_ip_bytes": 0,
            "tunnel_parents": None}  # fmt: skip
    dns = {"ts": 1709287201.25, "uid": "CNul2", "id.orig_h": "10.1.2.3", "id.orig_p": 50021, "id.resp_h": "10.0.0.53",
           "id.resp_p": 53, "proto": "udp", "trans_id": 711, "rtt": None, "query": "fs1.corp.example", "qclass": 1,
           "qclass_name": "C_INTERNET", "qtype": 1, "qtype_name": "A", "rcode": None, "rcode_name": None,
           "AA": False, "TC": False, "RD": True, "RA": False, "Z": 0, "answers": None, "TTLs": None,
           "rejected": False}  # fmt: skip
    (conn_log := tmp_path / "conn.log").write_bytes(orjson.dumps(conn) + b"\n")
    (dns_log := tmp_path / "dns.log").write_bytes(orjson.dumps(dns) + b"\n")
    (connection,) = parse(conn_log)
    assert connection["network"]["bytes"] == 44 and "duration" not in connection["event"]
    assert "service" not in connection["zeek"]["connection"]
    (query,) = parse(dns_log)
    assert query["dns"]["type"] == "query" and "response_code" not in query["dns"]
    assert "rcode_name" not in query["zeek"]["dns"]
