# Work on a copy engine's channel, through the core's client API (the
# test client), on the debug kernel: the core makes the channel runnable
# as nouveau does under GSP-RM (the GPFIFO object, BIND to its engine's
# runlist from the host's device information table, GPFIFO_SCHEDULE, the
# AMPERE_DMA_COPY_B object under it), then hands the host 1000 empty jobs
# (each the core's own 64-bit semaphore release, membar and
# NON_STALL_INTERRUPT) through the GPFIFO ring, GP_PUT and the doorbell:
# the last one completes, the core saw the copy engine's non-stall
# interrupts (read from the interrupt tree's leaf) and its watcher was
# told. The emulator's host fetched all of it through the channel's VA
# space (GP_GET reached GP_PUT) and saw no error. A graphics channel is
# made runnable too; an engine the GPU does not have is refused. GSP-RM
# crashes under the channel: the test client's reset handler makes it
# again, and jobs numbered on from before complete on it. No leak,
# nothing left in GSP-RM.
. tests/lib.sh
vm --profile debug --no-load -- bash -c '
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    rpc=$(echo /sys/kernel/debug/nvgsp/*/rpc)
    emu_query="$NVGSP_TOP/tests/guest/emu-query"
    last() { grep "^last:" $d; }
    echo "channel-object" >$d; echo "gr channel: $(last)"
    echo "channel-object ce1" >$d; echo "ce1 channel: $(last)"
    echo "channel-object ce7" >$d 2>/dev/null; echo "ce7 channel: $(last)"
    echo "channel-object ce0" >$d; echo "ce0 channel: $(last)"
    chid=$(last | cut -d" " -f3)
    before=$(sed -n "s/^nonstall_interrupts: //p" $rpc)
    echo "submit 1000" >$d; echo "submit: $(last)"
    after=$(sed -n "s/^nonstall_interrupts: //p" $rpc)
    echo "nonstall interrupts: $((after - before))"
    echo "emulator: $($emu_query channel $chid)"
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    for _ in $(seq 600); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.1; done
    echo "submit 10" >$d; echo "after recovery: $(last)"
    echo "emulator after recovery: $($emu_query channel $chid)"
    echo free >$d
    rmmod nvgsp_test
    modprobe -r nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^gr channel: last: ok [0-9]+ [0-9]+$'
expect_out '^ce1 channel: last: ok [0-9]+ [0-9]+$'
expect_out '^ce7 channel: last: error -19$'
expect_out '^ce0 channel: last: ok [0-9]+ [0-9]+$'
expect_out '^submit: last: ok 1000 [1-9][0-9]*$'
expect_out '^nonstall interrupts: [1-9][0-9]*$'
expect_out '^emulator: channel [0-9]+: .*scheduled yes gp_get ([0-9]+) gp_put \1 error none'
expect_out '^after recovery: last: ok 10 [1-9][0-9]*$'
expect_out '^emulator after recovery: channel [0-9]+: .*scheduled yes gp_get ([0-9]+) gp_put \1 error none'
expect_log 'GSP-RM recovered'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
