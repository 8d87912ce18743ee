#!/usr/bin/env python3
"""Writes checkresult NDJSON logs in which every dimension a report groups by takes many
distinct values, to measure how report queries grow with the number of groups.

For each i in 0..N-1 it writes, inside one ISO week:
  - an ID Recognition transaction with its own countryCode, docCategory, certType,
    docEdition, recognitionErrorCode (when it failed), spoofResult check name,
    extraSpoofResultDetails spoofType / name / component, and a document number shared
    with one other transaction (doc_reuse, with --pii-key at ingest);
  - an ID Recognition transaction ending in its own resultCode (resultStatus F);
  - a VideoVerify transaction with its own willing status and attemptNumber.

Usage: distinct_corpus.py N OUT.ndjson [--week-start 2026-11-09]
The same arguments give the same bytes.
"""
import argparse
import datetime as dt
import json

ID_API = "/api/v1/zoloz/idrecognition/checkresult"
VV_API = "/api/v1/zoloz/videoverify/checkresult"


def envelope(ts_ms, api, tid, response):
    ts = dt.datetime.fromtimestamp(ts_ms / 1000, tz=dt.timezone.utc)
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts_ms % 1000)
    return json.dumps({"timestamp": stamp, "api": api,
                       "request": {"bizId": "B%d" % (tid % 97), "transactionId": "DX%09d" % tid},
                       "response": response}, separators=(",", ":"))


def lines(n, start_ms):
    week_ms = 7 * 86_400_000
    step = max(1, (week_ms - 60_000) // max(1, 3 * n))
    t = start_ms
    for i in range(n):
        failed = i % 2 == 1
        ext = {
            "recognitionResult": "N" if failed else "Y",
            "certType": "CT%06d" % i,
            "docCategory": "DOC_%06d" % i,
            "docEdition": i,
            "countryCode": "C%06d" % i,
            "spoofResult": {"CHECK_%06d" % i: "N" if failed else "Y", "TAMPER_CHECK": "Y"},
            "extraSpoofResultDetails": [{
                "name": "detail%06d" % i, "result": "N" if failed else "Y", "spoofType": "TYPE_%06d" % i,
                "components": [{"name": "part%06d" % i, "subResult": "Y"}],
            }],
            "ocrResultFormat": {"NUMBER": "N%08d" % (i // 2)},
        }
        if failed:
            ext["recognitionErrorCode"] = "ERR_%06d" % i
        yield envelope(t, ID_API, 3 * i, {
            "result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success"}, "extInfo": ext})
        t += step
        yield envelope(t, ID_API, 3 * i + 1, {
            "result": {"resultStatus": "F", "resultCode": "RC_%06d" % i, "resultMessage": "error"}})
        t += step
        records = {"retryRecords": [{"status": "STATUS_%06d" % i, "userInput": "x", "attemptNumber": i + 1},
                                    {"status": "SUCCESS", "userInput": "I confirm", "attemptNumber": i + 2}]}
        yield envelope(t, VV_API, 3 * i + 2, {
            "result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "Success"},
            "videoVerifyResult": "Success",
            "extInfo": {"quality": 40 + (i % 600) / 10, "qualityPassed": True,
                        "willingRetryRecords": json.dumps(records)}})
        t += step


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="distinct values per dimension")
    ap.add_argument("out", help="output NDJSON file")
    ap.add_argument("--week-start", default="2026-11-09", help="Monday of the week (UTC)")
    a = ap.parse_args()
    monday = dt.datetime.fromisoformat(a.week_start).replace(tzinfo=dt.timezone.utc)
    start_ms = int(monday.timestamp() * 1000)
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for line in lines(a.n, start_ms):
            f.write(line + "\n")


if __name__ == "__main__":
    main()
