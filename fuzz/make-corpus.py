#!/usr/bin/env python3
"""Builds the fuzz seed corpora under fuzz/corpus/<target>/ (git-ignored) from ../shared/data and
the project's own test files. Seeds are cut small (libFuzzer mutates small inputs faster): EVTX
files keep their header and first chunks, JSON/CSV their first lines. Nothing here is committed.

usage: fuzz/make-corpus.py [--shared DIR] [--out DIR]
"""
import argparse
import gzip
import hashlib
import os
import random
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHUNK = 65536
HEADER = 4096


def put(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def files_under(top, suffixes):
    found = []
    for base, dirs, names in os.walk(top):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(suffixes):
                found.append(os.path.join(base, n))
    return found


def head_lines(data, limit):
    cut = data[:limit]
    nl = cut.rfind(b"\n")
    return cut[: nl + 1] if nl > 0 else cut


def evtx_seeds(shared, out, rng):
    paths = files_under(os.path.join(shared, "data"), (".evtx",))
    rng.shuffle(paths)
    chunks = 0
    for p in paths[:80]:
        data = open(p, "rb").read()
        if len(data) < HEADER + 512:
            continue
        # Whole-file target: header plus at most two chunks, chunk count fixed to match.
        n = min(2, (len(data) - HEADER + CHUNK - 1) // CHUNK)
        cut = bytearray(data[: HEADER + n * CHUNK])
        cut[42:44] = n.to_bytes(2, "little")
        cut[124:128] = (zlib.crc32(bytes(cut[:120])) & 0xFFFFFFFF).to_bytes(4, "little")
        put(out, "evtx_file_fuzz", bytes(cut))
        # Chunk target: up to three chunks of each file, as they are.
        slots = (len(data) - HEADER) // CHUNK
        for c in sorted(set([0, slots // 2, max(0, slots - 1)]))[:3]:
            chunk = data[HEADER + c * CHUNK : HEADER + (c + 1) * CHUNK]
            if chunk.startswith(b"ElfChnk\0"):
                put(out, "evtx_chunk_fuzz", chunk)
                # And its first records only: small inputs mutate faster.
                put(out, "evtx_chunk_fuzz", chunk[:6144])
                chunks += 2
    return chunks


def read_seeds(shared, out, rng):
    n = 0
    # The readers' own declarative cases (JSON and CSV), in every format mode.
    for p in files_under(os.path.join(ROOT, "src/read/testdata"), (".json", ".jsonl", ".csv", ".tsv")):
        body = open(p, "rb").read()[:16384]
        mode = 1 if p.endswith((".csv", ".tsv")) else 0
        for m in (mode, 2, mode | 4, mode | 32):
            put(out, "read_fuzz", bytes([m]) + body)
            n += 1
    # Real logs: Mordor JSON lines and the Sigma regression exports, first lines only.
    logs = files_under(os.path.join(shared, "data/mordor"), (".json.gz",))
    rng.shuffle(logs)
    for p in logs[:25]:
        with gzip.open(p, "rb") as f:
            body = head_lines(f.read(65536), 8192)
        put(out, "read_fuzz", bytes([0]) + body)
        put(out, "read_fuzz", bytes([2]) + gzip.compress(body))
        n += 2
    for p in files_under(os.path.join(shared, "data/sigma-regression"), (".json",))[:20]:
        put(out, "read_fuzz", bytes([2]) + head_lines(open(p, "rb").read(), 8192))
        n += 1
    # Alert CSVs (AIT-ADS).
    for p in files_under(os.path.join(shared, "data/ait-ads"), (".csv.gz",)):
        with gzip.open(p, "rb") as f:
            body = head_lines(f.read(65536), 4096)
        put(out, "read_fuzz", bytes([1]) + body)
        put(out, "read_fuzz", bytes([1 | 16]) + body)
        n += 2
    return n


def sigma_seeds(shared, out, rng):
    rules = files_under(os.path.join(shared, "data/sigma"), (".yml", ".yaml"))
    rng.shuffle(rules)
    n = 0
    conditions = set()
    for p in rules[:1200]:
        body = open(p, "rb").read()
        if len(body) > 8192:
            continue
        put(out, "sigma_rule_fuzz", body)
        n += 1
    for p in rules:
        for m in re.finditer(rb"^\s*condition:\s*(.+)$", open(p, "rb").read(), re.M):
            conditions.add(m.group(1).strip().strip(b"'\""))
    # The project's own cases and correlation files (rules embedded in YAML test cases).
    for p in files_under(os.path.join(ROOT, "src/detect/testdata"), (".yml", ".yaml")):
        put(out, "sigma_rule_fuzz", open(p, "rb").read())
        n += 1
    # Conditions rewritten onto the condition target's fixed identifiers.
    names = [b"selection", b"selection_img", b"selection_cli", b"filter_main", b"filter_optional",
             b"keywords", b"sel1", b"sel2", b"_hidden", b"a"]
    ident = re.compile(rb"[A-Za-z_][A-Za-z0-9_*]*")
    keep = {b"and", b"or", b"not", b"of", b"all", b"any", b"them"}
    conds = 0
    for c in sorted(conditions):
        mapping = {}

        def sub(m):
            w = m.group(0)
            if w.lower() in keep:
                return w
            if w.endswith(b"*"):
                return w
            return mapping.setdefault(w, names[len(mapping) % len(names)])

        put(out, "condition_fuzz", ident.sub(sub, c))
        conds += 1
    return n, conds


def alert_seeds(shared, out):
    n = 0
    tdir = os.path.join(ROOT, "src/triage/testdata")
    for name, mode in (("wazuh_alerts.json", 1), ("suricata_eve.json", 2)):
        p = os.path.join(tdir, name)
        if os.path.exists(p):
            body = open(p, "rb").read()
            for m in (mode, 3):
                put(out, "alert_fuzz", bytes([m]) + head_lines(body, 16384))
                n += 1
    for p in files_under(os.path.join(shared, "data/ait-ads"), (".csv.gz",)):
        with gzip.open(p, "rb") as f:
            body = f.read(1 << 20)
        lines = body.split(b"\n")
        header = lines[0] + b"\n"
        rng = random.Random(len(body))
        for k in range(8):  # the header plus a random stretch of alerts
            start = rng.randrange(1, max(2, len(lines) - 200))
            put(out, "alert_fuzz", bytes([0]) + header + b"\n".join(lines[start:start + 60]) + b"\n")
            n += 1
    put(out, "alert_fuzz", bytes([4]) + b"ts,msg,host.name,src,dst,user,sev,tactic\n"
        b"1700000000,Port scan,web1,10.0.0.5,10.0.0.9,root,7,discovery\n")
    put(out, "alert_fuzz", bytes([5]) + b'{"version":1,"signatures":[],"types":[]}')
    put(out, "alert_fuzz", bytes([6]) + b'{"verdicts":[],"suppressions":[]}')
    return n + 3


def ingest_seeds(out):
    tdir = os.path.join(ROOT, "src/triage/testdata")
    for name in ("wazuh_alerts.json", "suricata_eve.json"):
        p = os.path.join(tdir, name)
        if not os.path.exists(p):
            continue
        body = head_lines(open(p, "rb").read(), 8192)
        for m in (0, 1, 2):
            put(out, "ingest_fuzz", bytes([m]) + body)
        put(out, "ingest_fuzz", bytes([0]) + gzip.compress(body))
        lines = [l for l in body.split(b"\n") if l.strip()][:20]
        put(out, "ingest_fuzz", bytes([0]) + b"[" + b",".join(lines) + b"]")
        put(out, "ingest_fuzz", bytes([3]) + b"".join(
            b"<13>1 2024-01-01T00:00:00Z host app - - - " + l + b"\n" for l in lines))
        head = b"<13>Jan  1 00:00:00 host tag: "
        put(out, "ingest_fuzz", bytes([3]) + b"".join(
            str(len(head) + len(l)).encode() + b" " + head + l for l in lines))
    cases = os.path.join(ROOT, "src/serve/testdata/syslog_cases.txt")
    if os.path.exists(cases):
        for c in [c for c in open(cases, "rb").read().split(b"\n\n") if c.strip()][:30]:
            put(out, "ingest_fuzz", bytes([3]) + c + b"\n")


HTTP_TOKEN = b"vigil-fuzz-token-0123456789abcdef"  # http_fuzz.cc's kToken


def http_request(method, target, body=b"", headers=(), auth=True, length=True, close=True):
    r = method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if auth:
        r += b"Authorization: Bearer " + HTTP_TOKEN + b"\r\n"
    for h in headers:
        r += h + b"\r\n"
    if length and (body or method in (b"POST", b"PUT")):
        r += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    if close:
        r += b"Connection: close\r\n"
    return r + b"\r\n" + body


def chunked(body, size=7):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += format(len(part), "x").encode() + b"\r\n" + part + b"\r\n"
    return out + b"0\r\n\r\n"


def http_seeds(out):
    """Requests for every route of `vigil serve` (http_fuzz: "@INC" becomes a real incident id)."""
    tdir = os.path.join(ROOT, "src/triage/testdata")
    alerts = {}
    for name, profile in (("suricata_eve.json", b"suricata"), ("wazuh_alerts.json", b"wazuh")):
        p = os.path.join(tdir, name)
        if os.path.exists(p):
            alerts[profile] = head_lines(open(p, "rb").read(), 3000)
    json_type = b"Content-Type: application/json"
    seeds = []
    for path in (b"/", b"/index.html", b"/app.js", b"/style.css", b"/favicon.svg", b"/nope.js",
                 b"/../etc/passwd", b"/%2e%2e/x.js"):
        seeds.append(http_request(b"GET", path, auth=False))
    for path in (b"/metrics", b"/api/v1/health", b"/api/v1/stats", b"/api/v1/suppressions",
                 b"/api/v1/suppressions?include_deleted=true"):
        seeds.append(http_request(b"GET", path))
    seeds.append(http_request(b"GET", b"/api/v1/health", auth=False))
    seeds.append(http_request(b"GET", b"/api/v1/stats", auth=False,
                              headers=(b"Authorization: bearer " + HTTP_TOKEN[:-1] + b"X",)))
    seeds.append(http_request(b"GET", b"/metrics", auth=False, headers=(b"Authorization: Basic dXNlcjpwYXNz",)))
    for query in (b"", b"?status=surfaced", b"?status=surfaced,auto-closed,suppressed&min_score=0.5",
                  b"?host=mail&q=ssh&sort=last_seen&limit=500&offset=0",
                  b"?since=2022-01-01T00:00:00Z&until=1700000000", b"?since=2022-01-15&until=2022-01-19T00:00:00%2B01:00",
                  b"?limit=0", b"?limit=abc&offset=-1", b"?min_score=nan", b"?min_score=1e309&sort=x",
                  b"?q=%00%zz%&q=+a+&host=%E2%82%AC", b"?offset=99999999999999999999",
                  b"?status=&status=surfaced&limit=1&limit=2"):
        seeds.append(http_request(b"GET", b"/api/v1/incidents" + query))
    for target in (b"/api/v1/incidents/@INC0", b"/api/v1/incidents/@INC1?alerts_offset=1&alerts_limit=5000",
                   b"/api/v1/incidents/@INC2?alerts_limit=-1", b"/api/v1/incidents/INC-00000000",
                   b"/api/v1/incidents/%2e%2e", b"/api/v1/incidents/@INC0/", b"/api/v1/incidents/'%20OR%201=1"):
        seeds.append(http_request(b"GET", target))
    for body in (b'{"verdict":"false_positive","reason":"scanner we run","analyst":"ana"}',
                 b'{"verdict":"true_positive","reason":"confirmed"}', b'{"verdict":"benign","reason":"  "}',
                 b'{"verdict":"maybe","reason":"x"}', b'[1,2]', b'{"verdict":"benign","reason":"' + b"r" * 2100 + b'"}'):
        seeds.append(http_request(b"POST", b"/api/v1/incidents/@INC0/verdict", body, headers=(json_type,)))
        seeds.append(http_request(b"POST", b"/api/v1/incidents/@INC1/verdict", body, headers=(json_type,)))
    seeds.append(http_request(b"POST", b"/api/v1/incidents/INC-ffffffff/verdict",
                              b'{"verdict":"benign","reason":"r"}', headers=(json_type,)))
    for body in (b'{"spec":{"sensor":"wazuh","rule":"5712","host":"mail"},"reason":"noisy rule"}',
                 b'{"spec":{"sensor":"suricata","host":"fw","rule":"2024364","until":"2030-01-01"},"reason":"lab"}',
                 b'{"spec":{"rule":"5712"},"reason":"noisy rule"}',
                 b'{"spec":{},"reason":"everything"}', b'{"spec":1,"reason":"n"}', b'{"spec":{"x":[1,{"y":null}]},"reason":"z"}'):
        seeds.append(http_request(b"POST", b"/api/v1/suppressions", body, headers=(json_type,)))
    # Create, delete and list on one connection (ids count from 1 after each restart).
    seeds.append(http_request(b"POST", b"/api/v1/suppressions", b'{"spec":{"sensor":"wazuh","rule":"5402",'
                              b'"host":"mail"},"reason":"sudo is routine here"}', headers=(json_type,), close=False) +
                 http_request(b"DELETE", b"/api/v1/suppressions/1", close=False) +
                 http_request(b"DELETE", b"/api/v1/suppressions/1", close=False) +
                 http_request(b"GET", b"/api/v1/suppressions?include_deleted=true"))
    for target in (b"/api/v1/suppressions/1", b"/api/v1/suppressions/2", b"/api/v1/suppressions/99999999999999999999",
                   b"/api/v1/suppressions/x"):
        seeds.append(http_request(b"DELETE", target))
    for profile, body in sorted(alerts.items()):
        target = b"/api/v1/ingest?profile=" + profile
        lines = [l for l in body.split(b"\n") if l.strip()]
        seeds.append(http_request(b"POST", target, body, headers=(json_type,)))
        seeds.append(http_request(b"POST", b"/api/v1/ingest?profile=auto", body, headers=(json_type,)))
        seeds.append(http_request(b"POST", target, b"[" + b",".join(lines) + b"]", headers=(json_type,)))
        seeds.append(http_request(b"POST", target, gzip.compress(body), headers=(json_type, b"Content-Encoding: gzip")))
        seeds.append(http_request(b"POST", target, chunked(body, 97), length=False,
                                  headers=(json_type, b"Transfer-Encoding: chunked")))
        seeds.append(http_request(b"POST", target, chunked(gzip.compress(body)), length=False,
                                  headers=(json_type, b"Transfer-Encoding: chunked", b"Content-Encoding: gzip")))
        seeds.append(http_request(b"POST", target, body, headers=(json_type, b"Expect: 100-continue")))
        # Three requests on one connection (keep-alive, pipelined).
        seeds.append(http_request(b"POST", target, lines[0] + b"\n", close=False) +
                     http_request(b"GET", b"/api/v1/stats", close=False) + http_request(b"GET", b"/api/v1/incidents"))
    ingest = b"/api/v1/ingest?profile=suricata"
    one = b'{"timestamp":"2022-01-18T10:21:05Z","event_type":"alert","src_ip":"1.2.3.4","alert":{"signature":"x","severity":2}}\n'
    seeds += [
        http_request(b"POST", b"/api/v1/ingest", one), http_request(b"POST", b"/api/v1/ingest?profile=nope", one),
        http_request(b"POST", ingest, b"garbage", headers=(b"Content-Type: text/plain",)),
        http_request(b"POST", ingest, one, length=False, headers=(b"Content-Length: 100000",)),
        http_request(b"POST", ingest, one, length=False, headers=(b"Content-Length: -1",)),
        http_request(b"POST", ingest, one, length=False, headers=(b"Content-Length: 18446744073709551616",)),
        http_request(b"POST", ingest, one, length=False, headers=(b"Content-Length: 5", b"Content-Length: 500")),
        http_request(b"POST", ingest, b"ffffffffffffffff\r\n" + one, length=False, headers=(b"Transfer-Encoding: chunked",)),
        http_request(b"POST", ingest, b"zz\r\nabc\r\n0\r\n\r\n", length=False, headers=(b"Transfer-Encoding: chunked",)),
        http_request(b"POST", ingest, b"\x1f\x8b\x08\x00garbage", headers=(b"Content-Encoding: gzip",)),
        http_request(b"POST", ingest, gzip.compress(b" " * 200000 + one), headers=(b"Content-Encoding: gzip",)),
        http_request(b"POST", ingest, one, headers=(b"Content-Encoding: br",)),
        http_request(b"GET", b"/api/v1/health", headers=(b"X-Big: " + b"a" * 9000,)),
        http_request(b"GET", b"/api/v1/health", headers=tuple(b"X-H%d: v" % i for i in range(120))),
        http_request(b"GET", b"/api/v1/incidents?q=" + b"a" * 9000),
        http_request(b"GET", b"/" + b"a" * 5000 + b".js", auth=False),
        http_request(b"GET", b"/api/v1/health", headers=(b"Range: bytes=0-5,3-1,-2",)),
        http_request(b"HEAD", b"/api/v1/health"), http_request(b"OPTIONS", b"*"), http_request(b"PUT", b"/api/v1/stats", b"{}"),
        b"GET /api/v1/health HTTP/1.0\r\nAuthorization: Bearer " + HTTP_TOKEN + b"\r\n\r\n",
        b"GET /api/v1/health\r\n\r\n", b"\r\n\r\nGET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\nHost: x\n\n",
        b"GET /api/v1/health HTTP/1.1\r\nAuthorization: Bearer " + HTTP_TOKEN + b"\r\n folded: continuation\r\n\r\n",
    ]
    for s in seeds:
        put(out, "http_fuzz", s)
    return len(seeds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.shared, "data")):
        sys.exit("needs ../shared/data")
    rng = random.Random(8)
    chunks = evtx_seeds(args.shared, args.out, rng)
    reads = read_seeds(args.shared, args.out, rng)
    rules, conds = sigma_seeds(args.shared, args.out, rng)
    alert_seeds(args.shared, args.out)
    ingest_seeds(args.out)
    http_seeds(args.out)
    for t in sorted(os.listdir(args.out)):
        print(f"{t}: {len(os.listdir(os.path.join(args.out, t)))} seeds")


if __name__ == "__main__":
    main()
