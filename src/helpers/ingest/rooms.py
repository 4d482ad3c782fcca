"""The rooms file: which identifiers (抖音号 handle, numeric 达人ID / uid, shop ids) mean one room.

Exports name a room by whatever id their page uses; the session list by 主播抖音号, 抖店 orders by
the numeric 达人ID. A rooms file says they are the same::

    rooms:
      - room: 阿强的店
        platform: douyin
        accounts: [aq002, "7001"]

``workbook ingest --rooms FILE`` reads it (default ``data/rooms.yaml`` under the current directory
when present). Every account of an entry is matched as the room's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.paths import read_yaml

DEFAULT = Path("data/rooms.yaml")


class RoomsError(ValueError):
    """A rooms file that cannot be read (the message names the file and the entry)."""


@dataclass(frozen=True)
class Rooms:
    """Accounts → room name; ``source`` is the file it came from (named in quarantine reasons)."""

    by_account: dict[str, str] = field(default_factory=dict)
    platforms: dict[str, str] = field(default_factory=dict)
    source: str = str(DEFAULT)

    def key(self, account: str | None) -> str | None:
        """The room an account belongs to, else the account itself (None stays None)."""
        if account is None:
            return None
        return self.by_account.get(str(account), str(account))

    def accounts_of(self, room: str) -> list[str]:
        return [a for a, r in self.by_account.items() if r == room]

    def knows(self, account: str) -> bool:
        return str(account) in self.by_account


def load_rooms(path: Path | str | None) -> Rooms:
    """Read a rooms file (None or a missing default: no rooms)."""
    if path is None:
        return Rooms()
    p = Path(path)
    try:
        raw = read_yaml(p) or {}
    except OSError as exc:
        raise RoomsError(f"rooms file {p}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:  # not UTF-8, not YAML (read_yaml names the file)
        raise RoomsError(f"rooms file {exc}") from None
    entries = raw.get("rooms") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise RoomsError(f"rooms file {p}: expected a top-level 'rooms:' list")
    by_account: dict[str, str] = {}
    platforms: dict[str, str] = {}
    for i, e in enumerate(entries, start=1):
        if not isinstance(e, dict) or not e.get("room"):
            raise RoomsError(f"rooms file {p}: entry {i} has no 'room:' name")
        room = str(e["room"])
        accounts = e.get("accounts") or []
        if not isinstance(accounts, list):
            raise RoomsError(f"rooms file {p}: room {room!r}: 'accounts' must be a list")
        platforms[room] = str(e.get("platform") or "douyin")
        for a in [room, *accounts]:
            other = by_account.get(str(a))
            if other is not None and other != room:
                raise RoomsError(
                    f"rooms file {p}: account {a!r} is listed under {other!r} and {room!r}"
                )
            by_account[str(a)] = room
    return Rooms(by_account, platforms, str(p))


def default_rooms_path(cwd: Path | None = None) -> Path | None:
    """``data/rooms.yaml`` under the current directory when it exists, else None."""
    p = (cwd or Path.cwd()) / DEFAULT
    return p if p.is_file() else None
