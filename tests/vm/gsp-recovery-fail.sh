# When recovery cannot bring a client or the GPU back. GSP-RM crashes
# under load (emulator --fault gsp-crash, twice):
#   1. the DRM test client was told to fail its rebuild (`fail-reset`):
#      after the recovery the core unbinds it, and the VFIO client goes on;
#   2. GSP-RM then crashes during every boot of the next recovery
#      (gsp-crash-boot@3:3): after three attempts the core gives the GPU
#      up, unbinds the remaining client, and calls fail with ENODEV.
# Rebinding the core brings the GPU and both clients back. No leak, no
# warning.
. tests/lib.sh
vm --no-load --timeout 300 --emu --fault --emu gsp-crash:2 \
    --emu --fault --emu gsp-crash-boot@3:3 -- bash -c '
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    bound() { [ -e /sys/bus/auxiliary/devices/nvgsp_core.$1.*/driver ] && echo yes || echo no; }
    wait_bound() {
        for _ in $(seq 600); do
            [ "$(bound drm) $(bound vfio)" = "$1 $2" ] && return
            sleep 0.1
        done
    }
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    v=$(echo /sys/kernel/debug/nvgsp_core.vfio.*/ctl)
    echo fail-reset >$d
    echo channel-object >$d && echo channel-object >$v
    echo "load 1" >$v
    wait_bound no yes
    for _ in $(seq 100); do grep -q "^resets: prepare 1 done 1 " $v && break; sleep 0.1; done
    echo "first: drm $(bound drm), vfio $(bound vfio) $(grep resets: $v)"
    # (No NULL control here: the next one crashes GSP-RM.)
    echo channel-object >$v && echo "vfio after: $(grep last: $v)"
    echo "load 1" >$v
    wait_bound no no
    echo "second: drm $(bound drm), vfio $(bound vfio), rpc_null $(cut -d" " -f2- /sys/kernel/debug/nvgsp/$pci/rpc_null)"
    echo "stats: $(grep -e gsp_rm_losses -e recoveries /sys/kernel/debug/nvgsp/$pci/rpc | tr "\n" " ")"
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/bind
    wait_bound yes yes
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    v=$(echo /sys/kernel/debug/nvgsp_core.vfio.*/ctl)
    echo "load 2" >$d && echo "load 2" >$v
    echo "rebound: drm $(grep load: $d), vfio $(grep load: $v)"
    rmmod nvgsp_test
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^first: drm no, vfio yes resets: prepare 1 done 1 rebuilt 1$'
expect_out '^vfio after: last: ok [0-9]+ [0-9]+$'
expect_out '^second: drm no, vfio no, rpc_null error -19$'
expect_out '^stats: gsp_rm_losses: 2 recoveries: 1 $'
expect_out '^rebound: drm load: ok 6 eagain 0 enodev 0 etimedout 0 other 0, vfio load: ok 6 eagain 0 enodev 0 etimedout 0 other 0$'
expect_out '^kmemleak: clean$'
expect_log_count 'GSP-RM crashed \(its core halted, MAILBOX0 0xbad0dead\): resetting the GPU' 2
expect_log_count 'unbinding the drm client' 1
expect_log_count 'unbinding the vfio client' 1
expect_log_count 'GSP-RM halted during its initialization' 3
expect_log_count 'recovery: attempt [123] of 3 failed' 3
expect_log_count 'cannot recover GSP-RM: the GPU is unusable until it is bound again' 1
expect_log_count 'GSP-RM recovered' 1
expect_log_count 'GSP-RM 570\.144 ready' 3
expect_log_count 'GSP-RM shut down' 1
# Every reset was a reset of the PCI function (FLR: a GA102 sets
# No_Soft_Reset), one before each boot attempt and one after the last
# failed one.
expect_log_count 'no PCI function reset' 0
expect_emu_log_count 'function level reset' 5
expect_clean_log
