# The identity the core reports comes from the device: another chip is
# reported as that chip, and an unsupported one fails probe cleanly with one
# clear log line, leaving the module unloadable and no client device.
. tests/lib.sh

# An AD102 (NV_PMC_BOOT_42: architecture 0x19, implementation 2, rev A1).
vm --emu --boot42 --emu 0x192a1000 -- nvgspctl info
expect_ok
expect_out '^/dev/dri/renderD128: AD102 \(chipset 0x192\) revision A1$'
expect_log 'nvgsp_core .*: NVIDIA AD102 \(Ada\), revision A1'
# GSP-RM boots from AD102's own files (nvidia/ad102/gsp, .fwsignature_ad10x).
expect_log 'nvgsp_core .*: GSP-RM 570\.144 ready'
expect_clean_log

# Architecture 0x1f does not exist.
vm --emu --boot42 --emu 0x1f0a1000 -- bash -c '
    echo "aux devices: $(ls /sys/bus/auxiliary/devices | wc -l)"
    echo "bound: $(ls /sys/bus/pci/drivers/nvgsp_core | grep -c 0000:)"
    rmmod nvgsp_vfio nvgsp_drm nvgsp_core && echo "unloaded"
'
expect_ok
expect_out '^aux devices: 0$'
expect_out '^bound: 0$'
expect_out '^unloaded$'
[ "$(grep -c 'unsupported chipset 0x1f0 (NV_PMC_BOOT_42 0x1f0a1000)' "$VM_LOG")" = 1 ] ||
    fail "expected exactly one 'unsupported chipset' line"
expect_clean_log
