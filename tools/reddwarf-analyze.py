#!/usr/bin/env python3
"""Side-by-side benchmark helper: run red-dwarf's Polis pipeline (PyPI `red-dwarf`, a Python
reimplementation of Polis) on a Polis open-data export folder and print the groups,
consensus and group-aware consensus as JSON, like `concord deliberate analyze DIR --format json`.

Usage: python tools/reddwarf-analyze.py DIR   (see docs/benchmarks.md)
"""
import csv
import json
import sys

from reddwarf.implementations.polis import run_pipeline


def main(folder):
    latest = {}
    with open(f"{folder}/votes.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = (int(row["voter-id"]), int(row["comment-id"]))
            ts = int(row["timestamp"])
            if key not in latest or latest[key][0] <= ts:
                latest[key] = (ts, int(row["vote"]))
    votes = [
        {"participant_id": p, "statement_id": t, "vote": v, "modified": ts}
        for (p, t), (ts, v) in latest.items()
    ]
    mod_out, meta = [], []
    with open(f"{folder}/comments.csv", newline="") as f:
        for row in csv.DictReader(f):
            tid = int(row["comment-id"])
            is_meta = row.get("is-meta", "false") == "true"
            if is_meta:
                meta.append(tid)
            if is_meta or row["moderated"] == "-1":
                mod_out.append(tid)
    result = run_pipeline(
        votes=votes,
        mod_out_statement_ids=mod_out,
        meta_statement_ids=meta,
        random_state=0,
    )
    labels = result.participants_df["cluster_id"].dropna()
    out = {
        "groups": {str(p): int(g) for p, g in labels.items()},
        "consensus": result.consensus,
        "group_aware_consensus": {
            str(k): float(v) for k, v in result.group_aware_consensus["agree"].items()
        },
    }
    json.dump(out, sys.stdout, default=str)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
