#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Exercises dma_bench inside a lab guest (run as root, in the guest): loads the
# module, binds a spare device, runs each API on both layouts, checks that every
# path issues the same ranges and that ftrace's iommu:map events agree, that a
# refused write leaves the previous result in place (which the collector must
# refuse as stale), that preemption is off in the timed calls, that sg_build
# and inflight runs answer with the request echoed, that the defaults are the
# header's and what the headers were found to offer, feeds it bad
# requests, removes the device and signals a run mid-way, tries rmmod mid-run,
# binds through the debugfs device file in every address form it takes and
# refuses, runs threads on the CPUs asked for (the topology recorded is
# sysfs's, an offline CPU refused) and a fixed-duration run that stops in time
# and counts its requests, and checks dmesg. Exits 0 when every check passed.
# Every result file the module produced is copied to OUTDIR with the request
# that produced it, for the parser's fixtures.
#
# usage: lab-selftest.sh MODULE.ko OUTDIR [vendor:device of the spare, default 1234:11e8 (QEMU edu)]
set -u
KO=$1
OUT=$2
ID=${3:-1234:11e8}
D=/sys/kernel/debug/dma_bench
fails=0
mkdir -p "$OUT"

say() { echo "selftest: $*"; }
bad() { say "FAIL: $*"; fails=$((fails + 1)); }
ok() { say "ok: $*"; }

spare=
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat "$d/vendor"):$(cat "$d/device")" = "0x${ID%%:*}:0x${ID##*:}" ]; then spare=${d##*/}; break; fi
done
[ -n "$spare" ] || { say "FAIL: no PCI device $ID"; exit 1; }
say "spare device $spare, iommu group type $(cat /sys/bus/pci/devices/$spare/iommu_group/type 2>/dev/null || echo none)"
uname -r > "$OUT/kernel-release.txt"
dmesg -c > /dev/null

insmod "$KO" || { say "FAIL: insmod"; exit 1; }

bind() {
  echo dma_bench > "/sys/bus/pci/devices/$spare/driver_override"
  echo "$spare" > /sys/bus/pci/drivers/dma_bench/bind
}
unbind() {
  echo "$spare" > /sys/bus/pci/drivers/dma_bench/unbind
  echo > "/sys/bus/pci/devices/$spare/driver_override"
}

# run NAME EXPECTED_RC REQUEST: write the request, save the result as OUTDIR/NAME.txt
run() {
  name=$1 want=$2
  shift 2
  echo "$*" > "$D/run"
  rc=$?
  cat "$D/result" > "$OUT/$name.txt"
  printf '%s\n' "$*" > "$OUT/$name.request.txt"
  if [ "$rc" = "$want" ]; then ok "$name rc=$rc: $(grep '^result' "$OUT/$name.txt")"; else bad "$name rc=$rc want $want: $(grep '^result' "$OUT/$name.txt")"; fi
}

# Without a device every request fails with ENODEV.
run no-device 1 api=sg size=65536 segs=16

bind
[ "$(cat $D/device)" = "$spare" ] && ok "bound via driver_override" || bad "device file says $(cat $D/device)"

run sg-contig-64k 0 api=sg size=65536 segs=16 dir=to_device threads=1 iters=2000 warmup=200 layout=contiguous
run sg-scattered-64k 0 api=sg size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered
run link-scattered-64k 0 api=link size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered
run link-contig-1m 0 api=link size=1048576 segs=8 dir=from_device threads=1 iters=500 warmup=50 layout=contiguous
run phys-scattered-64k 0 api=phys size=65536 segs=16 dir=bidirectional threads=2 iters=2000 warmup=200 layout=scattered
run sg-scattered-4k-irqs-off 0 api=sg size=4096 segs=1 dir=from_device threads=2 iters=2000 warmup=200 layout=scattered irqs=off
run link-scattered-8k-batch4 0 api=link size=8192 segs=2 dir=from_device threads=1 iters=2000 warmup=0 layout=scattered batch=4

# worker FILE KEY: KEY's value in the first worker record of OUTDIR/FILE.txt
worker() { sed -n "/^worker thread=0 /{s/.* $2=\([0-9]*\).*/\1/p;q}" "$OUT/$1.txt"; }
# field FILE RECORD KEY: KEY's value in the first RECORD line of OUTDIR/FILE.txt
field() { sed -n "/^$2 /{s/.* $3=\([^ ]*\).*/\1/p;q}" "$OUT/$1.txt"; }
# echoed NAME: every key=value of the request written for NAME is in the result's request record
echoed() {
  echo_line=" $(grep '^request ' "$OUT/$1.txt") "
  for kv in $(cat "$OUT/$1.request.txt"); do
    case "$echo_line" in *" $kv "*) ;; *) bad "$1: the echo lacks $kv:$echo_line"; return ;; esac
  done
  ok "$1: the echo matches the request"
}
# The paths this kernel has: link is reported unsupported where the headers lack the link API (and measured nowhere).
apis="sg link phys"
if grep -q '^result status=unsupported ' "$OUT/link-scattered-64k.txt"; then
  apis="sg phys"
  say "link unsupported on $(uname -r): its range checks are skipped"
fi
# Every path maps the same ranges: one for a contiguous 64 KiB, sixteen for sixteen scattered pages.
for api in $apis; do
  for layout in contiguous scattered; do
    run "ranges-$api-$layout" 0 api=$api size=65536 segs=16 dir=from_device threads=1 iters=100 warmup=10 batch=1 layout=$layout
    want=1; [ $layout = scattered ] && want=16
    got=$(worker "ranges-$api-$layout" ranges)
    [ "$got" = "$want" ] && ok "$api $layout issued $got range(s)" || bad "$api $layout issued '$got' ranges, want $want"
  done
done

# What the Kbuild found in this kernel's headers, said on the result's first line.
features="link_api=$(field sg-contig-64k dma_bench link_api) map_phys=$(field sg-contig-64k dma_bench map_phys)"
say "features: $features on $(uname -r)"
case "$features" in
  "link_api=1 map_phys=1"|"link_api=1 map_phys=0"|"link_api=0 map_phys=0"|"link_api=0 map_phys=1") ;;
  *) bad "the result's first line does not say what the headers offered: $(head -n 1 "$OUT/sg-contig-64k.txt")" ;;
esac
phys_fn=$(field phys-scattered-64k result function)
case "$features" in
  *map_phys=1) [ "$phys_fn" = dma_map_phys ] && ok "map_phys=1: phys maps with dma_map_phys" || bad "map_phys=1 but phys used $phys_fn" ;;
  *) [ "$phys_fn" = dma_map_page ] && ok "map_phys=0: phys maps with dma_map_page" || bad "map_phys=0 but phys used $phys_fn" ;;
esac
link_status=$(field link-scattered-64k result status)
case "$features" in
  link_api=1*) [ "$link_status" = ok ] && ok "link_api=1: link ran" || bad "link_api=1 but link: $(grep '^result' "$OUT/link-scattered-64k.txt")" ;;
  *) grep -q '^result status=unsupported .*reason=no_link_api_in_kernel_headers ' "$OUT/link-scattered-64k.txt" \
       && ok "link_api=0: link is unsupported, saying why" || bad "link_api=0 but link: $(grep '^result' "$OUT/link-scattered-64k.txt")" ;;
esac

# The defaults are the header's (DMA_BENCH_DEFAULT_*): a request naming only api, size and segs.
run defaults 0 api=sg size=8192 segs=2
online=$(cat /sys/devices/system/cpu/online)
grep -q "^request api=sg size=8192 segs=2 seg_size=4096 dir=to_device threads=1 iters=1000 warmup=100 layout=scattered irqs=on batch=0 inflight=1 sg_build=0 duration_ms=0 cpus=$online\$" "$OUT/defaults.txt" \
  && ok "defaults: $(grep '^request' "$OUT/defaults.txt")" || bad "defaults: $(grep '^request' "$OUT/defaults.txt")"

# cpus: the threads run on the CPUs asked for, and each worker's topology is the CPU's own in sysfs.
# topology FILE: every worker's cpu, core_id, package_id, siblings and node against sysfs
topology() {
  grep '^worker ' "$OUT/$1.txt" | while read -r line; do
    cpu=$(echo "$line" | sed 's/.* cpu=\([0-9]*\) .*/\1/')
    t=/sys/devices/system/cpu/cpu$cpu/topology
    node=$(ls -d /sys/devices/system/cpu/cpu$cpu/node* 2>/dev/null | sed -n '1s/.*node//p'); node=${node:-0}
    want="core_id=$(cat $t/core_id) package_id=$(cat $t/physical_package_id) siblings=$(cat $t/thread_siblings_list) node=$node"
    case "$line" in *" $want") echo "ok cpu$cpu $want" ;; *) echo "FAIL cpu$cpu: want $want in: $line" ;; esac
  done
}
ncpu=$(echo "$online" | awk -F'[-,]' '{print $NF + 1}')
if [ "$ncpu" -ge 2 ]; then
  last=$((ncpu - 1))
  run cpus-last 0 api=phys size=65536 segs=16 threads=1 iters=500 warmup=50 batch=1 cpus=$last
  echoed cpus-last
  [ "$(worker cpus-last cpu)" = "$last" ] && ok "cpus=$last: thread 0 ran on CPU $last" || bad "cpus=$last: $(grep '^worker' "$OUT/cpus-last.txt")"
  run cpus-pair 0 api=phys size=65536 segs=16 threads=2 iters=500 warmup=50 batch=1 cpus=$last,0
  got=$(sed -n 's/^worker thread=\([0-9]*\) cpu=\([0-9]*\) .*/\1:\2/p' "$OUT/cpus-pair.txt" | tr '\n' ' ')
  [ "$got" = "0:0 1:$last " ] && ok "cpus=$last,0: thread 0 on CPU 0, thread 1 on CPU $last (the list's order is the CPUs')" || bad "cpus=$last,0: threads on $got"
  grep -q "^request .* cpus=0,$last\$\|^request .* cpus=0-$last\$" "$OUT/cpus-pair.txt" && ok "cpus=$last,0 echoed in the kernel's form: $(field cpus-pair request cpus)" || bad "cpus echo: $(grep '^request' "$OUT/cpus-pair.txt")"
  topo=$(topology cpus-pair; topology cpus-last)
  echo "$topo" | grep -q FAIL && bad "topology: $topo" || ok "topology as sysfs says: $(echo "$topo" | tr '\n' ';')"
  run bad-threads-exceed-cpus 1 api=phys size=65536 segs=16 threads=2 iters=10 warmup=10 cpus=$last
  grep -q 'reason=threads_exceed_cpus ' "$OUT/bad-threads-exceed-cpus.txt" && ok "bad-threads-exceed-cpus: threads_exceed_cpus" || bad "bad-threads-exceed-cpus: $(grep '^result' "$OUT/bad-threads-exceed-cpus.txt")"
  echoed bad-threads-exceed-cpus
  # an offline CPU is refused: take the last one down for the request, then back up
  if [ -w /sys/devices/system/cpu/cpu$last/online ] && echo 0 > /sys/devices/system/cpu/cpu$last/online; then
    run bad-cpu-offline 1 api=phys size=65536 segs=16 threads=1 iters=10 warmup=10 cpus=$last
    echo 1 > /sys/devices/system/cpu/cpu$last/online
    grep -q 'reason=cpu_not_online ' "$OUT/bad-cpu-offline.txt" && ok "bad-cpu-offline: cpu_not_online" || bad "bad-cpu-offline: $(grep '^result' "$OUT/bad-cpu-offline.txt")"
    [ "$(cat /sys/devices/system/cpu/online)" = "$online" ] && ok "CPU $last back online" || bad "online CPUs now $(cat /sys/devices/system/cpu/online), were $online"
  else
    say "CPU $last cannot go offline: cpu_not_online check skipped"
  fi
else
  say "one CPU: cpus checks skipped"
fi
run bad-cpus-syntax 1 api=phys size=65536 segs=16 cpus=x
grep -q 'reason=bad_cpus ' "$OUT/bad-cpus-syntax.txt" && ok "bad-cpus-syntax: bad_cpus" || bad "bad-cpus-syntax: $(grep '^result' "$OUT/bad-cpus-syntax.txt")"

# duration_ms: each thread runs timed rounds until the time is up (read between rounds), and says how many requests it ran.
run bad-iters-duration 1 api=phys size=65536 segs=16 iters=10 duration_ms=100
grep -q 'reason=iters_and_duration_ms_exclusive ' "$OUT/bad-iters-duration.txt" && ok "bad-iters-duration: iters_and_duration_ms_exclusive" || bad "bad-iters-duration: $(grep '^result' "$OUT/bad-iters-duration.txt")"
dthreads=1; [ "$ncpu" -ge 2 ] && dthreads=2
t0=$(date +%s%N)
run duration-300ms 0 api=phys size=65536 segs=16 threads=$dthreads warmup=50 batch=1 inflight=4 duration_ms=300
t1=$(date +%s%N)
echoed duration-300ms
say "duration-300ms: the write took $(( (t1 - t0) / 1000000 )) ms; $(grep '^result\|^worker' "$OUT/duration-300ms.txt" | tr '\n' ';')"
grep -q '^request .* iters=0 .* duration_ms=300 ' "$OUT/duration-300ms.txt" && ok "duration-300ms: echoed iters=0 duration_ms=300" || bad "duration echo: $(grep '^request' "$OUT/duration-300ms.txt")"
# each thread: timed for at least 300 ms and at most 300 ms plus one round (100 ms of slack for a
# round of 4 requests, even under TCG); requests counted, one sample each (batch=1)
dur_ok=$(grep '^worker ' "$OUT/duration-300ms.txt" | awk '{
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  t = v["timed_ns"] + 0; r = v["requests"] + 0; if (t < 300000000 || t > 400000000 || r < 1 || r != v["batches"] + 0) bad++; n++
} END { print (n > 0 && !bad) ? "yes" : "no" }')
total=$(grep '^worker ' "$OUT/duration-300ms.txt" | sed 's/.* requests=\([0-9]*\) .*/\1/' | awk '{s += $1} END {print s}')
count=$(sed -n 's/^stats thread=all cpu=-1 phase=map count=\([0-9]*\) .*/\1/p' "$OUT/duration-300ms.txt")
[ "$dur_ok" = yes ] && [ "$total" = "$count" ] \
  && ok "duration_ms=300: every thread timed 300-400 ms and counted its requests ($total in all, the map samples' count)" \
  || bad "duration_ms=300: timed or counted wrong ($total requests, $count samples): $(grep '^worker' "$OUT/duration-300ms.txt" | tr '\n' ';')"

# The scatterlist built per request (6.12's NVMe) and requests in flight (a queue depth).
run sg-build-scattered-64k 0 api=sg size=65536 segs=16 dir=from_device threads=2 iters=1000 warmup=100 layout=scattered irqs=on batch=0 inflight=1 sg_build=1
echoed sg-build-scattered-64k
run sg-build-inflight16-batch4 0 api=sg size=65536 segs=16 dir=from_device threads=1 iters=640 warmup=64 layout=scattered batch=4 inflight=16 sg_build=1
echoed sg-build-inflight16-batch4
[ "$(field sg-build-inflight16-batch4 result inflight)" = 16 ] && [ "$(worker sg-build-inflight16-batch4 batches)" = 160 ] \
  && ok "inflight=16 batch=4: 16 in flight, 160 samples of 4" || bad "inflight=16 batch=4: $(grep '^result\|^worker' "$OUT/sg-build-inflight16-batch4.txt")"
for api in $apis; do
  run "inflight32-$api" 0 api=$api size=65536 segs=16 dir=from_device threads=2 iters=640 warmup=64 layout=scattered batch=1 inflight=32
  echoed "inflight32-$api"
  [ "$(field "inflight32-$api" result inflight)" = 32 ] && [ "$(worker "inflight32-$api" batches)" = 640 ] && [ "$(worker "inflight32-$api" ranges)" = 16 ] \
    && ok "$api inflight=32: 32 in flight, 640 samples, 16 ranges" || bad "$api inflight=32: $(grep '^result\|^worker' "$OUT/inflight32-$api.txt")"
done
# batch above inflight: the batch is in flight
run inflight2-batch8 0 api=phys size=16384 segs=4 dir=from_device threads=1 iters=80 warmup=10 layout=scattered batch=8 inflight=2
[ "$(field inflight2-batch8 result inflight)" = 8 ] && ok "batch=8 inflight=2: 8 in flight, as the result says" || bad "batch=8 inflight=2: $(grep '^result' "$OUT/inflight2-batch8.txt")"

# ftrace's iommu:map events agree: one per range per request (warm-up and timed alike).
T=/sys/kernel/tracing
if [ -e $T/events/iommu/map/enable ]; then
  echo 4096 > $T/buffer_size_kb
  for api in $apis; do
    for layout in contiguous scattered; do
      echo 0 > $T/tracing_on; echo > $T/trace; echo 1 > $T/events/iommu/map/enable; echo 1 > $T/tracing_on
      run "ftrace-$api-$layout" 0 api=$api size=65536 segs=16 dir=from_device threads=1 iters=100 warmup=10 batch=1 layout=$layout
      echo 0 > $T/tracing_on; echo 0 > $T/events/iommu/map/enable
      # only the module's threads' events: another device's DMA must not count
      events=$(grep ' map: ' $T/trace | grep -c ' dma_bench/[0-9]*-[0-9]* ')
      say "ftrace $api $layout: $(grep -c ' map: ' $T/trace) iommu:map events in all"
      ranges=$(worker "ftrace-$api-$layout" ranges)
      ranges=${ranges:-0}
      say "ftrace $api $layout: $events iommu:map events for 110 requests of $ranges range(s)"
      [ "$events" = $((110 * ranges)) ] && ok "ftrace agrees: $api $layout maps $ranges range(s) per request" || bad "ftrace $api $layout: $events events, want $((110 * ranges))"
    done
  done
  # Built per request and 16 in flight: still one mapping per range per request.
  echo 0 > $T/tracing_on; echo > $T/trace; echo 1 > $T/events/iommu/map/enable; echo 1 > $T/tracing_on
  run ftrace-sg-build-inflight16 0 api=sg size=65536 segs=16 dir=from_device threads=1 iters=96 warmup=16 batch=1 layout=scattered inflight=16 sg_build=1
  echo 0 > $T/tracing_on; echo 0 > $T/events/iommu/map/enable
  events=$(grep ' map: ' $T/trace | grep -c ' dma_bench/[0-9]*-[0-9]* ')
  [ "$events" = $((112 * 16)) ] && ok "ftrace agrees: sg_build=1 inflight=16 maps 16 ranges per request" || bad "ftrace sg_build inflight: $events events, want $((112 * 16))"
  echo > $T/trace
else
  say "no iommu:map trace event (no IOMMU translation): ftrace check skipped"
fi

# Preemption is off in the timed calls: a busy loop on the worker's CPU gets no context switch into them.
# (How much that proves depends on the preemption model: with none or voluntary, kernel code is
# not preempted anyway.)
say "preemption model: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo unknown), $(uname -v)"
command -v taskset > /dev/null || bad "no taskset to pin a busy loop"
cpu0=$(sed -n 's/^worker thread=0 cpu=\([0-9]*\) .*/\1/p' "$OUT/sg-contig-64k.txt")
taskset -c "$cpu0" sh -c 'while :; do :; done' &
hog=$!
run preempt-hog 0 api=phys size=65536 segs=16 dir=from_device threads=1 iters=3000 warmup=100 layout=scattered
kill "$hog"; wait "$hog" 2>/dev/null
sw=$(worker preempt-hog switched)
say "with a busy loop on cpu $cpu0: $(grep '^worker' "$OUT/preempt-hog.txt")"
[ "$sw" = 0 ] && ok "no context switch inside a timed batch (preemption off)" || bad "switched=$sw inside timed batches"

# A write refused before the module stores anything leaves the previous result in place: the
# collector must refuse it (its echo does not match). A request line of 512 bytes or more is one.
long="api=sg size=8192 segs=2 iters=100 warmup=10$(printf ' warmup=10%.0s' $(seq 1 60))"
echo "$long" > "$D/run" 2>/dev/null && bad "a ${#long}-byte request was accepted" || ok "a ${#long}-byte request was refused"
cat "$D/result" > "$OUT/stale-after-refused-write.txt"
printf '%s\n' "$long" > "$OUT/stale-after-refused-write.request.txt"
cmp -s "$OUT/stale-after-refused-write.txt" "$OUT/preempt-hog.txt" && ok "result still holds the previous request's result" \
  || bad "result after the refused write: $(grep '^request' "$OUT/stale-after-refused-write.txt")"

# Bad requests: each must fail and leave the module usable.
run bad-size-zero 1 api=sg size=0 segs=1
run bad-size-huge 1 api=sg size=1073741824 segs=16
run bad-segs 1 api=sg size=65536 segs=100000
run bad-threads 1 api=sg size=65536 segs=16 threads=999
run bad-threads-64 1 api=sg size=65536 segs=16 dir=to_device threads=64 iters=500 warmup=50 layout=scattered irqs=on batch=0
run bad-divisible 1 api=sg size=65536 segs=3
run bad-subpage 1 api=sg size=65536 segs=32
run bad-api 1 api=foo size=65536 segs=16
run bad-key 1 api=sg size=65536 segs=16 colour=blue
run bad-token 1 garbage
run bad-iters 1 api=sg size=65536 segs=16 iters=0
run bad-batch 1 api=sg size=65536 segs=16 batch=300
run bad-auto-batch-warmup 1 api=sg size=65536 segs=16 warmup=5
run bad-irqs 1 api=sg size=65536 segs=16 irqs=maybe
run bad-inflight-0 1 api=sg size=65536 segs=16 inflight=0
run bad-inflight-257 1 api=sg size=8192 segs=2 inflight=257
run bad-inflight-segs 1 api=sg size=524288 segs=128 inflight=256
run bad-sg-build-link 1 api=link size=65536 segs=16 sg_build=1
run bad-sg-build-2 1 api=sg size=65536 segs=16 sg_build=2
for b in bad-inflight-0:bad_inflight bad-inflight-257:bad_inflight bad-inflight-segs:bad_inflight bad-sg-build-link:sg_build_needs_api_sg bad-sg-build-2:bad_sg_build; do
  grep -q "^result status=error .*reason=${b#*:} " "$OUT/${b%%:*}.txt" && ok "${b%%:*}: ${b#*:}" || bad "${b%%:*}: $(grep '^result' "$OUT/${b%%:*}.txt")"
done
echoed bad-inflight-257
run big-scattered 0 api=sg size=67108864 segs=16384 threads=1 iters=3 warmup=0 batch=1 layout=scattered
run after-bad 0 api=sg size=8192 segs=2 iters=100 warmup=10

# A signal ends a run with EINTR.
(echo "api=phys size=65536 segs=16 iters=100000000 warmup=0 batch=1" > "$D/run") &
w=$!
sleep 2
kill -TERM "$w"
wait "$w"
cat "$D/result" > "$OUT/interrupted.txt"
grep -q 'reason=interrupted' "$OUT/interrupted.txt" && ok "signal -> interrupted" || bad "signal: $(grep '^result' "$OUT/interrupted.txt")"

# rmmod during a run is refused (the open file holds a module reference), then works.
(echo "api=sg size=65536 segs=16 iters=100000000 warmup=0 batch=1" > "$D/run") &
w=$!
sleep 2
if rmmod dma_bench 2>/dev/null; then bad "rmmod succeeded mid-run"; else ok "rmmod refused mid-run"; fi
# Removing the device mid-run stops the run with ENODEV.
unbind
wait "$w"
cat "$D/result" > "$OUT/device-removed.txt"
grep -q 'reason=device_removed' "$OUT/device-removed.txt" && ok "unbind mid-run -> device_removed" || bad "unbind: $(grep '^result' "$OUT/device-removed.txt")"

# The device file binds a driverless device and unbinds it.
override() { cat "/sys/bus/pci/devices/$1/driver_override"; }
echo "$spare" > $D/device && [ "$(cat $D/device)" = "$spare" ] && ok "bound via device file" || bad "device file bind"
[ "$(override "$spare")" = dma_bench ] && ok "device file set driver_override" || bad "driver_override is $(override "$spare")"
run after-rebind 0 api=phys size=16384 segs=4 iters=100 warmup=10
echo none > $D/device && [ "$(cat $D/device)" = none ] && ok "unbound via device file" || bad "device file unbind"
# ... and clears the override it set, so the device's own driver could bind again.
[ "$(override "$spare")" = "(null)" ] && ok "device file unbind cleared driver_override" || bad "driver_override left as $(override "$spare")"

# The short form BUS:DEV.FN means domain 0000. The spare sits behind a root port in the lab
# (a bus other than 00), so a bus number taken for the domain would find no device.
short=${spare#*:}
echo "$short" > $D/device && [ "$(cat $D/device)" = "$spare" ] && ok "short form $short bound $spare" || bad "short form $short: device file says $(cat $D/device)"
run short-form 0 api=sg size=8192 segs=2 iters=100 warmup=10
grep -q "^device bdf=$spare " "$OUT/short-form.txt" && ok "short-form result names $spare" || bad "short-form result: $(grep '^device' "$OUT/short-form.txt")"
echo none > $D/device

# write_err TEXT: the error a write of TEXT to the device file gets, empty when it succeeds.
write_err() { printf '%s\n' "$1" | dd of="$D/device" 2>&1 >/dev/null | sed -n 's/^dd: error writing.*: //p'; }
# expect_err TEXT ERROR WHY
expect_err() {
  e=$(write_err "$1")
  if [ "$e" = "$2" ]; then ok "device file: $1 -> $2 ($3)"; else bad "device file: $1 -> '${e:-success}', want $2 ($3)"; fi
}
# Domains of 4 to 8 hex digits, as sysfs names them (VMD's are 10000 and up): a well-formed
# address of a domain this machine lacks is not found; a malformed one is invalid.
expect_err "1$spare" "No such device" "5-digit domain parsed"
expect_err "fffffff0:$short" "No such device" "8-digit domain parsed"
expect_err "123456789:$short" "Invalid argument" "9-digit domain"
expect_err "${spare#0}" "Invalid argument" "3-digit domain"
expect_err "1:${short#*:}" "Invalid argument" "1-digit bus"
expect_err "${spare}0" "Invalid argument" "trailing digit"
expect_err "0x$short" "Invalid argument" "0x prefix"
# A device some driver holds is refused, and its override is left alone.
held=
for d in /sys/bus/pci/devices/*; do [ -e "$d/driver" ] && [ "${d##*/}" != "$spare" ] && { held=${d##*/}; break; }; done
if [ -n "$held" ]; then
  expect_err "$held" "Device or resource busy" "held by $(basename "$(readlink "/sys/bus/pci/devices/$held/driver")")"
  [ "$(override "$held")" = "(null)" ] && ok "$held keeps no override" || bad "$held driver_override is $(override "$held")"
else
  bad "no PCI device with a driver to try"
fi
[ "$(cat $D/device)" = none ] && ok "refusals bound nothing" || bad "device file says $(cat $D/device) after refusals"

# Link falls back to the per-range path where dma_iova_try_alloc refuses: an identity domain
# (the group's type can change while no driver holds its devices).
grp=/sys/bus/pci/devices/$spare/iommu_group
if [ -e "$grp/type" ]; then
  old=$(cat "$grp/type")
  if echo identity > "$grp/type"; then
    bind
    run link-identity-fallback 0 api=link size=65536 segs=16 dir=from_device threads=1 iters=500 warmup=50 layout=scattered
    want='^result status=fallback path=phys function=dma_map_phys '
    case "$features" in *map_phys=0) want='^result status=fallback path=page function=dma_map_page ' ;; esac
    case "$apis" in *link*) ;; *) want='^result status=unsupported ' ;; esac
    grep -q "$want" "$OUT/link-identity-fallback.txt" \
      && ok "identity domain: link falls back to the per-range path, or is unsupported, and says so" || bad "identity fallback: $(grep '^result' "$OUT/link-identity-fallback.txt")"
    unbind
    echo "$old" > "$grp/type" && ok "group type back to $old" || bad "could not restore the group type $old"
  else
    # only a group of one device can change type: behind a root port without ACS it has two
    say "the group of $spare ($(ls "$grp/devices" | tr '\n' ' ')) cannot change type: identity fallback check skipped"
  fi
else
  say "no iommu group: identity fallback check skipped"
fi

# Unload while a run is active with the device still bound: kill the writer, then rmmod.
# (HUP, not INT: a non-interactive sh starts background jobs with SIGINT ignored.)
bind
(echo "api=phys size=65536 segs=16 iters=100000000 warmup=0 batch=1" > "$D/run") &
w=$!
sleep 1
kill -HUP "$w"; wait "$w"
rmmod dma_bench && ok "rmmod after interrupted run" || bad "rmmod after interrupted run"
[ -e /sys/bus/pci/drivers/dma_bench ] && bad "driver still registered"
echo > "/sys/bus/pci/devices/$spare/driver_override"

dmesg > "$OUT/dmesg.txt"
if grep -Eiq 'oops|warning|bug:|call trace|general protection|kasan' "$OUT/dmesg.txt"; then bad "dmesg has warnings (see dmesg.txt)"; else ok "dmesg clean"; fi
say "done, $fails failure(s)"
[ "$fails" = 0 ]
