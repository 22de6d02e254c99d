#!/usr/bin/python3
"""gen.py DIR N: write the benchmark's SQL files (and Alembic projects) into DIR.

For each set (ddl: a table with an identity key, an index and 10 rows per
migration; noop: SELECT 1) it writes <set>_raw.sql (the statements alone),
<set>_reg.sql (one mig_revision call per migration, in a chain),
<set>_call.sql (the same calls to bench_noop_call, which does nothing),
<set>_reg1.sql and <set>_call1.sql (the same calls in one statement, so that
psql's round trips do not count) and <set>_alembic/ (an Alembic project, one
file per revision); and <set>_files/, the same revisions as mig revision
files ("-- mig:" format) for the mig command.
"""
import os
import sys


def bodies(kind, i):
    """The upgrade and downgrade SQL of migration i of a set."""
    if kind == "noop":
        return "SELECT 1;", "SELECT 1;"
    t = "bench_t%d" % i
    up = ("CREATE TABLE %s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int NOT NULL);\n"
          "CREATE INDEX %s_v ON %s (v);\n"
          "INSERT INTO %s (v) SELECT g FROM generate_series(1, 10) g;" % (t, t, t, t))
    return up, "DROP TABLE %s;" % t


def write_set(outdir, kind, n):
    """Write the raw, registration and Alembic files of one set."""
    with open(os.path.join(outdir, kind + "_raw.sql"), "w") as raw, \
            open(os.path.join(outdir, kind + "_reg.sql"), "w") as reg, \
            open(os.path.join(outdir, kind + "_call.sql"), "w") as call, \
            open(os.path.join(outdir, kind + "_reg1.sql"), "w") as reg1, \
            open(os.path.join(outdir, kind + "_call1.sql"), "w") as call1:
        reg.write("SET client_min_messages = warning;\n")
        reg1.write("SELECT count(*) FROM (VALUES\n")
        call1.write("SELECT count(*) FROM (VALUES\n")
        for i in range(1, n + 1):
            up, down = bodies(kind, i)
            raw.write(up + "\n")
            parent = "{}" if i == 1 else "{%s%d}" % (kind, i - 1)
            line = ("SELECT mig_revision('%s %d', $up$%s$up$, $down$%s$down$, "
                    "revision => '%s%d', down_revision => '%s');\n"
                    % (kind, i, up, down, kind, i, parent))
            reg.write(line)
            # the same calls to a function that does nothing: the floor of (e)
            call.write(line.replace("SELECT mig_revision(", "SELECT bench_noop_call(", 1))
            # one row of a VALUES list per call
            row = "(%s)%s\n" % (line[len("SELECT "):-len(";\n")], "," if i < n else ") v(r);")
            reg1.write(row)
            call1.write(row.replace("(mig_revision(", "(bench_noop_call(", 1))
    adir = os.path.join(outdir, kind + "_alembic")
    os.makedirs(os.path.join(adir, "versions"), exist_ok=True)
    with open(os.path.join(adir, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %s\n" % adir)
    with open(os.path.join(adir, "env.py"), "w") as f:
        f.write("import os\n"
                "from alembic import context\n"
                "from sqlalchemy import create_engine\n"
                "engine = create_engine(os.environ['BENCH_DB_URL'])\n"
                "with engine.connect() as conn:\n"
                "    context.configure(connection=conn, transactional_ddl=True)\n"
                "    with context.begin_transaction():\n"
                "        context.run_migrations()\n")
    with open(os.path.join(adir, "script.py.mako"), "w") as f:
        f.write("")
    for i in range(1, n + 1):
        up, down = bodies(kind, i)
        parent = "None" if i == 1 else repr("%s%d" % (kind, i - 1))
        ups = "".join("    op.execute(%r)\n" % s.strip() for s in up.split(";\n"))
        downs = "".join("    op.execute(%r)\n" % s.strip() for s in down.split(";\n"))
        with open(os.path.join(adir, "versions", "%s%d.py" % (kind, i)), "w") as f:
            f.write("from alembic import op\n"
                    "revision = %r\n"
                    "down_revision = %s\n"
                    "branch_labels = None\n"
                    "depends_on = None\n\n\n"
                    "def upgrade():\n%s\n\n"
                    "def downgrade():\n%s" % ("%s%d" % (kind, i), parent, ups, downs))


def write_files(outdir, kind, n):
    """Write the revision files of one set, named in their order."""
    fdir = os.path.join(outdir, kind + "_files")
    os.makedirs(fdir, exist_ok=True)
    for i in range(1, n + 1):
        up, down = bodies(kind, i)
        parent = "" if i == 1 else " %s%d" % (kind, i - 1)
        with open(os.path.join(fdir, "%05d_%s%d.sql" % (i, kind, i)), "w") as f:
            f.write("-- mig:revision: %s%d\n"
                    "-- mig:down_revisions:%s\n"
                    "-- mig:message: %s %d\n\n"
                    "-- mig:upgrade\n%s\n\n"
                    "-- mig:downgrade\n%s\n" % (kind, i, parent, kind, i, up, down))


def main():
    outdir, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(outdir, exist_ok=True)
    for kind in ("ddl", "noop"):
        write_set(outdir, kind, n)
        write_files(outdir, kind, n)


main()
