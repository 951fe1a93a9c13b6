# A client's handle that outlives the GPU's unbind (as an open file's
# would), on the debug kernel (KASAN, lockdep, kmemleak): the test client
# keeps a clone of its GPU handle on a work item past its own unbind and
# calls GSP-RM through it back to back, so calls are in flight while the
# core unbinds and revokes its link. From then on every call fails with
# ENODEV (nothing reaches freed state) and dropping the handle is
# harmless. No leak, no warning.
. tests/lib.sh
vm --profile debug --no-load -- bash -c '
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    echo ping >$d && echo "ping while bound: ok"
    echo keep >$d
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind
    for _ in $(seq 150); do
        dmesg | grep -q "kept handle dropped" && break
        sleep 0.1
    done
    # The work returns right after its last line; give it that moment.
    sleep 1
    rmmod nvgsp_test
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^ping while bound: ok$'
expect_log 'nvgsp_test: kept handle after unbind: [0-9]+ calls answered, then ping -19 after [0-9]+ ms, vram -19, channel -19'
expect_log 'nvgsp_test: kept handle dropped'
expect_log 'GSP-RM shut down'
expect_out '^kmemleak: clean$'
expect_clean_log
! matches 'deprecated workqueue' "$VM_LOG" || fail "the kept handle's work went to a deprecated workqueue"
