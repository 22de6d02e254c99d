# mig_ext: PGXS build.  `make demo` and `make test` are the README's two commands.
# The mig command is built by client/Makefile (PGXS builds a module or a
# program from one Makefile), called from all, install and clean here.
MODULE_big = mig_ext
OBJS = mig_ext.o src/graph.o src/target.o src/plan.o src/body.o src/catalog.o src/runner.o \
       src/offline.o src/import.o src/diff.o src/desired.o src/privilege.o
EXTENSION = mig_ext
DATA = mig_ext--1.0.sql mig_ext--1.0--1.1.sql mig_ext--1.1--1.2.sql
SCRIPTS = bin/mig-alembic-export
PGFILEDESC = "mig_ext - versioned schema migrations inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
$(error pg_config cannot find PGXS: install the server headers (postgresql-server-dev-NN) or run `make test`, which installs them)
endif
include $(PGXS)

PG_CPPFLAGS += -I$(srcdir)/src

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

.PHONY: demo test bench
demo:
	bash tests/demo.sh

test:
	bash tests/run.sh

bench:
	bash tests/bench.sh
