#!/bin/sh
# A target for the signal test: the example server, whose pid is written
# to $WR_FAULT_PIDS/ so the test can check that nothing survives.
"$WIRERIG_KVSERVER" --port "$1" &
echo $! >"$WR_FAULT_PIDS/target.$$"
wait
