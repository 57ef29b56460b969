# Run by test/lab/lab-text-patching.test.ts in a lab guest, as `bash -c "$(cat this)" text-patching
# ROUNDS`: switches the function_graph and function tracers (every function's call site) and the
# sched_switch tracepoint (a static branch in __schedule) on and off, ROUNDS times, while two tasks
# sleep and wake on the other vCPU, and prints a line per round. The kernel patches its own text
# each time.
set -eu
rounds=$1
cd /sys/kernel/tracing
# Two tasks that sleep and wake without a pause: the other vCPU is in and out of __schedule while
# the text under it changes.
( while :; do sleep 0.001; done ) &
( while :; do sleep 0.002; done ) &
for i in $(seq 1 "$rounds"); do
  start=$(date +%s%N)
  echo function_graph > current_tracer
  echo nop > current_tracer
  echo 1 > events/sched/sched_switch/enable
  echo 0 > events/sched/sched_switch/enable
  echo function > current_tracer
  echo nop > current_tracer
  echo "TEXT-PATCHING round $i of $rounds: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
echo "TEXT-PATCHING done: $rounds rounds"
