#!/usr/bin/env bash
# include_layers.sh: the include graph of mig_ext's C, checked against its
# layers.  Lists each include of a header of src/ by mig_ext.c or a file
# of src/ ("file -> header", with their layers), and fails when a file
# includes a header of a layer above its own, when a file of the pure C
# layer includes SPI, or when a file is in no layer.  Run from anywhere:
#   bash tests/include_layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The layers, top down: a file may include the headers of its own layer
# and of the layers below it.
#   6 entry     the SQL-callable functions
#   5 command   commands built on the runner
#   4 runner    lock, plan, execute, record
#   3 service   jobs run with the caller's rights (through spi_exec.c)
#               and reading the catalog through catalog.c
#   2 catalog   the only code touching the mig_* tables
#   1 spi       the one SPI execution layer
#   0 pure      pure C: no SPI, no catalog
layer_of() {
    case "$1" in
        mig_ext) echo 6 ;;
        deploy|rehearse|adopt|worker|expand) echo 5 ;;
        runner) echo 4 ;;
        register|validate|offline|verify|repeatable|drift|diff|desired|advice|privilege) echo 3 ;;
        catalog|record) echo 2 ;;
        spi_exec) echo 1 ;;
        graph|target|plan|body|conflict|import|compat) echo 0 ;;
        *) echo none ;;
    esac
}

failed=0
for file in mig_ext.c src/*.c src/*.h; do
    name=$(basename "$file"); name=${name%.*}
    from=$(layer_of "$name")
    if [ "$from" = none ]; then
        echo "FAIL: $file is in no layer (add it to tests/include_layers.sh)"
        failed=1
        continue
    fi
    if [ "$from" = 0 ] && grep -qE '^#include "(executor/spi\.h|spi_exec\.h)"' "$file"; then
        echo "FAIL: $file is pure C but includes SPI"
        failed=1
    fi
    for header in $(sed -n 's/^#include "\(src\/\)\{0,1\}\([a-z_]*\)\.h"$/\2/p' "$file"); do
        [ -f "src/$header.h" ] || continue
        to=$(layer_of "$header")
        [ "$header" = "$name" ] && continue
        if [ "$to" = none ] || [ "$to" -gt "$from" ]; then
            echo "FAIL: $file (layer $from) -> $header.h (layer $to): a layer above"
            failed=1
        else
            echo "$file ($from) -> $header.h ($to)"
        fi
    done
done
if [ "$failed" -ne 0 ]; then
    echo "include layers: FAILED"
    exit 1
fi
echo "include layers: ok"
