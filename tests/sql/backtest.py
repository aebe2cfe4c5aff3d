"""Runs backtest.sql over a scored CSV (`icp score --all`) and a plain deals CSV with
Python's sqlite3 and prints the figures as JSON: {"base": [...], "tiers": [...], "auc": [...]}.

Usage: python3 tests/sql/backtest.py scored.csv deals.csv
"""
import csv
import json
import os
import sqlite3
import sys


def load(db, table, path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = ", ".join('"%s" TEXT' % h for h in header)
    db.execute('CREATE TABLE %s (%s)' % (table, columns))
    marks = ", ".join("?" for _ in header)
    db.executemany("INSERT INTO %s VALUES (%s)" % (table, marks),
                   [r + [""] * (len(header) - len(r)) for r in body])


def rows(db, query):
    cursor = db.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def main():
    scored, deals = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(":memory:")
    load(db, "scored", scored)
    load(db, "deals", deals)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "backtest.sql"), encoding="utf-8") as f:
        db.executescript(f.read())
    print(json.dumps({
        "base": rows(db, "SELECT * FROM base ORDER BY icp"),
        "tiers": rows(db, "SELECT * FROM tier_figures ORDER BY icp, tier"),
        "auc": rows(db, "SELECT * FROM icp_auc ORDER BY icp"),
    }, indent=1))


main()
