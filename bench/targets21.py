#!/usr/bin/python3
# targets21.py: issue 21's targets, judged from the table engine.sh wrote
# (RESULTS=FILE bash bench/engine.sh; python3 bench/targets21.py FILE).
# Per connection count, against the engine no-op of the same run (the
# mean req/s of its two rows, as engine.sh takes it, and the lower of
# their two p99s, the stricter floor): every verify and todos row's p99 within 2x the no-op's;
# verify rows >= 0.85x and todos >= 0.65x the no-op's req/s; each verify
# row with the verified-token cache on not slower than the same row with
# it off; every verify and todos row >= 1.3x the matching Node.js row.
# Prints one line a target with the rows that miss it.  Not a test.
import sys


def rows(path):
    out = []
    for line in open(path):
        if not line.startswith("| ") or line.startswith("| row "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 13:
            continue
        try:
            out.append({"name": cells[0], "conns": int(cells[1]),
                        "rps": float(cells[2]), "p99": float(cells[4]),
                        "node": cells[10]})
        except ValueError:
            continue
    return out


def main():
    table = rows(sys.argv[1])
    for c in sorted({r["conns"] for r in table}):
        at = [r for r in table if r["conns"] == c]
        noops = [r for r in at if r["name"] in ("no-op, engine",
                                                "no-op, engine, again")]
        if not noops:
            print("- %d conns: no engine no-op row" % c)
            continue
        noop = {"rps": sum(r["rps"] for r in noops) / len(noops),
                "p99": min(r["p99"] for r in noops)}
        ours = [r for r in at if r["name"].startswith(("verify ", "todos"))]
        miss = ["%s (%.1f ms)" % (r["name"], r["p99"]) for r in ours
                if r["p99"] > 2 * noop["p99"]]
        print("- %d conns: p99 within 2 x the no-op's (%.2f ms, so %.2f ms):"
              " %s" % (c, noop["p99"], 2 * noop["p99"],
                       "met" if not miss else "NOT met by %d of %d rows: %s"
                       % (len(miss), len(ours), "; ".join(miss))))
        for kind, floor in (("verify", 0.85), ("todos", 0.65)):
            rs = [r for r in ours if r["name"].startswith(kind)]
            miss = ["%s (%.2f)" % (r["name"], r["rps"] / noop["rps"])
                    for r in rs if r["rps"] < floor * noop["rps"]]
            if rs:
                print("- %d conns: %s >= %.2f x the no-op's req/s (%.0f): %s"
                      % (c, kind, floor, noop["rps"], "met" if not miss else
                         "NOT met by %d of %d rows: %s" % (len(miss), len(rs),
                                                          "; ".join(miss))))
        worse = []
        for r in ours:
            if ", cache on," not in r["name"] or "metrics" in r["name"] \
                    or "again" in r["name"]:
                continue
            off = next((o for o in ours if o["name"] == r["name"].replace(
                ", cache on,", ", cache off,")), None)
            if off is not None and r["rps"] < off["rps"]:
                worse.append("%s %.0f < %.0f" % (r["name"], r["rps"],
                                                 off["rps"]))
        print("- %d conns: verified-token cache never slower than none: %s"
              % (c, "met" if not worse else "NOT met: " + "; ".join(worse)))
        judged = [r for r in ours if r["node"] not in ("", "–", "-")]
        miss = ["%s (%s)" % (r["name"], r["node"]) for r in judged
                if float(r["node"]) < 1.3]
        if judged:
            print("- %d conns: >= 1.3 x Node.js: %s" % (c, "met" if not miss
                  else "NOT met by %d of %d rows: %s" % (len(miss),
                                                          len(judged),
                                                          "; ".join(miss))))


main()
