# rmmod/modprobe of every module in every order the kernel allows, several
# times: the core cannot go while a client holds it, everything else works,
# with no warning and no leak.
. tests/lib.sh
vm --profile full -- bash -c '
    set -e
    settle() { for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && [ -e /sys/bus/auxiliary/devices/nvgsp_core.vfio.*/driver ] && return; sleep 0.1; done; echo "clients did not come back"; exit 1; }
    for i in 1 2 3; do
        if rmmod nvgsp_core 2>/dev/null; then echo "core unloaded under its clients"; exit 1; fi
        rmmod nvgsp_drm; rmmod nvgsp_vfio; rmmod nvgsp_core
        modprobe nvgsp_core; settle
        rmmod nvgsp_vfio; rmmod nvgsp_drm; rmmod nvgsp_core
        modprobe nvgsp_drm; modprobe nvgsp_vfio; modprobe nvgsp_core; settle
        rmmod nvgsp_drm; modprobe nvgsp_drm; settle
        nvgspctl info >/dev/null || exit 1
        echo "cycle $i ok"
    done
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core
    lsmod | grep nvgsp && exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^cycle 3 ok$'
expect_out '^kmemleak: clean$'
expect_clean_log
