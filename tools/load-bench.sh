#!/usr/bin/env bash
# Load benchmark of the web platform (issue 6): 10,000 synthetic documents imported into a fresh
# SQLite data directory, `concord serve` (release build), then wrk against a document page and the
# search API, each with a Lua script cycling through many documents / queries.
#
# Usage: tools/load-bench.sh [DOCS] [DURATION] [LABEL=BINARY[:ENV=VALUE] ...]
#   (defaults 10000, 20s, and the release build of this tree; needs wrk and python3)
# Prints wrk's latency distribution (p50/p90/p99) and requests/s for each endpoint. With several
# LABEL=BINARY arguments, each binary serves the same data directory in turn, so the figures are
# side by side from one run; an optional :ENV=VALUE sets one variable for that server, e.g.
# `nocache=target/release/concord:CONCORD_RESPONSE_CACHE_MIB=0`.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${1:-10000}
DURATION=${2:-20s}
shift $(( $# < 2 ? $# : 2 ))
WORK=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

if [ $# -eq 0 ]; then
  cargo build --release -q -p concord-cli
  set -- "this=${CARGO_TARGET_DIR:-target}/release/concord"
fi
BIN=${1#*=}
BIN=${BIN%%:*}

# Synthetic documents: titles and summaries from the development gold passages (zh and en), a
# body of three passages, varied jurisdictions and instrument types.
python3 - "$DOCS" "$WORK/in" <<'PY'
import json, os, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out)
ps = [json.loads(l)["text"] for l in open("data/eval/tagger-gold-dev.jsonl", encoding="utf-8")]
kinds = ["law", "regulation", "strategy", "guideline", "standard", "declaration"]
juris = ["CN", "US", "EU", "GB", "JP", "BR", "IN", "SG", "KE", "FR"]
def q(s): return json.dumps(s, ensure_ascii=False)
for i in range(n):
    t = ps[i % len(ps)][:60]
    lang = "zh" if any("\u4e00" <= c <= "\u9fff" for c in t) else "en"
    with open(f"{out}/syn_{i:05d}.toml", "w", encoding="utf-8") as f:
        f.write(f'id = "syn_{i:05d}"\ninstrument_type = "{kinds[i % len(kinds)]}"\n'
                f'jurisdiction = "{juris[i % len(juris)]}"\n'
                f'source_urls = ["https://example.org/syn/{i}"]\n'
                f'[title]\n{lang} = {q(t)}\n[summary]\n{lang} = {q(ps[(i * 7 + 3) % len(ps)])}\n')
    with open(f"{out}/syn_{i:05d}.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(ps[(i * k + 1) % len(ps)] for k in (3, 5, 11)) + "\n")
PY

$BIN --data-dir "$WORK/data" import "$WORK/in" > "$WORK/import.log"
tail -n 3 "$WORK/import.log"

cat > "$WORK/docs.lua" <<LUA
local i = 0
request = function()
  i = (i + 7919) % $DOCS
  return wrk.format("GET", string.format("/documents/syn_%05d?lang=en", i))
end
LUA
cat > "$WORK/search.lua" <<'LUA'
local qs = {"%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD%20%E5%AE%89%E5%85%A8", "privacy",
  "%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF%E4%BF%9D%E6%8A%A4", "transparency%20obligations",
  "%E7%AE%97%E6%B3%95", "regulatory%20sandbox", "%E6%95%B0%E6%8D%AE%E5%AE%89%E5%85%A8", "accountability"}
local i = 0
request = function()
  i = i % #qs + 1
  return wrk.format("GET", "/api/v1/search?limit=20&q=" .. qs[i])
end
LUA
for spec in "$@"; do
  label=${spec%%=*}
  rest=${spec#*=}
  bin=${rest%%:*}
  envset=
  if [ "$rest" != "$bin" ]; then envset=${rest#*:}; fi
  echo "# $label: $bin ${envset}; load: $(uptime)"
  env $envset "$bin" --data-dir "$WORK/data" serve --addr 127.0.0.1:18181 > "$WORK/serve-$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.2; done
  echo "## [$label] document page /documents/{id} ($DOCS documents)"
  wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/docs.lua" http://127.0.0.1:18181
  echo "## [$label] search API /api/v1/search ($DOCS documents)"
  wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/search.lua" http://127.0.0.1:18181
  kill $SERVER
  wait $SERVER 2>/dev/null || true
  SERVER=
done
