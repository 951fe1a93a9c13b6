# GSP-RM lost with recovery turned off (nvgsp_core recover=0), then
# handed back by unbind and bind: it crashes under RPC
# load from four callers (emulator --fault gsp-crash: its core halts and
# the falcon raises HALT), and in the next boot it hangs (--fault gsp-hang).
# The driver notices each once (one log line), fails what is in flight and
# every later call at once with ENODEV instead of timing out each, and on
# unbind resets the GSP and hands the GPU back, so the next bind boots and
# works. No leak, no warning.
. tests/lib.sh
vm --no-load --timeout 300 --emu --fault --emu gsp-crash --emu --fault --emu gsp-hang -- bash -c '
    echo >/sys/kernel/uevent_helper
    modprobe nvgsp_core recover=0
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    dbg=/sys/kernel/debug/nvgsp/$pci
    rebind() {
        echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind
        echo $pci >/sys/bus/pci/drivers/nvgsp_core/bind
    }
    for i in 1 2 3 4; do
        (for _ in $(seq 50); do cat $dbg/rpc_null; echo; done >/tmp/r$i) &
    done
    wait
    echo "crash: ok $(cat /tmp/r* | grep -c " ok$"), ENODEV $(cat /tmp/r* | grep -c " error -19$"), other $(cat /tmp/r* | grep -vc -e " ok$" -e " error -19$" -e "^$")"
    rebind
    echo "after rebind: $(cut -d" " -f2- $dbg/rpc_null)"
    for _ in 1 2 3 4 5 6; do cut -d" " -f2- $dbg/rpc_null; echo; done | sed "/^$/d" | sort | uniq -c | sed "s/^ */hang: /"
    rebind
    echo "after second rebind: $(cut -d" " -f2- $dbg/rpc_null)"
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^crash: ok [0-9]+, ENODEV [1-9][0-9]*, other 0$'
expect_out '^after rebind: error -110$'
expect_out '^hang: +2 error -110$'
expect_out '^hang: +4 error -19$'
expect_out '^after second rebind: ok$'
expect_out '^kmemleak: clean$'
expect_log_count 'GSP-RM crashed \(its core halted, MAILBOX0 0xbad0dead\): the GPU is unusable until it is bound again' 1
expect_log_count 'GSP-RM hung \(3 calls in a row timed out\): the GPU is unusable until it is bound again' 1
expect_log_count 'timed out after' 3
expect_log_count 'GSP-RM did not shut down: resetting the GSP' 2
expect_log_count 'GSP-RM 570\.144 ready' 3
expect_clean_log
