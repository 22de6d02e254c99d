# mig_ext: PGXS build.  `make demo` and `make test` are the README's two commands.
#
# Tests use PGXS's own layout, as contrib's modules do: `make installcheck`
# runs pg_regress (sql/, expected/), the isolation specs (specs/, expected/)
# and the TAP tests (t/) against the installation PG_CONFIG names and a
# running server.  `make test` (tests/run.sh) wraps it with a build, an
# install and a throwaway cluster, and adds the shell suites tests/suite_*.sh.
#
# The mig command is built by client/Makefile (PGXS builds a module or a
# program from one Makefile), called from all, install and clean here.
MODULE_big = mig_ext
OBJS = mig_ext.o src/graph.o src/target.o src/plan.o src/body.o src/spi_exec.o src/catalog.o \
       src/record.o src/runner.o src/offline.o src/import.o src/adopt.o src/diff.o src/desired.o src/privilege.o \
       src/rehearse.o src/deploy.o src/worker.o src/conflict.o src/verify.o src/repeatable.o src/advice.o src/drift.o \
       src/expand.o
# mig_fleet: SQL only, its own control file and script (requires mig_ext, dblink)
EXTENSION = mig_ext mig_fleet
DATA = mig_ext--1.0.sql mig_ext--1.0--1.1.sql mig_ext--1.1--1.2.sql mig_fleet--1.0.sql
SCRIPTS = bin/mig-alembic-export
PGFILEDESC = "mig_ext - versioned schema migrations inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
TAP_TESTS = 1
# The tests run DDL outside migrations all the time: their upgrades do not
# warn about drift (sql/drift.sql sets mig_ext.on_drift itself).
installcheck: export PGOPTIONS += -c mig_ext.on_drift=ignore

# (set before including PGXS, which reads them once)
PG_CPPFLAGS += -I$(srcdir)/src
# export from the library only what PostgreSQL looks up (PGDLLEXPORT)
PG_CFLAGS += -fvisibility=hidden

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else ifneq ($(filter-out demo test test-matrix bench,$(or $(MAKECMDGOALS),all)),)
$(error $(PG_CONFIG) finds no PGXS: install the server headers (postgresql-server-dev-NN) or run `make test`, which installs them)
endif

all: mig-client
install: install-mig-client
clean: clean-mig-client

.PHONY: mig-client install-mig-client clean-mig-client
mig-client:
	$(MAKE) -C client
install-mig-client: mig-client
	$(MAKE) -C client install
clean-mig-client:
	$(MAKE) -C client clean

.PHONY: demo test test-matrix bench
demo:
	bash tests/demo.sh

test:
	bash tests/run.sh

# make test here and in chroots of other Debian releases (as root)
test-matrix:
	bash tests/matrix.sh

bench:
	bash tests/bench.sh
