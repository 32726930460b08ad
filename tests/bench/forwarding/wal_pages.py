#!/usr/bin/env python3
"""Pages written per b-tree and per resource, from a wal_pages.c log and the database it was written to.

  python3 tests/bench/forwarding/wal_pages.py LOG DATABASE RESOURCES

LOG: a <pid>.log of wal_pages.c; DATABASE: that process's fhirgw.sqlite (kept with KEEP=1; its WAL is read
too); RESOURCES: what to divide by. Prints WAL frames (each a 4 KiB page + header) and checkpoint writes
per resource, in total and per b-tree (names from the dbstat virtual table; '?' for pages that are no
longer in use). Pages freed and reused by another b-tree during the run count for their last owner.
"""
import collections
import sqlite3
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    log, database, resources = sys.argv[1], sys.argv[2], int(sys.argv[3])
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    owner = dict((page, name) for name, page in db.execute("SELECT name, pageno FROM dbstat"))
    wal, checkpoint = collections.Counter(), collections.Counter()
    commits = 0
    with open(log) as lines:
        for line in lines:
            fields = line.split()
            name = owner.get(int(fields[1]), "?")
            if fields[0] == "w":
                wal[name] += 1
                commits += int(fields[2])
            else:
                checkpoint[name] += 1
    total_wal, total_checkpoint = sum(wal.values()), sum(checkpoint.values())
    print(f"{commits} commits; per resource: {total_wal / resources:.3f} WAL frames, "
          f"{total_checkpoint / resources:.3f} checkpoint pages")
    print("| b-tree | WAL frames / resource | checkpoint pages / resource |")
    print("|---|---|---|")
    for name, frames in wal.most_common():
        print(f"| {name} | {frames / resources:.3f} | {checkpoint[name] / resources:.3f} |")


if __name__ == "__main__":
    main()
