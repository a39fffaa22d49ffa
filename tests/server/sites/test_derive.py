"""What a district's sites are, worked out without a database: aliases, retirement, paging, counts."""

from __future__ import annotations

from datetime import UTC, datetime

from server.sites.derive import Curated, Use, Uses, by_name, changed_keys, entry, live_counts, page
from shared.protocol import Position

T1 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
T3 = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def at(seq: int, txid: int = 0) -> Position:
    return Position(txid, seq)


def curated(name: str, *aliases: str, retired: bool = False, seq: int = 10, **kw: float) -> Curated:
    return Curated(1, 7, "site", name, kw.get("lat"), kw.get("lon"), aliases, retired, at(seq))


def test_a_site_takes_the_position_of_its_newest_visit_with_a_fix() -> None:
    uses = Uses()
    uses.add(Use(T1, 29.5, 106.5))
    uses.add(Use(T3))  # newest, but without a fix
    uses.add(Use(T2, 29.6, 106.6))
    e = entry((7, "site", "解放碑"), {}, uses)
    assert (e["state"], e["lat"], e["lon"], e["uses"]) == ("live", 29.6, 106.6, 3)
    assert e["last_at"] == T3.isoformat()


def test_a_position_staff_placed_wins_over_the_visits_fix() -> None:
    c = curated("解放碑", lat=29.1, lon=106.1)
    uses = Uses()
    uses.add(Use(T1, 29.5, 106.5))
    e = entry(c.key, by_name([c]), uses)
    assert (e["lat"], e["lon"], e["curated_id"]) == (29.1, 106.1, 1)


def test_a_site_no_live_record_names_is_gone_unless_staff_curated_it() -> None:
    assert entry((7, "site", "旧址"), {}, None)["state"] == "gone"
    c = curated("新址")
    assert entry(c.key, by_name([c]), None)["state"] == "live"


def test_an_earlier_name_is_gone_and_its_records_count_for_the_renamed_site() -> None:
    c = curated("解放碑", "解放碑社区", seq=5)
    names = by_name([c])
    keys = changed_keys([((7, "site", "解放碑社区"), at(12))], [], names)
    assert keys == {(7, "site", "解放碑"): at(12), (7, "site", "解放碑社区"): at(12)}
    assert entry((7, "site", "解放碑社区"), names, None)["state"] == "gone"
    assert entry(c.key, names, None)["aliases"] == ["解放碑社区"]


def test_a_retired_site_stays_off_the_list_while_records_still_name_it() -> None:
    c = curated("废弃工地", retired=True)
    uses = Uses()
    uses.add(Use(T1))
    assert entry(c.key, by_name([c]), uses)["state"] == "retired"
    assert live_counts([c.key], [c], by_name([c])) == {}


def test_counts_are_the_live_sites_after_aliases_and_retirement() -> None:
    renamed = curated("解放碑", "解放碑社区")
    retired = Curated(2, 7, "site", "废弃", None, None, (), True, at(11))
    placed = Curated(3, 7, "project", "控规调整", None, None, (), False, at(12))
    names = by_name([renamed, retired, placed])
    record_keys = [(7, "site", "解放碑社区"), (7, "site", "解放碑"), (7, "site", "废弃"), (8, "site", "甲")]
    assert live_counts(record_keys, [renamed, retired, placed], names) == {7: 2, 8: 1}


def test_a_page_never_splits_one_position() -> None:
    keys = {(1, "site", n): at(s) for n, s in [("a", 3), ("b", 5), ("c", 5), ("d", 5), ("e", 9)]}
    taken, last, more = page(keys, 2)
    assert [k[2] for k in taken] == ["a", "b", "c", "d"] and last == at(5) and more
    taken, last, more = page({k: s for k, s in keys.items() if s > at(5)}, 2)
    assert [k[2] for k in taken] == ["e"] and last == at(9) and not more
    assert page({}, 2) == ([], None, False)


def test_positions_go_by_transaction_first_then_by_number() -> None:
    """On PostgreSQL a later transaction may hold a smaller number: its changes still come after."""
    keys = {(1, "site", "early"): at(40, txid=7), (1, "site", "late"): at(3, txid=9)}
    taken, last, more = page(keys, 1)
    assert [k[2] for k in taken] == ["early"] and last == at(40, txid=7) and more
    c = curated("解放碑", seq=2)
    newer = changed_keys([((7, "site", "解放碑"), at(1, txid=8))], [c], by_name([c]))
    assert newer == {(7, "site", "解放碑"): at(1, txid=8)}
