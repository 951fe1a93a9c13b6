# The heartbeat finds a hung GSP-RM while nobody calls it. After the boot
# the guest sits idle (the DRM and VFIO clients bound, neither calling);
# the emulator's control port hangs GSP-RM. The heartbeat pings the
# silent GSP-RM, three pings time out, the core declares it hung and
# recovers it, and calls work again. The guest prints how long detection
# took from the injection (bounded by the heartbeat period and a quarter,
# plus three RPC timeouts: 21 s; asserted under 30 s).
. tests/lib.sh
vm --timeout 200 -- bash -c '
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    rpc=/sys/kernel/debug/nvgsp/$pci/rpc
    # Idle long enough for one heartbeat that GSP-RM answers.
    for _ in $(seq 300); do [ "$(sed -n "s/^heartbeats: //p" $rpc)" -ge 1 ] && break; sleep 0.1; done
    echo "idle: $(grep -e "^calls:" -e heartbeats -e timeouts $rpc | tr "\n" " ")"
    t0=$(cut -d" " -f1 /proc/uptime)
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-hang
    for _ in $(seq 400); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.1; done
    t1=$(dmesg | sed -n "s/^\[ *\([0-9.]*\)\].*GSP-RM hung.*/\1/p" | head -n1)
    echo "detected: $(awk -v a=$t0 -v b=$t1 "BEGIN { if (b == \"\") print \"never\"; else printf \"%.1f s after the hang\", b - a }")"
    echo "after: $(grep -e gsp_rm_losses -e recoveries -e heartbeats $rpc | tr "\n" " ")"
    r=$(cat /sys/kernel/debug/nvgsp/$pci/rpc_null)
    echo "call after recovery: ${r#* }"
'
expect_ok
expect_out '^idle: calls: [0-9]+ timeouts: 0 heartbeats: [1-9]'
echo "$VM_OUT" | grep '^detected:' >&2
# Detected by the heartbeat, within its bound (21 s, plus log slack).
expect_out '^detected: ([0-9]|1[0-9]|2[0-9])\.[0-9] s after the hang$'
expect_out '^after: gsp_rm_losses: 1 recoveries: 1 heartbeats: ([4-9]|[1-9][0-9])'
expect_out '^call after recovery: ok$'
expect_log_count 'GSP-RM hung \(3 calls in a row timed out\): resetting the GPU' 1
expect_log_count 'GSP RPC GSP_RM_CONTROL \(sequence [0-9]+\) timed out' 3
expect_log 'GSP-RM recovered: clients resumed'
# Every ping was answered as asked: none refused (a ping at a handle
# GSP-RM does not know comes back NV_ERR_INVALID_CLIENT, logged).
! matches 'GSP-RM control failed' "$VM_LOG" || fail "GSP-RM refused a heartbeat ping"
