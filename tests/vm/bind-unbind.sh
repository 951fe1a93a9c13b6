# Unbinding and rebinding each client, and the core from the PCI device,
# repeatedly: no warning, no leak, and the stack works again after each.
# Each core unbind shuts GSP-RM down and each bind boots it again, without
# a device reset in between.
. tests/lib.sh
vm --profile full -- bash -c '
    set -e
    aux=/sys/bus/auxiliary
    drm=$(basename $aux/devices/nvgsp_core.drm.*)
    vfio=$(basename $aux/devices/nvgsp_core.vfio.*)
    pci=$(basename "$(readlink -f $aux/devices/$drm/..)")
    for i in 1 2 3 4 5; do
        echo $drm >$aux/drivers/nvgsp_drm.nvgsp_drm/unbind
        [ ! -e /dev/dri/renderD128 ] || { echo "render node survived unbind"; exit 1; }
        echo $drm >$aux/drivers/nvgsp_drm.nvgsp_drm/bind
        echo $vfio >$aux/drivers/nvgsp_vfio.nvgsp_vfio/unbind
        echo $vfio >$aux/drivers/nvgsp_vfio.nvgsp_vfio/bind
        echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind
        [ -z "$(ls $aux/devices)" ] || { echo "aux devices survived core unbind"; exit 1; }
        echo $pci >/sys/bus/pci/drivers/nvgsp_core/bind
        for _ in $(seq 300); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
        nvgspctl info >/dev/null
        echo "cycle $i ok"
    done
    nvgspctl info
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^cycle 5 ok$'
expect_out 'GA102 \(chipset 0x172\)'
expect_out '^kmemleak: clean$'
expect_log_count 'GSP-RM 570\.144 ready' 6
expect_log_count 'GSP-RM shut down' 5
expect_clean_log
