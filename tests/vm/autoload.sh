# Client modules load by themselves, through the auxiliary devices' MODALIAS,
# once the core is loaded; and the core's parameters pick the client kinds.
. tests/lib.sh
vm --profile full --no-load -- bash -c '
    modprobe nvgsp_core
    for _ in $(seq 100); do
        [ -e /sys/bus/auxiliary/devices/nvgsp_core.drm.*/driver ] && [ -e /sys/bus/auxiliary/devices/nvgsp_core.vfio.*/driver ] && break
        sleep 0.1
    done
    lsmod | sed "s/^/loaded: /"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core
    modprobe nvgsp_core drm=0
    sleep 2
    ls -1 /sys/bus/auxiliary/devices | sed "s/^/only: /"
'
expect_ok
expect_out '^loaded: nvgsp_drm '
expect_out '^loaded: nvgsp_vfio '
expect_out '^only: nvgsp_core\.vfio\.[0-9]+$'
expect_no_out '^only: nvgsp_core\.drm'
expect_clean_log
