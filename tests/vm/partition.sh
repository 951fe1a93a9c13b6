# Resource partitioning on the debug kernel (KASAN, lockdep, kmemleak,
# DEBUG_OBJECTS): the test client (drivers/test) binds both the DRM and the
# VFIO auxiliary device and, from two processes at once, allocates VRAM in
# 1 MiB pieces and channel IDs until each kind hits its share. Each stops
# with ENOSPC within one piece of its limit, the remainder fits exactly and
# one more page does not. A policy that would orphan allocations is refused
# with EBUSY, a malformed one with EINVAL, each with one log line; unbinding
# the clients returns everything. No leak, no checker finding.
. tests/lib.sh
vm --profile debug --no-load --timeout 500 --emu --vram --emu 1G --emu --channels --emu 64 -- bash -c '
    # The test client takes both devices: no MODALIAS loading of the real ones.
    "$NVGSP_TOP/tests/guest/test-clients" partition=drm=50%,vfio=50% || exit 1
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    p=/sys/bus/pci/devices/$pci/partition
    for k in drm vfio; do
        echo "$k bound to $(basename "$(readlink /sys/bus/auxiliary/devices/nvgsp_core.$k.*/driver)")"
    done
    echo "policy at load: $(cat $p/policy)"
    echo "drm=75%,vfio=25%" >$p/policy && echo "policy now: $(cat $p/policy)"
    for f in vram_total channels_total drm_vram_limit vfio_vram_limit drm_channels_limit vfio_channels_limit; do
        echo "$f: $(cat $p/$f)"
    done
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    v=$(echo /sys/kernel/debug/nvgsp_core.vfio.*/ctl)
    # Placement: aligned, and inside a window.
    echo "vram 3M 2M" >$d && echo "aligned: $(grep last: $d)"
    echo free-vram >$d
    # Both kinds at once, up to and past their shares.
    (echo "fill-vram 1M" >$d; echo fill-channels >$d) &
    (echo "fill-vram 1M" >$v; echo fill-channels >$v) &
    wait
    for k in drm vfio; do
        f=$(echo /sys/kernel/debug/nvgsp_core.$k.*/ctl)
        echo "$k fill: $(grep last: $f)"
        limit=$(cat $p/${k}_vram_limit) used=$(cat $p/${k}_vram_used)
        echo "$k vram used $used of $limit"
        rest=$((limit - used))
        if [ $rest -gt 0 ]; then
            echo "vram $rest" >$f && echo "$k remainder: $(grep last: $f | cut -d" " -f2)"
        else
            echo "$k remainder: ok"
        fi
        echo "vram 4K" >$f && echo "$k one page more: $(grep last: $f)"
        echo "$k at limit: $([ "$(cat $p/${k}_vram_used)" = "$limit" ] && echo yes || echo no)"
        echo "$k channels used $(cat $p/${k}_channels_used) of $(cat $p/${k}_channels_limit)"
    done
    echo channel >$d && echo "drm channel past share: $(grep last: $d)"
    cat /sys/kernel/debug/nvgsp/$pci/partition | sed "s/^/debugfs: /"
    echo "drm=10%,vfio=90%" >$p/policy 2>/dev/null || echo "orphaning policy refused: $?"
    echo "gpu=5%" >$p/policy 2>/dev/null || echo "malformed policy refused: $?"
    echo "policy still: $(cat $p/policy)"
    rmmod nvgsp_test
    for f in drm_vram_used vfio_vram_used drm_channels_used vfio_channels_used; do
        echo "after unbind $f: $(cat $p/$f)"
    done
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
# Nothing of the clients stayed in GSP-RM either.
expect_gsp_rm_left_clean 1
expect_out '^drm bound to nvgsp_test\.nvgsp_test$'
expect_out '^vfio bound to nvgsp_test\.nvgsp_test$'
expect_out '^policy at load: drm=50%,vfio=50%$'
expect_out '^policy now: drm=75%,vfio=25%$'
expect_out '^channels_total: 63$'
aligned=$(sed -n 's/^aligned: last: ok \([0-9]*\) 3145728$/\1/p' <<<"$VM_OUT")
[ -n "$aligned" ] && [ $((aligned % (2 << 20))) = 0 ] || fail "3 MiB at 2 MiB alignment came back at '$aligned'"
expect_out '^drm_channels_limit: 47$'
expect_out '^vfio_channels_limit: 15$'
for k in drm vfio; do
    expect_out "^$k fill: last: ok [0-9]+ error -28\$"
    expect_out "^$k remainder: ok\$"
    expect_out "^$k one page more: last: error -28\$"
    expect_out "^$k at limit: yes\$"
done
expect_out '^drm channels used 47 of 47$'
expect_out '^vfio channels used 15 of 15$'
expect_out '^drm channel past share: last: error -28$'
expect_out '^debugfs: drm: vram [0-9]+/[0-9]+ in [0-9]+ allocations, channels 47/47, refused [1-9]'
expect_out '^orphaning policy refused: 1$'
expect_out '^malformed policy refused: 1$'
expect_out '^policy still: drm=75%,vfio=25%$'
for f in drm_vram_used vfio_vram_used drm_channels_used vfio_channels_used; do
    expect_out "^after unbind $f: 0\$"
done
expect_out '^kmemleak: clean$'
expect_log_count "partition policy 'drm=10%,vfio=90%' refused: drm holds more than that share" 1
expect_log_count "partition policy 'gpu=5%' refused: unknown client kind" 1
expect_clean_log
