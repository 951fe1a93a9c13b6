# Command submission through the render node, on the debug kernel, with
# 512 MiB of VRAM and a 128 MiB BAR1:
# - 64 MiB copied by the copy engine from a system object into a VRAM
#   object and back into another system object, through the file's VA
#   space (jobs chained by a sync object); what came back is what was
#   written (nvgspctl compares all of it, and prints its hash);
# - 10,000 EXECs on each of two channels of two files, every fence of a
#   timeline signalled in order, and a job of the second file waiting for
#   a sync object the first file's job signals (shared as an fd);
# - a job whose push is not mapped: GSP-RM reports the MMU fault (Xid 31),
#   the core gives it to the DRM file's channel, the job's fence signals
#   EIO, the channel is made again and runs jobs after it; another file's
#   1,000 jobs, submitted meanwhile, all complete without error;
# - an ordered VM_BIND (RUN_ASYNC) between two jobs through sync objects:
#   the job before it still reads the mapping it removes, the job after it
#   faults there;
# - a job whose semaphore acquire never succeeds times out (ETIMEDOUT),
#   and the channel is made again: a copy on it afterwards works;
# - a process killed with a job hanging on its channel: its channel is
#   freed, nothing is left;
# - GSP-RM crashes while two files submit: the jobs in flight fail, the
#   channels are made again through the reset handler, and both files
#   submit again;
# - at unload GSP-RM is left with nothing, and kmemleak is clean.
. tests/lib.sh
vm --profile debug --timeout 560 --emu --vram --emu 512M --emu --bar1 --emu 128M -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    nvgspctl copy 64M || exit 1
    nvgspctl exec 10000 --files 2 || exit 1
    # A faulting job in one file while another file submits.
    nvgspctl exec 1000 >/tmp/other &
    other=$!
    nvgspctl exec-fault || exit 1
    wait $other; echo "other file: $? $(tail -n1 /tmp/other)"
    nvgspctl exec-hang || exit 1
    nvgspctl exec-bind || exit 1
    # A process killed while its job hangs.
    nvgspctl exec-hang >/tmp/hang &
    hang=$!
    sleep 2
    kill -9 $hang; wait $hang
    echo "killed: $?"
    # GSP-RM crashes while two files submit.
    nvgspctl exec 4000 --files 2 >/tmp/load 2>&1 &
    load=$!
    sleep 3
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    wait $load; echo "under the crash: $?"; cat /tmp/load
    for _ in $(seq 600); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.1; done
    nvgspctl exec 500 --files 2 || exit 1
    nvgspctl copy 1M || exit 1
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_test 2>/dev/null
    modprobe -r nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^copy: 67108864 bytes sys->vram->sys ok, fnv1a64 0x[0-9a-f]+, '
expect_out '^exec: 2 files x 10000 jobs ok$'
expect_out '^exec-fault: job with its push at unmapped VA 0x[0-9a-f]+: fence error -5 \(EIO\)$'
expect_out '^exec-fault: empty job after it: fence ok$'
expect_out '^exec-fault: copy job after it: fence ok, data ok$'
expect_out '^other file: 0 exec: 1 files x 1000 jobs ok$'
expect_out '^exec-hang: job acquiring 0x[0-9a-f]+ == 1: fence error -110 \(ETIMEDOUT\) '
expect_out '^exec-hang: copy job after it: fence ok, data ok$'
expect_out '^exec-bind: copy before the unbind: fence ok, data ok$'
expect_out '^exec-bind: unbind ordered after it: fence ok$'
expect_out '^exec-bind: copy after the unbind: fence error -5 \(EIO\), destination untouched$'
expect_out '^killed: 137$'
expect_out '^under the crash: 0$'
expect_out '^exec: 2 files x 500 jobs ok$'
expect_out '^copy: 1048576 bytes sys->vram->sys ok'
expect_log 'MMU fault \(Xid 31\) at 0x[0-9a-f]+ on channel'
expect_log 'a job timed out; channel made again'
expect_log 'GSP-RM recovered'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
