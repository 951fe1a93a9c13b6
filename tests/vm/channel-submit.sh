# Work on a copy engine's channel, through the core's client API (the
# test client), on the debug kernel: the core makes the channel runnable
# as nouveau does under GSP-RM (the GPFIFO object, BIND to its engine's
# runlist, GPFIFO_SCHEDULE, the AMPERE_DMA_COPY_B object under it), then
# hands the host 1000 empty jobs (each the core's own semaphore release,
# membar and NON_STALL_INTERRUPT) through the GPFIFO ring, GP_PUT and the
# doorbell: every one completes, in order, and the channel's watcher hears
# the copy engine's non-stall interrupts. The emulator's host fetched all
# of it through the channel's VA space (GP_GET reached GP_PUT) and saw no
# error. A graphics channel is made runnable too; an engine the host
# gave no runlist is refused. GSP-RM crashes under a channel: the core
# makes it again, and jobs complete again. No leak, nothing left in
# GSP-RM.
. tests/lib.sh
vm --profile debug --no-load -- bash -c '
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    emu_query="$NVGSP_TOP/tests/guest/emu-query"
    last() { grep "^last:" $d; }
    echo "channel-object ce0" >$d; echo "ce0 channel: $(last)"
    chid=$(last | cut -d" " -f3)
    echo "submit 1000" >$d; echo "submit: $(last)"
    echo "emulator: $($emu_query channel $chid)"
    echo "channel-object ce7" >$d 2>/dev/null; echo "ce7 channel: $(last)"
    echo "channel-object" >$d; echo "gr channel: $(last)"
    echo "channel-object ce1" >$d; echo "ce1 channel: $(last)"
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    for _ in $(seq 600); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.1; done
    echo "submit 10" >$d; echo "after recovery: $(last)"
    echo free >$d
    rmmod nvgsp_test
    modprobe -r nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^ce0 channel: last: ok [0-9]+ [0-9]+$'
expect_out '^submit: last: ok 1000 [1-9][0-9]*$'
expect_out '^emulator: channel [0-9]+: .*scheduled.* gp_get ([0-9]+) gp_put \1 .*error none'
expect_out '^ce7 channel: last: error -19$'
expect_out '^gr channel: last: ok [0-9]+ [0-9]+$'
expect_out '^ce1 channel: last: ok [0-9]+ [0-9]+$'
expect_out '^after recovery: last: ok 10 [1-9][0-9]*$'
expect_log 'GSP-RM recovered'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
