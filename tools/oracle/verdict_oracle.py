#!/usr/bin/env python3
"""Reference implementation ("oracle") of the verdict log-analytics contract.

Reads checkresult NDJSON logs (docs/LOG_FORMAT.md), computes every CSV file
of docs/METRICS.md for one period (the README's command reference), writes them
into --out DIR, and prints the ingest summary as one JSON object on stdout.

    python3 verdict_oracle.py --out DIR [--tz ZONE] PERIOD FILE...
    PERIOD: --week 2026-W46 | --month 2026-11 | --from 2026-11-09 --to 2026-11-15

Plain Python 3.11, standard library only, written for clarity, not speed.
The choices made where the contract is ambiguous are listed in README.md.
"""
import argparse
import datetime as dt
import gzip
import json
import math
import os
import re
import sys
import threading
import zlib
import zoneinfo

IDR, VV = "ID_RECOGNITION", "VIDEO_VERIFY"
PRODUCTS = (IDR, VV)
REASONS = ("invalid_json", "missing_transaction_id", "missing_timestamp",
           "invalid_timestamp", "missing_result", "unknown_product")
TIMESTAMP_KEYS = ("timestamp", "@timestamp", "ts", "time")
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class Refused(Exception):
    """A line refused for one of the reasons of docs/LOG_FORMAT.md (Refused lines)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------
# Strict JSON
# --------------------------------------------------------------------------

def _reject_constant(name):
    raise ValueError("not JSON: " + name)  # NaN, Infinity, -Infinity


def strict_loads(text):
    """json.loads that refuses NaN/Infinity. A lone UTF-16 surrogate written
    as a \\udXXX escape is valid JSON syntax and is accepted (Verdict reads it
    as U+FFFD)."""
    return json.loads(text, parse_constant=_reject_constant)


INVALID = object()  # what a field check returns for a wrong-typed value


def is_str(v):
    return isinstance(v, str)


def is_int(v):
    """A JSON integer (not a float, not a boolean) that fits in 64 bits."""
    return type(v) is int and INT64_MIN <= v <= INT64_MAX


def is_bool(v):
    return isinstance(v, bool)


def is_dict(v):
    return isinstance(v, dict)


# --------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------

RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2})(:?)([0-9]{2}))")


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return (31, 29 if is_leap(y) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31)[m - 1]


def days_from_civil(y, m, d):
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


MIN_MS, MAX_MS = -62135596800000, 253402300799999  # years 0001..9999


def parse_timestamp(v):
    """Epoch milliseconds, or None when v is not an accepted form."""
    if is_int(v):
        return v if MIN_MS <= v <= MAX_MS else None
    if not isinstance(v, str):
        return None
    m = RFC3339.fullmatch(v)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= days_in_month(year, month)):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    millis = int((m.group(7) or "").ljust(3, "0")[:3])  # truncate to ms
    offset_min = 0
    if m.group(8) is None:
        oh, om = int(m.group(10)), int(m.group(12))
        if oh > 23 or om > 59:
            return None
        offset_min = (oh * 60 + om) * (1 if m.group(9) == "+" else -1)
    days = days_from_civil(year, month, day)
    secs = ((days * 24 + hour) * 60 + minute) * 60 + second  # :60 = next :00
    return secs * 1000 + millis - offset_min * 60000


# --------------------------------------------------------------------------
# One line -> refusal or accepted envelope
# --------------------------------------------------------------------------

def product_from_api(api):
    path = api
    cuts = [i for i in (path.find("?"), path.find("#")) if i >= 0]
    if cuts:
        path = path[:min(cuts)]
    path = path.rstrip("/").lower()  # trailing slashes and letter case do not matter
    if path.endswith("/idrecognition/checkresult") or path == "idrecognition/checkresult":
        return IDR
    if path.endswith("/videoverify/checkresult") or path == "videoverify/checkresult":
        return VV
    return None


def product_from_shape(response):
    ext = response.get("extInfo")
    ext = ext if is_dict(ext) else {}

    def holds(obj, keys):
        return any(obj.get(k) is not None for k in keys)
    if response.get("videoVerifyResult") is not None or \
            holds(ext, ("quality", "qualityPassed", "willingRetryRecords")):
        return VV
    if holds(ext, ("recognitionResult", "docCategory", "certType", "spoofResult")):
        return IDR
    return None


def parse_envelope(raw):
    """Returns (doc, response, product, tid, ts, status, code) or raises Refused."""
    try:
        doc = strict_loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused("invalid_json")
    if not is_dict(doc):
        raise Refused("invalid_json")

    request = doc.get("request")
    tid = request.get("transactionId") if is_dict(request) else None
    if not is_str(tid) or tid == "":
        raise Refused("missing_transaction_id")

    ts_value = next((doc[k] for k in TIMESTAMP_KEYS if doc.get(k) is not None), None)
    if ts_value is None:
        raise Refused("missing_timestamp")
    ts = parse_timestamp(ts_value)
    if ts is None:
        raise Refused("invalid_timestamp")

    response = doc.get("response")
    if is_str(response):
        try:
            response = strict_loads(response)
        except (ValueError, RecursionError):
            raise Refused("missing_result")
    if not is_dict(response):
        raise Refused("missing_result")
    result = response.get("result")
    status = result.get("resultStatus") if is_dict(result) else None
    code = result.get("resultCode") if is_dict(result) else None
    if not is_str(status) or not is_str(code):
        raise Refused("missing_result")

    api = doc.get("api")
    if api is None:
        product = product_from_shape(response)
    else:
        product = product_from_api(api) if is_str(api) else None
    if product is None:
        raise Refused("unknown_product")
    return doc, response, product, tid, ts, status, code


# --------------------------------------------------------------------------
# Fields of a stored poll (docs/LOG_FORMAT.md (Warnings)); counts warnings
# --------------------------------------------------------------------------

JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def valid_quality(v):
    if is_str(v):
        if not JSON_NUMBER.fullmatch(v):
            return INVALID
        q = float(v)
    elif isinstance(v, (int, float)) and not is_bool(v):
        try:
            q = float(v)
        except OverflowError:
            return INVALID
    else:
        return INVALID
    if not math.isfinite(q) or q < 0 or q > 100:
        return INVALID
    return q + 0.0  # -0.0 -> 0.0


def valid_doc_edition(v):
    if is_int(v):
        return v
    if is_str(v) and re.fullmatch(r"[0-9]+", v):
        return int(v)
    return INVALID


def valid_country_code(v):
    if is_str(v):
        return v
    if isinstance(v, list) and all(is_str(x) for x in v):
        return v[0] if v else None  # an empty list: valid, no value
    return INVALID


def valid_str_list(v):
    return v if isinstance(v, list) and all(is_str(x) for x in v) else INVALID


def valid_extra_images(v):
    if v == "" or (is_dict(v) and all(is_str(x) for x in v.values())):
        return v
    return INVALID


class FieldReader:
    """Reads documented fields; a wrong-typed field counts as absent and adds
    one warning. JSON null counts as absent (no warning)."""

    def __init__(self):
        self.warnings = 0

    def get(self, obj, key, check):
        """check: a predicate (returns bool) or a converter (returns the
        value, or INVALID)."""
        v = obj.get(key) if is_dict(obj) else None
        if v is None:
            return None
        r = check(v)
        if r is False or r is INVALID:
            self.warnings += 1
            return None
        return v if r is True else r

    def obj_list(self, obj, key):
        """A documented list of documented objects: the list itself must be a
        list (else one warning); each non-object element is one warning."""
        items = self.get(obj, key, lambda v: isinstance(v, list))
        out = []
        for item in items or ():
            if is_dict(item):
                out.append(item)
            elif item is not None:
                self.warnings += 1
        return out


def read_retry_records(fr, ext):
    """List of (status, attemptNumber) or None when the field is absent/invalid."""
    v = ext.get("willingRetryRecords") if is_dict(ext) else None
    if v is None:
        return None
    if is_str(v):
        try:
            v = strict_loads(v)
        except (ValueError, RecursionError):
            v = None  # not JSON: wrong type
    if not is_dict(v) or not (v.get("retryRecords") is None or isinstance(v["retryRecords"], list)):
        fr.warnings += 1
        return None
    records = []
    for rec in fr.obj_list(v, "retryRecords"):
        status = fr.get(rec, "status", is_str)
        fr.get(rec, "userInput", is_str)
        attempt = fr.get(rec, "attemptNumber", is_int)
        records.append((status, attempt))
    return records


def read_fields(doc, response, product):
    """The fields the metrics use, plus validation of every documented field."""
    fr = FieldReader()
    f = {}
    fr.get(doc.get("request"), "bizId", is_str)
    fr.get(response.get("result"), "resultMessage", is_str)
    ext = fr.get(response, "extInfo", is_dict) or {}
    if product == IDR:
        f["recognitionResult"] = fr.get(ext, "recognitionResult", is_str)
        f["recognitionErrorCode"] = fr.get(ext, "recognitionErrorCode", is_str)
        f["deeperResult"] = fr.get(ext, "deeperResult", is_str)
        f["uploadEnabledResult"] = fr.get(ext, "uploadEnabledResult", is_str)
        for key in ("certType", "docCategory", "recognitionErrorDescription",
                    "deeperResultDescription"):
            fr.get(ext, key, is_str)
        fr.get(ext, "docEdition", valid_doc_edition)
        fr.get(ext, "countryCode", valid_country_code)
        fr.get(ext, "imageContent", valid_str_list)
        fr.get(ext, "extraImages", valid_extra_images)
        for key in ("ocrResult", "ocrResultFormat", "ocrResultDetail"):
            fr.get(ext, key, is_dict)
        spoof = {}
        sr = fr.get(ext, "spoofResult", is_dict) or {}
        for key in sr:
            value = fr.get(sr, key, is_str)
            if value is not None:
                spoof[key] = value
        f["spoofResult"] = spoof
        details = []
        for d in fr.obj_list(ext, "extraSpoofResultDetails"):
            name = fr.get(d, "name", is_str)
            result = fr.get(d, "result", is_str)
            stype = fr.get(d, "spoofType", is_str)
            comps = []
            for c in fr.obj_list(d, "components"):
                cname = fr.get(c, "name", is_str)
                sub = fr.get(c, "subResult", is_str)
                if cname:  # a component needs a non-empty name
                    comps.append((cname, sub))
            if name is not None and stype is not None:
                details.append((stype, name, result, comps))
        f["details"] = details
    else:
        f["videoVerifyResult"] = fr.get(response, "videoVerifyResult", is_str)
        fr.get(ext, "imageContent", is_str)
        fr.get(ext, "willingVerifyVideo", is_str)
        f["quality"] = fr.get(ext, "quality", valid_quality)
        f["qualityPassed"] = fr.get(ext, "qualityPassed", is_bool)
        f["retryRecords"] = read_retry_records(fr, ext)
    return f, fr.warnings


# --------------------------------------------------------------------------
# Ingest
# --------------------------------------------------------------------------

class Poll:
    __slots__ = ("product", "tid", "ts", "status", "code", "seq", "f")

    def __init__(self, product, tid, ts, status, code, seq, f):
        self.product, self.tid, self.ts = product, tid, ts
        self.status, self.code, self.seq, self.f = status, code, seq, f


def open_input(path):
    if path == "-":
        return sys.stdin.buffer
    if os.path.isdir(path):
        raise OSError("is a directory")
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # reads concatenated members too
    return open(path, "rb")


class Ingest:
    def __init__(self):
        self.lines = self.accepted = self.duplicates = self.blank = self.warnings = 0
        self.refused = {r: 0 for r in REASONS}
        self.seen = set()     # poll identities
        self.polls = []       # stored polls, in ingest order

    def line(self, raw):
        self.lines += 1
        if raw.strip() == b"":  # bytes.strip(): ASCII whitespace only
            self.blank += 1
            return
        try:
            doc, response, product, tid, ts, status, code = parse_envelope(raw)
        except Refused as r:
            self.refused[r.reason] += 1
            return
        identity = (product, tid, ts, code)
        if identity in self.seen:
            self.duplicates += 1
            return
        self.seen.add(identity)
        f, warnings = read_fields(doc, response, product)
        self.warnings += warnings
        self.accepted += 1
        self.polls.append(Poll(product, tid, ts, status, code, len(self.polls), f))

    def file(self, path):
        try:
            fh = open_input(path)
            try:
                first = True
                for raw in fh:  # splits on b"\n" only; keeps it
                    if first and raw.startswith(b"\xef\xbb\xbf"):
                        raw = raw[3:]  # a UTF-8 byte order mark before the first line
                    first = False
                    if raw.endswith(b"\n"):
                        raw = raw[:-1]
                    if raw.endswith(b"\r"):
                        raw = raw[:-1]
                    self.line(raw)
            finally:
                if fh is not sys.stdin.buffer:
                    fh.close()
        except (OSError, EOFError, zlib.error) as e:
            raise UsageError(f"{path}: cannot read: {e}")

    def summary(self):
        txns = {p: len({q.tid for q in self.polls if q.product == p}) for p in PRODUCTS}
        return {"lines": self.lines, "accepted": self.accepted,
                "duplicates": self.duplicates, "blank": self.blank,
                "refused": dict(self.refused), "warnings": self.warnings,
                "transactions": txns}


# --------------------------------------------------------------------------
# Transactions (docs/LOG_FORMAT.md (Polls, duplicates and transactions))
# --------------------------------------------------------------------------

FINAL_CLASSES = (
    lambda p: p.code == "SUCCESS",
    lambda p: p.status in ("F", "U") and p.code != "SYSTEM_ERROR",
    lambda p: p.code == "SYSTEM_ERROR",
    lambda p: True,
)


class Transaction:
    def __init__(self, product, tid, polls):
        self.product, self.tid = product, tid
        self.date = min(p.ts for p in polls)
        for in_class in FINAL_CLASSES:
            candidates = [p for p in polls if in_class(p)]
            if candidates:  # latest; equal times: ingested last
                self.final = max(candidates, key=lambda p: (p.ts, p.seq))
                break
        f = self.final.f
        self.verdict = f["recognitionResult"] if product == IDR else f["videoVerifyResult"]
        if self.final.status != "S":
            self.cls = "api_error"
        elif (self.final.code == "SUCCESS" and self.verdict
              and not (product == VV and self.verdict.lower() == "inprocess")):
            self.cls = "completed"
        else:
            self.cls = "pending"
        self.passed = self.cls == "completed" and (
            self.verdict == "Y" if product == IDR else self.verdict.lower() == "success")


def build_transactions(polls):
    groups = {}
    for p in polls:
        groups.setdefault((p.product, p.tid), []).append(p)
    return [Transaction(prod, tid, ps) for (prod, tid), ps in groups.items()]


# --------------------------------------------------------------------------
# Periods (the README's command reference)
# --------------------------------------------------------------------------

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def start_of_day_ms(day, zone):
    """Local midnight (fold=0) of `day` in `zone`, as epoch ms."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    return (local - EPOCH) // dt.timedelta(milliseconds=1)


def add_months(year, month, n):
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


def parse_date(s, what):
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", s or "")
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except (AttributeError, ValueError):
        raise UsageError(f"{what}: not a date YYYY-MM-DD: {s!r}")


def parse_period(args, count=8):
    """Returns the `count` trend periods (8 unless an alert rule's baseline needs
    more), oldest first, each (first_day, last_day); the last one is the report period."""
    kinds = [k for k in ("week", "month") if getattr(args, k) is not None]
    if args.date_from is not None or args.date_to is not None:
        kinds.append("span")
    if len(kinds) != 1:
        raise UsageError("give exactly one period: --week, --month or --from/--to")
    kind = kinds[0]
    if kind == "week":
        m = re.fullmatch(r"([0-9]{4})-W([0-9]{2})", args.week)
        try:
            monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except (AttributeError, ValueError):
            raise UsageError(f"--week: not an ISO week YYYY-Www: {args.week!r}")
        starts = [monday - dt.timedelta(weeks=k) for k in range(count - 1, -1, -1)]
        return [(s, s + dt.timedelta(days=6)) for s in starts]
    if kind == "month":
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", args.month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise UsageError(f"--month: not a month YYYY-MM: {args.month!r}")
        out = []
        for k in range(count - 1, -1, -1):
            y, mo = add_months(int(m.group(1)), int(m.group(2)), -k)
            ny, nmo = add_months(y, mo, 1)
            out.append((dt.date(y, mo, 1), dt.date(ny, nmo, 1) - dt.timedelta(days=1)))
        return out
    if args.date_from is None or args.date_to is None:
        raise UsageError("--from and --to go together")
    first, last = parse_date(args.date_from, "--from"), parse_date(args.date_to, "--to")
    if last < first:
        raise UsageError("--to is before --from")
    length = dt.timedelta(days=(last - first).days + 1)
    return [(first - k * length, last - k * length) for k in range(count - 1, -1, -1)]


def period_span(period, zone):
    first, last = period
    return start_of_day_ms(first, zone), start_of_day_ms(last + dt.timedelta(days=1), zone)


# --------------------------------------------------------------------------
# Metrics (docs/METRICS.md)
# --------------------------------------------------------------------------

def rate(num, den):
    return "" if den == 0 else f"{num / den:.6f}"


def stat(x):
    return f"{x:.6f}"


def percentile(sorted_values, p):
    """numpy's default 'linear' method: h = (n-1)p, lerp between neighbours."""
    n = len(sorted_values)
    h = (n - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    t = h - lo
    a, b = sorted_values[lo], sorted_values[hi]
    d = b - a
    return a + d * t if t < 0.5 else b - d * (1 - t)


def text(s):
    """Neutralise a cell holding log text against formula injection."""
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def vv_verdict_name(v):
    canon = {"success": "Success", "failure": "Failure", "voidtimeout": "VoidTimeout"}
    return canon.get(v.lower(), v)


def count_by(items, key):
    out = {}
    for it in items:
        k = key(it)
        out[k] = out.get(k, 0) + 1
    return out


def compute(T, trend_sets):
    """T: transactions of the report period. trend_sets: [(first_day, [txns])]."""
    files = {}
    by = {p: [t for t in T if t.product == p] for p in PRODUCTS}
    completed = {p: [t for t in by[p] if t.cls == "completed"] for p in PRODUCTS}

    rows = []
    for p in PRODUCTS:
        c = count_by(by[p], lambda t: t.cls)
        npass = sum(t.passed for t in completed[p])
        rows.append([p, len(by[p]), len(completed[p]), npass, len(completed[p]) - npass,
                     c.get("pending", 0), c.get("api_error", 0), rate(npass, len(completed[p]))])
    files["outcomes.csv"] = (["product", "transactions", "completed", "passed", "failed",
                              "pending", "api_error", "pass_rate"], rows)

    rows = []
    for p in PRODUCTS:
        name = (lambda v: v) if p == IDR else vv_verdict_name
        counts = count_by(completed[p], lambda t: name(t.verdict))
        for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append([p, text(v), n, rate(n, len(completed[p]))])
    files["verdicts.csv"] = (["product", "verdict", "transactions", "share"], rows)

    rows = []
    for p in PRODUCTS:
        counts = count_by(by[p], lambda t: (t.final.status, t.final.code))
        for (s, c), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
            rows.append([p, text(s), text(c), n, rate(n, len(by[p]))])
    files["result_codes.csv"] = (["product", "result_status", "result_code",
                                  "transactions", "share"], rows)

    idc = completed[IDR]
    failed = [t for t in idc if not t.passed]
    counts = count_by(failed, lambda t: t.final.f["recognitionErrorCode"] or "UNSPECIFIED")
    rows = [[text(code), n, rate(n, len(idc)), rate(n, len(failed))]
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    files["id_failure_reasons.csv"] = (["error_code", "failures", "failure_rate",
                                        "share_of_failures"], rows)

    checks = {}  # (check, 0 = spoofResult key / 1 = deeperResult) -> [evaluated, passed]
    checks[("DEEPER", 1)] = [0, 0]
    for t in idc:
        values = [((k, 0), v) for k, v in t.final.f["spoofResult"].items()]
        values.append((("DEEPER", 1), t.final.f["deeperResult"]))
        for key, v in values:
            c = checks.setdefault(key, [0, 0])
            c[0] += bool(v)
            c[1] += v == "Y"
    rows = [[text(k[0]), ev, pa, rate(pa, ev)] for k, (ev, pa) in sorted(checks.items())]
    files["spoof_checks.csv"] = (["check", "evaluated", "passed", "pass_rate"], rows)

    details = {}  # (spoof_type, check, component) -> [evaluated, passed]
    for t in idc:
        values = {}  # this transaction's values per row
        for stype, name, result, comps in t.final.f["details"]:
            values.setdefault((stype, name, ""), []).append(result)
            for cname, sub in comps:
                values.setdefault((stype, name, cname), []).append(sub)
        for key, vs in values.items():
            c = details.setdefault(key, [0, 0])
            nonempty = [v for v in vs if v]
            if nonempty:
                c[0] += 1
                c[1] += all(v == "Y" for v in nonempty)
    rows = [[text(st), text(ch), text(co), ev, pa, rate(pa, ev)]
            for (st, ch, co), (ev, pa) in sorted(details.items())]
    files["spoof_details.csv"] = (["spoof_type", "check", "component", "evaluated",
                                   "passed", "pass_rate"], rows)

    vv = by[VV]
    scores = sorted(t.final.f["quality"] for t in vv if t.final.f["quality"] is not None)
    flags = [t.final.f["qualityPassed"] for t in vv if t.final.f["qualityPassed"] is not None]
    if scores:
        stats = [stat(math.fsum(scores) / len(scores)), stat(scores[0])]
        stats += [stat(percentile(scores, p)) for p in (0.05, 0.25, 0.50, 0.75, 0.95)]
        stats.append(stat(scores[-1]))
    else:
        stats = [""] * 8  # mean, min, five percentiles, max
    qp = sum(flags)
    files["quality_summary.csv"] = (
        ["scored", "mean", "min", "p05", "p25", "p50", "p75", "p95", "max",
         "flagged", "quality_passed", "quality_passed_rate"],
        [[len(scores)] + stats + [len(flags), qp, rate(qp, len(flags))]])

    rows = []
    for i in range(10):
        lo, hi = 10 * i, 10 * (i + 1)
        n = sum(1 for q in scores if lo <= q < hi or (i == 9 and q == 100))
        rows.append([lo, hi, n])
    files["quality_histogram.csv"] = (["bucket_lo", "bucket_hi", "transactions"], rows)

    with_records = [t.final.f["retryRecords"] for t in vv if t.final.f["retryRecords"]]
    attempts = {}  # attempts -> [transactions, succeeded]
    statuses = {}
    for recs in with_records:
        numbers = [a for _, a in recs if a is not None]
        if numbers:
            top = max(numbers)
            n_attempts = top
            last = [r for r in recs if r[1] == top][-1]
        else:
            n_attempts = len(recs)
            last = recs[-1]
        a = attempts.setdefault(n_attempts, [0, 0])
        a[0] += 1
        a[1] += last[0] == "SUCCESS"
        for status, _ in recs:
            s = "UNSPECIFIED" if status is None else status
            statuses[s] = statuses.get(s, 0) + 1
    rows = [[k, n, s, rate(n, len(with_records))] for k, (n, s) in sorted(attempts.items())]
    files["willing_attempts.csv"] = (["attempts", "transactions", "succeeded", "share"], rows)
    total = sum(statuses.values())
    rows = [[text(s), n, rate(n, total)]
            for s, n in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))]
    files["willing_statuses.csv"] = (["status", "records", "share"], rows)

    rows = []
    for first_day, txns in trend_sets:
        for p in PRODUCTS:
            mine = [t for t in txns if t.product == p]
            comp = [t for t in mine if t.cls == "completed"]
            npass = sum(t.passed for t in comp)
            rows.append([first_day.isoformat(), p, len(mine), len(comp), npass,
                         rate(npass, len(comp))])
    files["trend.csv"] = (["period_start", "product", "transactions", "completed",
                           "passed", "pass_rate"], rows)
    return files


# --------------------------------------------------------------------------
# Signals and changes
# --------------------------------------------------------------------------

def signal_counts(T):
    """{signal name: [numerator, denominator]} over the transactions T of one period."""
    out = {}

    def add(name, num, den):
        c = out.setdefault(name, [0, 0])
        c[0] += num
        c[1] += den

    by = {p: [t for t in T if t.product == p] for p in PRODUCTS}
    for p in PRODUCTS:
        comp = [t for t in by[p] if t.cls == "completed"]
        add("pass_rate." + p, sum(t.passed for t in comp), len(comp))
        add("api_error_rate." + p, sum(t.cls == "api_error" for t in by[p]), len(by[p]))
        add("pending_rate." + p, sum(t.cls == "pending" for t in by[p]), len(by[p]))
    idc = [t for t in by[IDR] if t.cls == "completed"]
    for t in idc:
        if not t.passed:
            add("id_failure." + (t.final.f["recognitionErrorCode"] or "UNSPECIFIED"), 1, 0)
    out[" completed." + IDR] = [0, len(idc)]  # the denominator of every id_failure signal
    for t in idc:
        f = t.final.f
        values = list(f["spoofResult"].items()) + [("DEEPER", f["deeperResult"])]
        for check, v in values:
            if v is None:
                continue
            # Both DEEPER rows of spoof_checks.csv (a spoofResult key and deeperResult)
            # pool into one signal: a signal's name is unique.
            add("spoof_fail." + check, 1 if v and v != "Y" else 0, 1 if v else 0)
        rows = {}
        for stype, name, result, comps in f["details"]:
            rows.setdefault(stype + "." + name, []).append(result)
            for cname, sub in comps:
                rows.setdefault(stype + "." + name + "." + cname, []).append(sub)
        for key, vs in rows.items():
            nonempty = [v for v in vs if v]
            evaluated = 1 if nonempty else 0
            passed = 1 if nonempty and all(v == "Y" for v in nonempty) else 0
            add("spoof_detail_fail." + key, evaluated - passed, evaluated)
        upload = f["uploadEnabledResult"]
        if upload:
            add("upload_mode", upload == "Y", 1)
            add("pass_rate_by_upload." + upload, t.passed, 1)
    vvc = [t for t in by[VV] if t.cls == "completed"]
    for t in vvc:
        add("video_verdict." + vv_verdict_name(t.verdict), 1, 0)
    out[" completed." + VV] = [0, len(vvc)]  # the denominator of every video_verdict signal
    flags = [t.final.f["qualityPassed"] for t in by[VV] if t.final.f["qualityPassed"] is not None]
    add("quality_fail", len(flags) - sum(flags), len(flags))
    with_records = [t.final.f["retryRecords"] for t in by[VV] if t.final.f["retryRecords"]]
    succeeded = 0
    for recs in with_records:
        numbers = [a for _, a in recs if a is not None]
        last = [r for r in recs if r[1] == max(numbers)][-1] if numbers else recs[-1]
        succeeded += last[0] == "SUCCESS"
    add("willing_fail", len(with_records) - succeeded, len(with_records))
    return out


def fixed(x):
    """Six decimals; a negative zero is written 0."""
    s = f"{x:.6f}"
    return "0.000000" if s == "-0.000000" else s


def z_test(x1, n1, x2, n2):
    """Pooled two-proportion z-test, two-sided: (z, p), or None when it cannot be said."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled <= 0 or pooled >= 1:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, math.erfc(abs(z) / math.sqrt(2))


def period_signal_counts(trend_sets):
    """[(first_day, {signal: [numerator, denominator]})] for each period, oldest first."""
    per_period = [(first_day, signal_counts(txns)) for first_day, txns in trend_sets]
    # A share of completed transactions has that period's completed count as denominator,
    # whether or not the share's own value occurs in the period.
    for _, counts in per_period:
        for name, c in counts.items():
            if name.startswith("id_failure."):
                c[1] = counts[" completed." + IDR][1]
            elif name.startswith("video_verdict."):
                c[1] = counts[" completed." + VV][1]
    return per_period


def counts_of(counts, name):
    if name in counts:
        return counts[name]
    if name.startswith("id_failure."):
        return (0, counts[" completed." + IDR][1])
    if name.startswith("video_verdict."):
        return (0, counts[" completed." + VV][1])
    return (0, 0)


def signal_names(per_period):
    """Every signal with a non-zero denominator in one of the periods, in code-point order."""
    return sorted({n for _, counts in per_period for n, (_, den) in counts.items() if den > 0 and not n.startswith(" ")},
                  key=lambda s: s.encode("utf-8"))


def signals_and_changes(trend_sets):
    per_period = period_signal_counts(trend_sets)
    names = signal_names(per_period)
    rows = []
    for name in names:
        for first_day, counts in per_period:
            num, den = counts_of(counts, name)
            rows.append([name, first_day.isoformat(), num, den, rate(num, den)])
    signals = (["signal", "period_start", "numerator", "denominator", "rate"], rows)

    current, previous = per_period[-1][1], per_period[-2][1]
    changes = []
    for name in names:
        x1, n1 = counts_of(current, name)
        x2, n2 = counts_of(previous, name)
        if n1 == 0 and n2 == 0:
            continue
        change = fixed((x1 / n1 - x2 / n2) * 100) if n1 and n2 else ""
        test = z_test(x1, n1, x2, n2)
        small = 1 if n1 < 30 or n2 < 30 else 0
        significant = 1 if test and test[1] < 0.05 and not small else 0
        changes.append((significant, abs(test[0]) if test else None, name,
                        [name, x1, n1, rate(x1, n1), x2, n2, rate(x2, n2), change,
                         fixed(test[0]) if test else "", fixed(test[1]) if test else "",
                         small, significant]))
    changes.sort(key=lambda c: (-c[0], c[1] is None, -(c[1] or 0), c[2].encode("utf-8")))
    header = ["signal", "numerator", "denominator", "rate", "previous_numerator",
              "previous_denominator", "previous_rate", "change_pp", "z", "p_value",
              "small_sample", "significant"]
    return signals, (header, [c[3] for c in changes])


# --------------------------------------------------------------------------
# Alert rules
# --------------------------------------------------------------------------

def load_rules(path):
    """The rules of a rules file, each a dict with every default filled in. Only what the
    reference needs is checked: a rules file Verdict accepts is assumed."""
    import yaml  # PyYAML (Debian: python3-yaml), only needed with --alerts
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    rules = []
    for r in doc.get("rules") or []:
        baseline = str(r.get("baseline", "previous"))
        if baseline == "previous":
            n = 1
        elif re.fullmatch(r"trailing:[0-9]+", baseline) and 1 <= int(baseline[9:]) <= 1000:
            n = int(baseline[9:])
        else:
            raise UsageError(f"{path}: baseline {baseline!r}")
        if r["when"] not in ("up", "down", "above", "below"):
            raise UsageError(f"{path}: when {r['when']!r}")
        rules.append({
            "name": str(r["name"]), "signal": str(r["signal"]), "when": r["when"],
            "by_pp": float(r.get("by_pp", 0)), "p_value": float(r.get("p_value", 0.05)), "periods": n,
            "value": None if r.get("value") is None else float(r["value"]),
            "min_sample": int(r.get("min_sample", 30)), "severity": r.get("severity", "error"),
        })
    return rules


def rules_period_count(rules):
    """Periods the signals must cover: the report period and the longest baseline (at least 8)."""
    return max([8] + [1 + r["periods"] for r in rules])


def alerts_csv(rules, trend_sets):
    """alerts.csv: every rule against every signal it matches, by rule name then signal."""
    per_period = period_signal_counts(trend_sets)
    names = signal_names(per_period)
    cur = len(per_period) - 1
    rows = []
    for rule in sorted(rules, key=lambda r: r["name"].encode("utf-8")):
        pattern = rule["signal"]
        for name in names:
            if not (name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern):
                continue
            x1, n1 = counts_of(per_period[cur][1], name)
            x2 = n2 = 0
            for _, counts in per_period[max(0, cur - rule["periods"]):cur]:
                x, n = counts_of(counts, name)
                x2, n2 = x2 + x, n2 + n
            if n1 == 0 and n2 == 0:
                continue
            updown = rule["when"] in ("up", "down")
            ms = rule["min_sample"]
            test = z_test(x1, n1, x2, n2) if updown else None
            guards = n1 > 0 and n1 >= ms and (not updown or (n2 > 0 and n2 >= ms))
            r1 = x1 / n1 if n1 else None
            r2 = x2 / n2 if n2 else None
            if not guards:
                note = "insufficient data"
            elif rule["when"] == "above":
                note = "" if r1 > rule["value"] else "not above value"
            elif rule["when"] == "below":
                note = "" if r1 < rule["value"] else "not below value"
            elif test is None:
                note = "no change"
            else:
                moved = r1 - r2 if rule["when"] == "up" else r2 - r1
                if moved < 0:
                    note = "went down" if rule["when"] == "up" else "went up"
                elif moved < rule["by_pp"] / 100:
                    note = "below by_pp"
                elif test[1] > rule["p_value"]:
                    note = "not significant"
                else:
                    note = ""
            change = fixed((r1 - r2) * 100) if n1 and n2 else ""
            rows.append([text(rule["name"]), text(name), rule["severity"], 0 if note else 1,
                         rate(x1, n1), rate(x2, n2), change, fixed(test[1]) if test else "", n1, n2, note])
    header = ["rule", "signal", "severity", "fired", "rate", "baseline_rate", "change_pp", "p_value",
              "denominator", "baseline_denominator", "note"]
    return header, rows


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def csv_cell(v):
    """RFC 4180 quoting. Same bytes as csv.writer(lineterminator='\\n') with the
    default dialect, except that a cell holding a lone CR is quoted too
    (Python 3.11's csv only checks the characters of its line terminator)."""
    s = str(v)
    if any(ch in s for ch in (",", '"', "\r", "\n")):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for row in [header] + rows:
            fh.write(",".join(csv_cell(c) for c in row) + "\n")


def main(argv):
    ap = argparse.ArgumentParser(prog="verdict_oracle.py", allow_abbrev=False,
                                 description="Reference implementation of the verdict metric contract.")
    ap.add_argument("--out", required=True, help="directory for the CSV files")
    ap.add_argument("--tz", default="UTC", help="IANA time zone for periods (default UTC)")
    ap.add_argument("--week", help="ISO week, e.g. 2026-W46")
    ap.add_argument("--month", help="calendar month, e.g. 2026-11")
    ap.add_argument("--from", dest="date_from", help="first day, e.g. 2026-11-09")
    ap.add_argument("--to", dest="date_to", help="last day (inclusive), e.g. 2026-11-15")
    ap.add_argument("--signals", action="store_true",
                    help="also write signals.csv and changes.csv (rates per period, and what moved)")
    ap.add_argument("--alerts", metavar="RULES.yaml",
                    help="also write alerts.csv: the alert rules of RULES.yaml evaluated (needs PyYAML)")
    ap.add_argument("files", nargs="+", metavar="FILE", help="NDJSON log, .gz, or - for stdin")
    args = ap.parse_args(argv)
    try:
        try:
            zone = zoneinfo.ZoneInfo(args.tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"--tz: unknown time zone {args.tz!r}")
        rules = load_rules(args.alerts) if args.alerts else None
        count = rules_period_count(rules) if rules else 8
        try:
            periods = parse_period(args, count)
            spans = [period_span(period, zone) for period in periods]
        except (ValueError, OverflowError) as e:
            raise UsageError(f"period out of range: {e}")
        ingest = Ingest()
        for path in args.files:
            ingest.file(path)
        txns = build_transactions(ingest.polls)
        all_sets = [(period[0], [t for t in txns if start <= t.date < end])
                    for period, (start, end) in zip(periods, spans)]
        trend_sets = all_sets[-8:]
        files = compute(trend_sets[-1][1], trend_sets)
        if rules is not None:
            files["alerts.csv"] = alerts_csv(rules, all_sets)
        if args.signals:
            files["signals.csv"], files["changes.csv"] = signals_and_changes(trend_sets)
        os.makedirs(args.out, exist_ok=True)
        for name, (header, rows) in files.items():
            write_csv(os.path.join(args.out, name), header, rows)
    except (UsageError, OSError) as e:
        print(f"verdict_oracle: {e}", file=sys.stderr)
        return 2
    print(json.dumps(ingest.summary()))
    return 0


if __name__ == "__main__":
    # Valid JSON may be nested very deep: parse on a thread with a big stack.
    sys.setrecursionlimit(1_000_000)
    sys.set_int_max_str_digits(0)
    threading.stack_size(1 << 30)
    outcome = []

    def run():
        try:
            outcome.append(main(sys.argv[1:]))
        except SystemExit as e:  # argparse: --help or a usage error
            outcome.append(e.code)
        except BrokenPipeError:  # stdout closed early by the reader
            outcome.append(1)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    sys.exit(outcome[0] if outcome else 1)
