#!/usr/bin/python3
"""Run random revision graphs and commands through Alembic and mig_ext, compare.

Usage (by hand, not part of make test), against any cluster where mig_ext is
installed, e.g. the one tests/lib.sh starts:

    . tests/lib.sh && build_and_install && start_cluster
    /usr/bin/python3 tests/alembic_compare.py --graphs 200 --commands 40 --seed 1
    stop_cluster

Needs python3-alembic and python3-psycopg2; runs against the installed
Alembic (Debian 12: 1.8.1, Debian forky: 1.18.4) and says where the two
versions differ and which one mig_ext follows.  Connects through PGHOST and
PGPORT (unix socket), as PGUSER (default postgres); creates the databases
mig_cmp_alembic and mig_cmp_mig (prefix set by --db).

For each seeded random graph (chains, branch points, merges, several bases,
branch labels, depends_on across branches) it writes an Alembic script
directory (env.py + one no-op file per revision) and registers the same
revisions with mig_revision, then runs the same random upgrade, downgrade and
stamp commands through both and compares, after every command: error or
not, the revisions run in order, and the version rows.  A difference is
counted apart, and the Alembic rows set back to mig_ext's, when it is one of
mig_ext's documented deliberate differences: Alembic succeeds where mig_ext
refuses (told by mig_ext's error), or Alembic gives the same outcome as
mig_ext once the version-row rules mig_ext follows instead of Alembic's are
put into it (RULES: the command is run again on Alembic with them).

--sql sql/graph_X.sql replays the registrations (reg(...) calls) and the
mig_upgrade/mig_downgrade/mig_stamp calls of a regression file through both,
to check its expected output against Alembic.

--graph FILE runs one fixed graph (lines "id parents labels deps", '-' for
none, lists comma separated) with the commands given by --cmd (repeatable,
"upgrade T", "downgrade T", "stamp T [T...]", "history RANGE") and prints both outcomes.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import traceback

import alembic
import psycopg2
import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import RevisionStep
from alembic.script.base import Script
from alembic.script.revision import RevisionMap

ALEMBIC_VERSION = tuple(int(x) for x in re.findall(r"\d+", alembic.__version__)[:3])

# The revision map's insertion order breaks ties in Alembic's upgrade
# order; mig_ext breaks them by registration order.  Alembic 1.10 and later
# read the version files in sorted name order, and write_script_dir names
# them in registration order.  Alembic before 1.10 reads them in directory
# order: sort it there too.
if ALEMBIC_VERSION < (1, 10):
    _orig_list_py_dir = Script._list_py_dir.__func__
    Script._list_py_dir = classmethod(
        lambda cls, sd, path: sorted(_orig_list_py_dir(cls, sd, path)))

# Alembic keeps a revision's dependencies that no ancestor implies in a set
# (RevisionMap._normalize_depends_on), so with two or more of them its upgrade
# order changes with PYTHONHASHSEED.  mig_ext takes them in declaration
# order; pin Alembic to that order so that every run is comparable.
_orig_normalize = RevisionMap._normalize_depends_on


def _ordered_normalize(self, revisions, map_):
    _orig_normalize(self, revisions, map_)
    for rev in revisions:
        kept = set(rev._normalized_resolved_dependencies)
        rev._normalized_resolved_dependencies = tuple(
            d for d in rev._resolved_dependencies if d in kept)


RevisionMap._normalize_depends_on = _ordered_normalize

# Where mig_ext's version rows follow other rules than the installed
# Alembic's, by design: each rule below replaces one of Alembic's, is only
# in force while RULES["on"] (Alembic.by_design), and records its name in
# RULES["used"] when it changes Alembic's answer.  The names say which
# Alembic versions differ.
RULES = {"on": False, "used": set()}
ROWS_1373 = ("downgrade: a parent's row below the other parent's row is not written "
             "(changed in Alembic 1.13.1, issue 1373: mig_ext follows 1.13.1+)")
ROWS_OTHERS = ("downgrade: a parent's row below the other parent's row is not written "
               "when other rows remain either (Alembic 1.13.1+ writes it then)")
MERGE_ROWS = ("merge: only the parents' rows are replaced, not a dependency below "
              "another parent (Alembic deletes a row that is not there and fails)")

_orig_unmerge_to = RevisionStep._unmerge_to_revisions
_orig_merge_idents = RevisionStep.merge_branch_idents


def _rule_unmerge_to(self, heads):
    """mig_ext: the rows a downgrade restores never lie below one another."""
    stock = _orig_unmerge_to(self, heads)
    if not RULES["on"]:
        return stock
    rmap = self.revision_map
    below = {r.revision for t in stock
             for r in rmap._get_ancestor_nodes(rmap.get_revisions(t), check=False)
             if r.revision != t}
    kept = tuple(t for t in stock if t not in below)
    if kept != tuple(stock):
        others = set(heads).difference([self.revision.revision])
        RULES["used"].add(ROWS_OTHERS if others else ROWS_1373)
    return kept


def _rule_merge_idents(self, heads):
    """mig_ext: a merge replaces the rows of its parents (and dependencies)."""
    stock = _orig_merge_idents(self, heads)
    if not RULES["on"]:
        return stock
    sources = [d for d in self.from_revisions if d in heads]
    if set(sources) != set(stock[0]) | {stock[1]}:
        RULES["used"].add(MERGE_ROWS)
    return sources[:-1], sources[-1], stock[2]


RevisionStep._unmerge_to_revisions = _rule_unmerge_to
RevisionStep.merge_branch_idents = _rule_merge_idents

ADB = "mig_cmp_alembic"  # renamed by --db
MDB = "mig_cmp_mig"

ENV_PY = '''
from alembic import context
cfg = context.config
context.configure(connection=cfg.attributes["connection"],
                  on_version_apply=cfg.attributes["on_apply"])
with context.begin_transaction():
    context.run_migrations()
'''

REV_PY = '''
revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {deps!r}


def upgrade():
    pass


def downgrade():
    pass
'''

# mig_ext error messages that mark a documented deliberate difference, and
# the commands they mark it for (None: any).
DELIBERATE = [
    (re.compile(r"downgrade -?\d+ is ambiguous with several current revisions"), None,
     "downgrade -N with several current rows"),
    (re.compile(r"branch \".*\" has (more than one|no) current revision"), None,
     "label@-N without exactly one current row on the branch"),
    (re.compile(r"is named more than once in stamp targets"), None,
     "a stamp naming one revision twice (Alembic crashes unless it is a row already)"),
    (re.compile(r"malformed revision target"), None,
     "malformed target (empty side of '@', partial relative)"),
    (re.compile(r"requested revision .* overlaps with other requested revisions"), "stamp",
     "a stamp naming a revision and its ancestor (Alembic writes both as rows)"),
]

LABELS = ["alpha", "beta", "gamma", "abab_l", "delta", "epsi"]


def connect(db):
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    return conn


def setup_databases():
    c = connect("postgres")
    cur = c.cursor()
    for db in (ADB, MDB):
        cur.execute("DROP DATABASE IF EXISTS %s" % db)
        cur.execute("CREATE DATABASE %s" % db)
    c.close()


def rand_graph(rng, size):
    """A random revision list [(id, parents, labels, deps)] in creation order."""
    n = rng.randint(3, size)
    ids = set()
    revs = []
    labels = list(LABELS)
    rng.shuffle(labels)
    for i in range(n):
        while True:
            rid = "".join(rng.choice("ab") for _ in range(rng.choice([5, 6])))
            if rid not in ids:
                break
        ids.add(rid)
        existing = [r[0] for r in revs]
        heads = [r for r in existing if not any(r in x[1] for x in revs)]
        roll = rng.random()
        if not existing or roll < 0.12:
            parents = []                                 # a new base
        elif roll < 0.25 and len(heads) >= 2:
            parents = rng.sample(heads, rng.choice([2, 2, 3]) if len(heads) >= 3 else 2)
        elif roll < 0.45:
            parents = [rng.choice(existing)]             # branch off anywhere
        else:
            parents = [rng.choice(heads)]                # extend a chain
        lab = []
        if labels and rng.random() < 0.3:
            lab = [labels.pop()]
            if labels and rng.random() < 0.2:
                lab.append(labels.pop())
        deps = []
        for _ in range(2):
            if existing and rng.random() < 0.15:
                d = rng.choice(existing)
                if d not in parents:
                    # a label as dependency, sometimes
                    dl = [r[2][0] for r in revs if r[0] == d and r[2]]
                    d = dl[0] if dl and rng.random() < 0.5 else d
                    if d not in deps:
                        deps.append(d)
        revs.append((rid, parents, lab, deps))
    return revs


def write_script_dir(revs):
    d = tempfile.mkdtemp(prefix="mig_cmp_")
    os.mkdir(os.path.join(d, "versions"))
    with open(os.path.join(d, "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(d, "script.py.mako"), "w") as f:
        f.write("")
    for i, (rid, parents, labels, deps) in enumerate(revs):
        down = None if not parents else (parents[0] if len(parents) == 1 else tuple(parents))
        with open(os.path.join(d, "versions", "r%04d_%s.py" % (i, rid)), "w") as f:
            f.write(REV_PY.format(rev=rid, down=down,
                                  labels=tuple(labels) or None,
                                  deps=tuple(deps) or None))
    return d


def pgarr(xs):
    return "{" + ",".join('"%s"' % x for x in xs) + "}"


class Alembic:
    def __init__(self, revs, engine):
        self.dir = write_script_dir(revs)
        self.engine = engine
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    def run(self, verb, target):
        ran = []

        def on_apply(ctx, step, heads, run_args):
            if not step.is_stamp:
                ran.append((step.up_revision_id,
                            "upgrade" if step.is_upgrade else "downgrade"))

        cfg = Config()
        cfg.set_main_option("script_location", self.dir)
        cfg.attributes["on_apply"] = on_apply
        err = None
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                if verb == "upgrade":
                    command.upgrade(cfg, target)
                elif verb == "downgrade":
                    command.downgrade(cfg, target)
                else:
                    command.stamp(cfg, target.split())
        except Exception as e:  # Alembic errors, and its crashes, alike
            err = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
            ran = []
        return err, ran

    def by_design(self, verb, target, before, mig):
        """The names of the RULES that make Alembic's outcome of the command
        from the rows before mig_ext's outcome mig, or None."""
        self.set_rows(before)
        RULES["on"], RULES["used"] = True, set()
        try:
            err, ran = self.run(verb, target)
        finally:
            RULES["on"] = False
        same = (err is None) == (mig[0] is None) and ran == mig[1] and self.rows() == mig[2]
        return "; ".join(sorted(RULES["used"])) if same and RULES["used"] else None

    def history(self, rng):
        """Alembic's history command's revisions for a range, newest first."""
        from alembic.script import ScriptDirectory
        cfg = Config()
        cfg.set_main_option("script_location", self.dir)
        try:
            script = ScriptDirectory.from_config(cfg)
            if ":" not in rng:
                raise ValueError("History range requires [start]:[end]")
            base, head = rng.strip().split(":")
            cur = tuple(self.rows())
            base = cur if base == "current" else base
            head = cur if head == "current" else head
            return None, [sc.revision for sc in
                          script.walk_revisions(base=base or "base", head=head or "heads")]
        except Exception as e:
            return "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""), []

    def below_others(self, rows):
        """The rows that lie below another of rows (through parents and
        dependencies), by Alembic's revision map."""
        from alembic.script import ScriptDirectory
        cfg = Config()
        cfg.set_main_option("script_location", self.dir)
        rmap = ScriptDirectory.from_config(cfg).revision_map
        below = {r.revision for t in rows
                 for r in rmap._get_ancestor_nodes(rmap.get_revisions(t), check=False)
                 if r.revision != t}
        return sorted(set(rows) & below)

    def rows(self):
        with self.engine.begin() as conn:
            if not conn.exec_driver_sql(
                    "SELECT to_regclass('alembic_version')").scalar():
                return []
            return sorted(r[0] for r in conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version"))

    def set_rows(self, rows):
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS alembic_version "
                "(version_num varchar(32) NOT NULL PRIMARY KEY)")
            conn.exec_driver_sql("DELETE FROM alembic_version")
            for r in rows:
                conn.exec_driver_sql(
                    "INSERT INTO alembic_version VALUES (%s)", (r,))

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Mig:
    def __init__(self, revs, conn):
        self.conn = conn
        cur = conn.cursor()
        cur.execute("DROP EXTENSION IF EXISTS mig_ext CASCADE")
        cur.execute("CREATE EXTENSION mig_ext")
        for rev in revs:
            self.add(rev)

    def add(self, rev):
        rid, parents, labels, deps = rev
        self.conn.cursor().execute(
            "SELECT mig_revision(message => %s, upgrade => 'SELECT 1', "
            "downgrade => 'SELECT 1', revision => %s, down_revision => %s, "
            "branch_labels => %s, depends_on => %s)",
            ("m " + rid, rid, pgarr(parents), pgarr(labels), pgarr(deps)))

    def run(self, verb, target):
        cur = self.conn.cursor()
        try:
            if verb == "upgrade":
                cur.execute("SELECT revision, direction FROM mig_upgrade(%s)", (target,))
                return None, [tuple(r) for r in cur.fetchall()]
            if verb == "downgrade":
                cur.execute("SELECT revision, direction FROM mig_downgrade(%s)", (target,))
                return None, [tuple(r) for r in cur.fetchall()]
            cur.execute("SELECT mig_stamp(%s)", (target,))
            return None, []
        except psycopg2.Error as e:
            return "%s: %s" % (e.pgcode, e.pgerror.splitlines()[0]), []

    def history(self, rng):
        cur = self.conn.cursor()
        try:
            cur.execute("SELECT revision FROM mig_history(%s)", (rng,))
            return None, [r[0] for r in cur.fetchall()]
        except psycopg2.Error as e:
            return "%s: %s" % (e.pgcode, e.pgerror.splitlines()[0]), []

    def set_rows(self, rows):
        cur = self.conn.cursor()
        cur.execute("DELETE FROM mig_version")
        for r in rows:
            cur.execute("INSERT INTO mig_version VALUES (%s)", (r,))

    def rows(self):
        cur = self.conn.cursor()
        cur.execute("SELECT revision FROM mig_version ORDER BY 1")
        return sorted(r[0] for r in cur.fetchall())


def rand_target(rng, revs, verb):
    ids = [r[0] for r in revs]
    labels = [l for r in revs for l in r[2]]
    rid = rng.choice(ids)
    lab = rng.choice(labels) if labels and rng.random() < 0.9 else rng.choice(LABELS)
    n = rng.choice([1, 1, 1, 2, 2, 3])
    forms = [
        lambda: "head", lambda: "heads", lambda: "base",
        lambda: rid, lambda: rid, lambda: rid[:rng.randint(3, len(rid) - 1)],
        lambda: lab, lambda: lab[:4], lambda: lab + "@head", lambda: lab + "@heads",
        lambda: lab + "@base", lambda: lab + "@" + rid,
        lambda: "+%d" % n, lambda: "-%d" % n,
        lambda: "%s+%d" % (rid, n), lambda: "%s-%d" % (rid, n),
        lambda: "%s@+%d" % (lab, n), lambda: "%s@-%d" % (lab, n),
        lambda: "head-%d" % n, lambda: "base+%d" % n,
        lambda: "%s@%s+%d" % (lab, rid, n),
        lambda: "%s@%s-%d" % (lab, rid, n),
        lambda: "%s@%s" % (rid, rng.choice(["head", "heads", "base", "+1", "-1"])),
        lambda: rng.choice(["heads-1", "head+1", "base-1", "heads+1", "zzzz",
                            "@head", lab + "@", rid[:2], "base@head"]),
    ]
    t = rng.choice(forms)()
    if verb == "stamp" and rng.random() < 0.2:
        t += " " + rng.choice(forms)()
    return t


def rand_range(rng, revs):
    """A history range: two ends drawn from ids, labels and symbols."""
    ids = [r[0] for r in revs]
    labels = [l for r in revs for l in r[2]] or ["alpha"]

    def end():
        return rng.choice(["", "", rng.choice(ids), rng.choice(ids), "current", "heads",
                           "base", rng.choice(labels), rng.choice(labels) + "@base",
                           rng.choice(labels) + "@head", "-1", rng.choice(ids) + "+1"])
    return "%s:%s" % (end(), end())


def rand_command(rng, revs):
    verb = rng.choice(["upgrade", "upgrade", "upgrade", "downgrade", "downgrade", "stamp",
                       "history"])
    if verb == "history":
        return verb, rand_range(rng, revs)
    return verb, rand_target(rng, revs, verb)


def deliberate(verb, mig_err, revs):
    """The documented deliberate difference a mig_ext error stands for, or None."""
    for pat, verbs, why in DELIBERATE:
        if mig_err and pat.search(mig_err) and verbs in (None, verb):
            return why
    m = re.search(r'no such branch: "(.*)"', mig_err or "")
    if m and m.group(1) not in [l for r in revs for l in r[2]] + [r[0] for r in revs]:
        return "unknown branch label refused (Alembic ignores it in L@base, downgrade L@rev)"
    return None


def graph_text(revs):
    return "\n".join("%s %s %s %s" % (r[0], ",".join(r[1]) or "-", ",".join(r[2]) or "-",
                                      ",".join(r[3]) or "-") for r in revs)


def compare_one(a, m, revs, verb, target):
    """Run one command on both; return (kind, detail) with kind in
    agree / deliberate / diverge."""
    before = m.rows()
    if verb == "history":
        ea, ra = a.history(target)
        em, rm = m.history(target)
    else:
        ea, ra = a.run(verb, target)
        em, rm = m.run(verb, target)
    rows_a, rows_m = a.rows(), m.rows()
    detail = {"alembic": (ea, ra, rows_a), "mig": (em, rm, rows_m), "before": before,
              "cmd": (verb, target)}
    # mig_ext never leaves a version row below another, whatever Alembic does
    if em is None and len(rows_m) > 1 and a.below_others(rows_m):
        detail["broken"] = "mig_ext left rows below other rows: %s" % a.below_others(rows_m)
        a.set_rows(rows_m)
        return "diverge", detail
    if (ea is None) == (em is None) and ra == rm and rows_a == rows_m:
        return "agree", detail
    if ea is None and em is not None:
        detail["why"] = deliberate(verb, em, revs)
    if not detail.get("why") and verb != "history":
        detail["why"] = a.by_design(verb, target, before, detail["mig"])
    a.set_rows(rows_m)
    return ("deliberate" if detail.get("why") else "diverge"), detail


def print_versions():
    """Which Alembic this is, and which of its versions mig_ext follows
    where Alembic 1.8 and 1.18 differ."""
    print("Alembic %s, SQLAlchemy %s" % (alembic.__version__, sqlalchemy.__version__))
    print("where Alembic 1.8 and 1.18 differ, mig_ext follows:")
    print("  version rows after a downgrade (1.13.1, issue 1373): 1.13.1 and later; %s" % (
        "this Alembic does too" if ALEMBIC_VERSION >= (1, 13, 1) else
        "counted below as a deliberate difference"))
    print("  load order of revision files (sorted names since 1.10): registration order; "
          "the harness names the files in that order")


def print_why(detail):
    for key in ("why", "broken"):
        if detail.get(key):
            print("  %s: %s" % (key, detail[key]))


def run_random(args, engine, mconn):
    rng0 = random.Random(args.seed)
    stats = {"agree": 0, "deliberate": 0, "diverge": 0, "graphs": 0, "commands": 0,
             "both_error": 0}
    why = {}
    divergences = []
    sigs = {}
    for gi in range(args.graphs):
        gseed = rng0.randrange(1 << 30)
        rng = random.Random(gseed)
        revs = rand_graph(rng, args.size)
        a = Alembic(revs, engine)
        m = Mig(revs, mconn)
        history = []
        stats["graphs"] += 1
        for ci in range(args.commands):
            verb, target = rand_command(rng, revs)
            kind, detail = compare_one(a, m, revs, verb, target)
            history.append((verb, target))
            stats["commands"] += 1
            stats[kind] += 1
            if kind == "agree" and detail["alembic"][0] is not None:
                stats["both_error"] += 1
            if kind == "deliberate":
                why[detail["why"]] = why.get(detail["why"], 0) + 1
            if kind == "diverge":
                divergences.append((gseed, revs, list(history), detail))
                sig = signature(revs, detail)
                sigs.setdefault(sig, []).append(divergences[-1])
                if args.verbose:
                    print_divergence(divergences[-1])
        a.close()
    print_versions()
    print("graphs: %d, commands: %d" % (stats["graphs"], stats["commands"]))
    print("agreements: %d (of which both refused: %d)" % (stats["agree"], stats["both_error"]))
    print("deliberate differences: %d" % stats["deliberate"])
    for w, c in sorted(why.items()):
        print("  %5d  %s" % (c, w))
    print("divergences: %d" % stats["diverge"])
    for sig, ds in sorted(sigs.items(), key=lambda x: -len(x[1])):
        print("  %5d  %s" % (len(ds), sig))
    for sig, ds in sorted(sigs.items(), key=lambda x: -len(x[1]))[:args.show]:
        print_divergence(min(ds, key=lambda d: len(d[1])))
    return 1 if divergences else 0


def signature(revs, detail):
    """A coarse shape of a divergence: command, target form, who refused."""
    verb, target = detail["cmd"]
    names = sorted([r[0] for r in revs] + [l for r in revs for l in r[2]] + LABELS,
                   key=len, reverse=True)
    form = re.sub(r"\d+", "N", target)
    for n in names:
        form = form.replace(n, "L" if n in LABELS else "R")
    form = re.sub(r"\b[ab]{3,6}\b", "P", form)
    ea, em = detail["alembic"][0], detail["mig"][0]
    who = ("alembic ok" if ea is None else "alembic err") + ", " + \
          ("mig ok" if em is None else "mig err")
    return "%s %s: %s" % (verb, form, who)


def print_divergence(d):
    gseed, revs, history, detail = d
    print("---- divergence (graph seed %d, after %d commands)" % (gseed, len(history)))
    print(graph_text(revs))
    print("reproduce: --graph FILE --rows '%s' --cmd '%s %s'" % (
        ",".join(detail["before"]), detail["cmd"][0], detail["cmd"][1]))
    for side in ("alembic", "mig"):
        err, ran, rows = detail[side]
        print("  %-7s error=%s ran=%s rows=%s" % (side, err, ran, rows))
    print_why(detail)


def run_fixed(args, engine, mconn):
    revs = []
    with open(args.graph) as f:
        for line in f:
            line = line.split("#")[0].split()
            if not line:
                continue
            rid, parents, labels, deps = (line + ["-"] * 4)[:4]
            sp = lambda s: [] if s == "-" else s.split(",")
            revs.append((rid, sp(parents), sp(labels), sp(deps)))
    a = Alembic(revs, engine)
    m = Mig(revs, mconn)
    if args.rows:
        a.set_rows(args.rows.split(","))
        m.set_rows(args.rows.split(","))
    bad = 0
    for c in args.cmd:
        verb, target = c.split(None, 1)
        if verb == "history":
            ha, hm = a.history(target), m.history(target)
            same = (ha[0] is None) == (hm[0] is None) and ha[1] == hm[1]
            print("history %s: %s" % (target, "agree" if same else "diverge"))
            print("  alembic error=%s revisions=%s" % ha)
            print("  mig     error=%s revisions=%s" % hm)
            bad += not same
            continue
        kind, detail = compare_one(a, m, revs, verb, target)
        print("%s %s: %s" % (verb, target, kind))
        for side in ("alembic", "mig"):
            err, ran, rows = detail[side]
            print("  %-7s error=%s ran=%s rows=%s" % (side, err, ran, rows))
        print_why(detail)
        bad += kind == "diverge"
    a.close()
    return 1 if bad else 0


SQL_REG = re.compile(r"\breg\('([^']*)',\s*'\{([^}]*)\}'(?:,\s*'\{([^}]*)\}')?(?:,\s*'\{([^}]*)\}')?\)")
SQL_CMD = re.compile(r"\bmig_(upgrade|downgrade|stamp)\('([^']*)'")


def run_sql(args, engine, mconn):
    """Replay a pg_regress file of the graph_* kind: reg('id', '{parents}',
    '{labels}', '{deps}') registers, CREATE EXTENSION starts over, and every
    mig_upgrade/mig_downgrade/mig_stamp('target') is run through both."""
    revs = []
    a = m = None
    bad = total = 0
    sp = lambda x: [v.strip() for v in x.split(",") if v.strip()] if x else []
    with open(args.sql) as f:
        lines = f.read().splitlines()
    for line in lines:
        if line.startswith("--"):
            continue
        if "CREATE EXTENSION mig_ext" in line:
            if a:
                a.close()
            revs, a, m = [], None, None
            continue
        for mt in SQL_REG.finditer(line):
            revs.append((mt.group(1), sp(mt.group(2)), sp(mt.group(3)), sp(mt.group(4))))
            if a:
                # registered after commands: carry the rows over to a new map
                rows = m.rows()
                a.close()
                a = Alembic(revs, engine)
                a.set_rows(rows)
                m.add(revs[-1])
        for mt in SQL_CMD.finditer(line):
            if a is None:
                a = Alembic(revs, engine)
                m = Mig(revs, mconn)
            verb, target = mt.groups()
            kind, detail = compare_one(a, m, revs, verb, target)
            total += 1
            if kind != "agree" or args.verbose:
                print("%s %s: %s" % (verb, target, kind))
                for side in ("alembic", "mig"):
                    err, ran, rows = detail[side]
                    print("  %-7s error=%s ran=%s rows=%s" % (side, err, ran, rows))
                print_why(detail)
            bad += kind == "diverge"
    if a:
        a.close()
    print_versions()
    print("%s: %d commands, %d divergences" % (args.sql, total, bad))
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graphs", type=int, default=100)
    p.add_argument("--commands", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--size", type=int, default=14, help="most revisions in a graph")
    p.add_argument("--show", type=int, default=5, help="divergences to print")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--graph", help="fixed graph file")
    p.add_argument("--cmd", action="append", default=[])
    p.add_argument("--sql", help="replay the graph and commands of a sql/graph_*.sql file")
    p.add_argument("--rows", help="initial version rows for --graph, comma separated")
    p.add_argument("--db", default="mig_cmp",
                   help="database name prefix (runs at once need different ones)")
    args = p.parse_args()
    global ADB, MDB
    ADB, MDB = args.db + "_alembic", args.db + "_mig"

    import logging
    logging.disable(logging.CRITICAL)
    import warnings
    warnings.simplefilter("ignore")

    setup_databases()
    host = os.environ.get("PGHOST", "/tmp")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg2://%s@/%s?host=%s&port=%s" % (user, ADB, host, port))
    mconn = connect(MDB)
    try:
        if args.sql:
            rc = run_sql(args, engine, mconn)
        elif args.graph:
            rc = run_fixed(args, engine, mconn)
        else:
            rc = run_random(args, engine, mconn)
    finally:
        mconn.close()
        engine.dispose()
    sys.exit(rc)


if __name__ == "__main__":
    main()
