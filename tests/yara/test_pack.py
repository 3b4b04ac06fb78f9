"""Rule packs: broken files are located problems while the rest loads; namespaces per file;
the compiled pack is cached by the hash of every source byte."""

from __future__ import annotations

from pathlib import Path

from secops.detect.yara import check_yara, load_pack, source_key, yara_files
from secops.detect.yara_scan import Scanner

GOOD = 'rule Same_Name { strings: $a = "ALPHA-1" condition: $a }\n'
OTHER = 'rule Same_Name { strings: $b = "BRAVO-2" condition: $b }\n'
BROKEN = 'rule Fine { condition: true }\n\nrule Broken {\n  strings: $a = "xyz1"\n  condition: $a and nope\n}\n'


def _pack_dir(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    (pack / "sub").mkdir(parents=True)
    (pack / "good.yar").write_text(GOOD)
    (pack / "sub" / "other.yara").write_text(OTHER)
    (pack / "sub" / "broken.yar").write_text(BROKEN)
    (pack / "notes.txt").write_text("not a rule file")
    (pack / ".hidden.yar").write_text("rule Hidden { condition: true }")
    return pack


def test_broken_file_is_a_located_problem_and_the_rest_loads(tmp_path: Path) -> None:
    pack_dir = _pack_dir(tmp_path)
    pack = load_pack([pack_dir])
    assert [str(p) for p in pack.errors] == [f'{pack_dir}/sub/broken.yar:5: error: undefined identifier "nope"']
    assert pack.files == [str(pack_dir / "good.yar"), str(pack_dir / "sub" / "other.yara")]
    assert pack.rule_count == 2
    assert pack.rules is not None
    target = tmp_path / "target.bin"
    target.write_bytes(b"..ALPHA-1..BRAVO-2..")
    matches = Scanner(pack.rules).scan_file(target).matches
    # Two rules of the same name in two files: each file is its own namespace, both fire.
    assert sorted((m.namespace, m.rule) for m in matches) == [
        (str(pack_dir / "good.yar"), "Same_Name"),
        (str(pack_dir / "sub" / "other.yara"), "Same_Name"),
    ]


def test_check_yara_reports_errors_and_warnings_with_lines(tmp_path: Path) -> None:
    pack_dir = _pack_dir(tmp_path)
    (pack_dir / "slow.yar").write_text(
        "rule A { condition: true }\nrule Slow {\n strings: $r = /a.*b/\n condition: $r }\n"
    )
    problems = check_yara([pack_dir])
    located = {(Path(p.path).name, p.line, p.severity) for p in problems}
    assert ("broken.yar", 5, "error") in located
    assert ("slow.yar", 3, "warning") in located  # the line of the slow string
    assert all(p.severity == "warning" for p in problems if p.path.endswith("slow.yar"))


def test_missing_rule_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "good.yar").write_text(GOOD)
    pack = load_pack([tmp_path / "good.yar", tmp_path / "absent.yar"])
    assert pack.rule_count == 1
    assert [p.path for p in pack.errors] == [str(tmp_path / "absent.yar")]
    assert "cannot read" in pack.errors[0].message


def test_nothing_compiles_gives_no_rules(tmp_path: Path) -> None:
    (tmp_path / "broken.yar").write_text("rule { }")
    pack = load_pack([tmp_path])
    assert pack.rules is None and pack.rule_count == 0 and len(pack.errors) == 1


def test_cache_hit_then_any_source_change_recompiles(tmp_path: Path) -> None:
    pack_dir = _pack_dir(tmp_path)
    cache = tmp_path / "cache"
    first = load_pack([pack_dir], cache_dir=cache)
    assert not first.from_cache and (cache / f"{first.key}.yarc").is_file()
    second = load_pack([pack_dir], cache_dir=cache)
    assert second.from_cache and second.key == first.key
    assert second.rule_count == 2 and [str(p) for p in second.problems] == [str(p) for p in first.problems]
    target = tmp_path / "target.bin"
    target.write_bytes(b"ALPHA-1")
    assert second.rules is not None and [m.rule for m in Scanner(second.rules).scan_file(target).matches] == [
        "Same_Name"
    ]
    (pack_dir / "good.yar").write_text(GOOD.replace("ALPHA-1", "ALPHA-9"))
    third = load_pack([pack_dir], cache_dir=cache)
    assert not third.from_cache and third.key != first.key


def test_included_files_are_part_of_the_key(tmp_path: Path) -> None:
    (tmp_path / "inc.yar").write_text('rule Inc { strings: $a = "INC-1" condition: $a }\n')
    main = tmp_path / "main.yar"
    main.write_text('include "inc.yar"\nrule Main { condition: Inc }\n')
    before = source_key([main])
    (tmp_path / "inc.yar").write_text('rule Inc { strings: $a = "INC-2" condition: $a }\n')
    assert source_key([main]) != before


def test_damaged_cache_is_ignored(tmp_path: Path) -> None:
    pack_dir = _pack_dir(tmp_path)
    cache = tmp_path / "cache"
    first = load_pack([pack_dir], cache_dir=cache)
    (cache / f"{first.key}.yarc").write_bytes(b"garbage")
    again = load_pack([pack_dir], cache_dir=cache)
    assert not again.from_cache and again.rule_count == 2


def test_rule_files_are_found_sorted_without_hidden(tmp_path: Path) -> None:
    pack_dir = _pack_dir(tmp_path)
    found = [p.relative_to(pack_dir).as_posix() for p in yara_files([pack_dir])]
    assert found == ["good.yar", "sub/broken.yar", "sub/other.yara"]


def test_a_cache_that_cannot_be_written_is_a_warning_and_the_rules_load(tmp_path: Path) -> None:
    """A data directory on a read-only mount, or full: the compiled rules still scan."""
    pack_dir = _pack_dir(tmp_path)
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")
    pack = load_pack([pack_dir], cache_dir=cache)
    assert pack.rule_count == 2 and pack.rules is not None and not pack.from_cache
    assert [(p.path, p.severity) for p in pack.problems if "not cached" in p.message] == [(str(cache), "warning")]
