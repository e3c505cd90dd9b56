#!/usr/bin/env python3
"""pg_transcript.py — the transcript a real PostgreSQL gives for a tests/sql case file.

Writes, for cases/<name>.sql, what tests/sql/case_test.c would print if acidb behaved exactly
like PostgreSQL: the same statement splitting, comment copying and row format (README.md).
The test sql/postgresql runs it on every case against a throwaway cluster and compares its
output with the .out (README.md, "The .out files are reviewed, not recorded"); by hand:

    tests/sql/pg_transcript.py tests/sql/cases/banking.sql > /tmp/banking.pg
    diff /tmp/banking.pg tests/sql/cases/banking.out

Needs libpq (libpq5) and a server: PGHOST / PGPORT / PGUSER as usual (the script creates and
drops a scratch database per file). Only the standard library is used (ctypes).
"""
import ctypes
import os
import sys

pq = ctypes.CDLL("libpq.so.5")
pq.PQconnectdb.restype = ctypes.c_void_p
pq.PQconnectdb.argtypes = [ctypes.c_char_p]
pq.PQstatus.argtypes = [ctypes.c_void_p]
pq.PQerrorMessage.restype = ctypes.c_char_p
pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
pq.PQexec.restype = ctypes.c_void_p
pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
pq.PQresultStatus.argtypes = [ctypes.c_void_p]
pq.PQresultErrorField.restype = ctypes.c_char_p
pq.PQresultErrorField.argtypes = [ctypes.c_void_p, ctypes.c_int]
pq.PQcmdStatus.restype = ctypes.c_char_p
pq.PQcmdStatus.argtypes = [ctypes.c_void_p]
pq.PQntuples.argtypes = [ctypes.c_void_p]
pq.PQnfields.argtypes = [ctypes.c_void_p]
pq.PQfname.restype = ctypes.c_char_p
pq.PQfname.argtypes = [ctypes.c_void_p, ctypes.c_int]
pq.PQgetvalue.restype = ctypes.c_char_p
pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
pq.PQgetisnull.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
pq.PQclear.argtypes = [ctypes.c_void_p]
pq.PQfinish.argtypes = [ctypes.c_void_p]
pq.PQsetNoticeProcessor.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]

PGRES_EMPTY_QUERY, PGRES_COMMAND_OK, PGRES_TUPLES_OK = 0, 1, 2
PG_DIAG_SQLSTATE, PG_DIAG_MESSAGE_PRIMARY = ord("C"), ord("M")

NOTICE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)
_quiet = NOTICE_CB(lambda arg, msg: None)  # NOTICEs are not part of the transcript


def connect(dbname):
    conn = pq.PQconnectdb(("dbname=%s" % dbname).encode())
    if pq.PQstatus(conn) != 0:
        sys.exit("pg_transcript: cannot connect: %s" % pq.PQerrorMessage(conn).decode())
    pq.PQsetNoticeProcessor(conn, _quiet, None)
    return conn


def stmt_end(sql, at):
    """The same splitting as stmt_end() in case_test.c."""
    i, n = at, len(sql)
    while i < n:
        ch = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if ch == ";":
            return i + 1
        if ch == "-" and nxt == "-":
            while i < n and sql[i] != "\n":
                i += 1
        elif ch == "/" and nxt == "*":
            depth = 0
            while i < n:
                if sql.startswith("/*", i):
                    depth += 1
                    i += 2
                elif sql.startswith("*/", i):
                    i += 2
                    depth -= 1
                    if depth == 0:
                        break
                else:
                    i += 1
        elif ch in "'\"":
            esc = ch == "'" and i > at and sql[i - 1] in "Ee"
            i += 1
            while i < n:
                if esc and sql[i] == "\\" and i + 1 < n:
                    i += 2
                    continue
                if sql[i] == ch:
                    if i + 1 < n and sql[i + 1] == ch:
                        i += 2
                        continue
                    break
                i += 1
            if i < n:
                i += 1
        else:
            i += 1
    return i


def first_line(s):
    return s.split("\n", 1)[0].split("\r", 1)[0]


def run_stmt(conn, text, out):
    res = pq.PQexec(conn, text.encode())
    st = pq.PQresultStatus(res)
    if st == PGRES_TUPLES_OK:
        nf, nt = pq.PQnfields(res), pq.PQntuples(res)
        out.append("|".join(pq.PQfname(res, f).decode() for f in range(nf)) + "\n")
        for t in range(nt):
            row = []
            for f in range(nf):
                row.append("NULL" if pq.PQgetisnull(res, t, f) else pq.PQgetvalue(res, t, f).decode())
            out.append("|".join(row) + "\n")
        out.append(pq.PQcmdStatus(res).decode() + "\n")
    elif st == PGRES_EMPTY_QUERY:
        out.append("(empty statement)\n")
    elif st == PGRES_COMMAND_OK:
        out.append(pq.PQcmdStatus(res).decode() + "\n")
    else:
        code = (pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) or b"?????").decode()
        msg = (pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) or b"").decode()
        out.append("ERROR %s: %s\n" % (code, first_line(msg)))
    pq.PQclear(res)


def transcript(conn, sql):
    out, at, n = [], 0, len(sql)
    while True:
        while True:  # the gap: blank lines and -- comment lines are copied
            i = at
            while i < n and sql[i] in " \t\r":
                i += 1
            if i < n and sql[i] == "\n":
                out.append("\n")
                at = i + 1
            elif sql.startswith("--", i):
                e = sql.find("\n", i)
                e = n if e < 0 else e
                out.append(sql[i:e] + "\n")
                at = e + 1 if e < n else e
            else:
                at = i
                break
        if at >= n:
            break
        end = stmt_end(sql, at)
        one = sql[at:end]
        out.append("> " + first_line(one) + "\n")
        run_stmt(conn, one, out)
        at = end
        while at < n and sql[at] in " \t\r":
            at += 1
        if sql.startswith("--", at):
            while at < n and sql[at] != "\n":
                at += 1
        if at < n and sql[at] == "\n":
            at += 1
    return "".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: pg_transcript.py cases/<name>.sql")
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        sql = f.read()
    scratch = "acidb_case_%d" % os.getpid()
    admin = connect(os.environ.get("PGDATABASE", "postgres"))
    run_stmt(admin, 'CREATE DATABASE "%s"' % scratch, [])
    conn = connect(scratch)
    try:
        sys.stdout.write(transcript(conn, sql))
    finally:
        pq.PQfinish(conn)
        run_stmt(admin, 'DROP DATABASE "%s"' % scratch, [])
        pq.PQfinish(admin)


if __name__ == "__main__":
    main()
