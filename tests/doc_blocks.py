#!/usr/bin/env python3
"""doc_blocks.py: run the code blocks of Markdown files as a reader would.

Usage: doc_blocks.py FILE...  (from t/016_docs.pl, with the PG*
variables of a running cluster and PGBIN naming its bindir).

Each file gets a fresh database (README.md an empty one, any other file one
with mig_ext created) and a fresh copy of the checkout as the working
directory of its shell blocks.  Its blocks run in order:

  ```sql      run by psql in that database (ON_ERROR_STOP, input from stdin)
  ```sh       run by bash -e in the copy, with PATH starting at PGBIN (also
              ```bash and ```shell)
  ```output   not run: the output of the sql or sh block above it
  other fences are not run (file contents, synopses, DOT, messages)

A block fails when it exits non-zero, unless an output block follows it and
shows exactly what it printed (an error shown on purpose).  An output block
matches when it equals the block's stdout and stderr together, trailing
blanks and leading and trailing blank lines aside; a line "..." stands for
any number of lines.  The line `<!-- test: skip: REASON -->` right before a
fence skips that block (and the output block after it).  Databases and
roles a file's blocks create are dropped after it.  Prints "ok - ..." or
"not ok - ..." per block and ends with "N passed, N failed".

doc_blocks.py --update FILE... also writes what each block printed into
the output block after it wherever the two differ (then review the diff).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

RUN_KINDS = {"sql": "sql", "sh": "sh", "bash": "sh", "shell": "sh"}
SKIP = re.compile(r"^<!-- test: skip: (\S.*?) -->$")
FENCE = re.compile(r"^```(.*)$")
TIMEOUT = 300


def blocks(path):
    """The fenced blocks of a file: (line, info, text, its number of lines,
    skip reason or None)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        info = m.group(1).strip().split(" ")[0]
        prev = lines[i - 1] if i > 0 else ""
        skip = None
        if prev.startswith("<!-- test:"):
            s = SKIP.match(prev)
            skip = s.group(1) if s else ""
        i += 1
        body = []
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise SystemExit("%s:%d: the block never ends" % (path, start + 1))
        out.append((start + 1, info, "\n".join(body) + "\n", len(body), skip))
        i += 1
    return out


def normalize(text):
    """Lines without trailing blanks, without leading and trailing blank lines."""
    lines = [l.rstrip() for l in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(shown, got):
    """Whether got fits shown, where a line "..." in shown stands for any lines."""
    if not shown:
        return not got
    if shown[0] == "...":
        return any(matches(shown[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and shown[0] == got[0] and matches(shown[1:], got[1:])


def psql(db, sql, check=True):
    """Run sql in db as the suite's user; its output."""
    r = subprocess.run([os.path.join(os.environ["PGBIN"], "psql"), "-X", "-q", "-At",
                        "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                       capture_output=True, text=True, check=False)
    if check and r.returncode != 0:
        raise SystemExit("doc_blocks: %s" % r.stderr.strip())
    return r.stdout.split()


def run_block(kind, text, db, cwd):
    """Run one block; (exit status, stdout and stderr together)."""
    env = dict(os.environ, PGDATABASE=db,
               PATH=os.environ["PGBIN"] + os.pathsep + os.environ["PATH"])
    env.pop("PGOPTIONS", None)
    if kind == "sql":
        cmd = [os.path.join(os.environ["PGBIN"], "psql"), "-X", "-v", "ON_ERROR_STOP=1"]
    else:
        cmd = ["bash", "-e", "-o", "pipefail"]
    try:
        r = subprocess.run(cmd, input=text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, cwd=cwd, env=env, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return 1, "(no end after %d s)" % TIMEOUT
    return r.returncode, r.stdout


def check_file(path, checkout, counts, update):
    """Run the blocks of one file; add to counts [passed, failed]; with update,
    write what differs into its output blocks."""
    name = os.path.basename(path)
    db = "doc_" + re.sub(r"[^a-z0-9]+", "_", name.lower().rsplit(".", 1)[0])
    dbs = set(psql("postgres", "SELECT datname FROM pg_database"))
    roles = set(psql("postgres", "SELECT rolname FROM pg_roles"))
    psql("postgres", "DROP DATABASE IF EXISTS %s" % db)
    psql("postgres", "CREATE DATABASE %s" % db)
    if name != "README.md":
        psql(db, "CREATE EXTENSION mig_ext")
    work = tempfile.mkdtemp(prefix="doc_blocks.")
    cwd = os.path.join(work, "checkout")
    shutil.copytree(checkout, cwd, ignore=shutil.ignore_patterns(".git", "tmp_check"), symlinks=True)

    def report(line, ok, what, detail=""):
        counts[0 if ok else 1] += 1
        print("%s - %s:%d %s" % ("ok" if ok else "not ok", path, line, what))
        if detail:
            print("\n".join("    " + l for l in detail.rstrip("\n").split("\n")))

    last = None            # the block an output block would belong to
    fixes = {}             # output block's line -> (its length, the lines printed)
    try:
        for line, info, text, length, skip in blocks(path):
            if info == "output":
                if last is None:
                    report(line, False, "output block follows no sql or sh block")
                    continue
                kline, kind, status, got, skipped = last
                last = None
                if skipped:
                    continue
                shown, printed = normalize(text), normalize(got)
                if matches(shown, printed):
                    report(kline, True, kind + " block, with the output shown at line %d" % line)
                else:
                    fixes[line] = (length, printed)
                    report(kline, False, kind + " block: the output shown at line %d differs" % line,
                           "shown:\n" + "\n".join(shown) + "\nprinted (exit %d):\n" % status
                           + "\n".join(printed))
                continue
            if last is not None:
                settle(last, report)
                last = None
            if skip == "":
                report(line, False, "malformed marker", "Write <!-- test: skip: REASON -->.")
                continue
            if info not in RUN_KINDS:
                continue
            if skip is not None:
                print("skip - %s:%d %s block: %s" % (path, line, info, skip))
                last = (line, info, 0, "", True)
                continue
            status, got = run_block(RUN_KINDS[info], text, db, cwd)
            last = (line, info, status, got, False)
        if last is not None:
            settle(last, report)
        if update and fixes:
            rewrite(path, fixes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for d in set(psql("postgres", "SELECT datname FROM pg_database")) - dbs:
            psql("postgres", 'DROP DATABASE "%s" WITH (FORCE)' % d, check=False)
        for r in set(psql("postgres", "SELECT rolname FROM pg_roles")) - roles:
            psql("postgres", 'DROP ROLE "%s"' % r, check=False)


def rewrite(path, fixes):
    """Replace the bodies of the output blocks at the given lines."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in sorted(fixes, reverse=True):
        length, printed = fixes[line]
        lines[line:line + length] = printed
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def settle(last, report):
    """Count a block no output block follows: it must have succeeded."""
    kline, kind, status, got, skipped = last
    if skipped:
        return
    if status == 0:
        report(kline, True, kind + " block")
    else:
        report(kline, False, kind + " block: exit %d" % status, got)


def main():
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = sys.argv[1:]
    update = bool(args) and args[0] == "--update"
    counts = [0, 0]
    for path in args[update:]:
        check_file(path, checkout, counts, update)
    print("%d passed, %d failed" % tuple(counts))
    return 1 if counts[1] else 0


if __name__ == "__main__":
    sys.exit(main())
