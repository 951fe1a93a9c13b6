# Userspace finds the DRM device the way Mesa's and Vulkan's loaders do:
# libdrm's drmGetDevices2() lists it with its PCI bus address and IDs
# (tests/guest/drm-devices.c), because its parent is the GPU's PCI function,
# not the auxiliary device nvgsp_drm binds (libdrm skips buses it does not
# know). drm_info and modetest open it without crashing; both want KMS,
# which nvgsp_drm does not have, so they list nothing. Unloading nvgsp_drm
# alone, while the core stays bound to the PCI function, takes the device
# away, and loading it again brings it back.
. tests/lib.sh
vm --profile debug -- bash -c '
    devices=$NVGSP_TOP/build/guest/drm-devices
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && [ -e /dev/dri/card0 ] && break; sleep 0.1; done
    echo "parent $(basename "$(readlink -f /sys/class/drm/renderD128/device)")" \
        "on $(basename "$(readlink /sys/class/drm/renderD128/device/subsystem)")"
    "$devices" /dev/dri/renderD128 /dev/dri/card0; echo "drm-devices exit $?"
    drm_info -j >/dev/null 2>/tmp/drm_info.err; echo "drm_info exit $?"
    sed "s/^/drm_info: /" /tmp/drm_info.err
    modetest -M nvgsp -c >/tmp/modetest.out 2>&1; echo "modetest exit $?"
    sed "s/^/modetest: /" /tmp/modetest.out
    rmmod nvgsp_drm; echo "rmmod exit $?"
    ls /dev/dri 2>/dev/null | sed "s/^/left: /"
    "$devices" 2>&1 | sed "s/^/after rmmod: /"
    modprobe nvgsp_drm; echo "modprobe exit $?"
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && [ -e /dev/dri/card0 ] && break; sleep 0.1; done
    "$devices" /dev/dri/renderD128 | sed "s/^/again: /"
'
expect_ok
expect_out '^parent 0000:01:00\.0 on pci$'
expect_out '^devices 1$'
expect_out '^device pci 0000:01:00\.0 10de:2204 nodes: /dev/dri/card0 /dev/dri/renderD128$'
expect_out '^node /dev/dri/renderD128 driver nvgsp pci 0000:01:00\.0 10de:2204$'
expect_out '^node /dev/dri/card0 driver nvgsp pci 0000:01:00\.0 10de:2204$'
expect_out '^drm-devices exit 0$'
# drm_info lists only devices with KMS: it says so and ends normally.
expect_out '^drm_info exit 0$'
expect_out '^drm_info: drmModeGetResources: Operation not supported$'
expect_out '^modetest: opened device `nvgsp: NVIDIA GSP-RM GPUs` on driver `nvgsp`'
expect_out '^modetest exit 1$'
expect_out '^rmmod exit 0$'
expect_no_out '^left: '
expect_out '^after rmmod: drmGetDevices2: No such file or directory$'
expect_out '^modprobe exit 0$'
expect_out '^again: device pci 0000:01:00\.0 10de:2204 nodes: /dev/dri/card0 /dev/dri/renderD128$'
expect_out '^again: node /dev/dri/renderD128 driver nvgsp pci 0000:01:00\.0 10de:2204$'
expect_clean_log
