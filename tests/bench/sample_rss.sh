#!/usr/bin/env bash
# sample_rss.sh PID OUT STOP: until the file STOP exists (or PID ends), sample
# the RssAnon of process PID every 20 ms; then write the largest value (kB) to OUT.
max=0
while [ ! -e "$3" ] && [ -e "/proc/$1" ]; do
    v=$(awk '/^RssAnon/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ "${v:-0}" -gt "$max" ] && max=$v
    sleep 0.02
done
echo "$max" >"$2"
