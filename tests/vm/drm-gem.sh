# GEM objects in system memory through the render node, on the debug kernel
# (KASAN, lockdep, kmemleak): created, filled through a CPU mapping, read
# back through another mapping and through a second open file that imported
# the object as a dma-buf (PRIME), 4 KiB and 64 MiB; every malformed request
# refused with its error; a process killed holding a mapped, exported
# object; after unloading, no leak and no RM client left in
# GSP-RM (the DRM device's handle on the core is gone with it).
. tests/lib.sh
vm --profile debug -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    nvgspctl gem check 1 || exit 1
    nvgspctl gem check $((64 << 20)) || exit 1
    nvgspctl gem errors || exit 1
    # A process killed with its object mapped and exported.
    nvgspctl gem hold $((1 << 20)) >/tmp/hold &
    for _ in $(seq 100); do grep -q holding /tmp/hold && break; sleep 0.1; done
    cat /tmp/hold
    kill -9 $! && wait $!
    echo "holder killed: $?"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^vram share: [1-9][0-9]* MiB, 0 MiB used$'
# One page for a byte; the three views of each object agree.
expect_out '^gem: system 4096 bytes \(asked 1\), written ([0-9a-f]{16}), read back \1, imported 4096 bytes \1$'
expect_out '^gem: system 67108864 bytes \(asked 67108864\), written ([0-9a-f]{16}), read back \1, imported 67108864 bytes \1$'
expect_out '^gem: after close: ENOENT$'
expect_out '^gem create zero size: EINVAL$'
expect_out '^gem create huge size: EINVAL$'
expect_out '^gem create no domain: EINVAL$'
expect_out '^gem create two domains: EINVAL$'
expect_out '^gem create vram: EOPNOTSUPP$'
expect_out '^gem create flags: EINVAL$'
expect_out '^gem create pad: EINVAL$'
expect_out '^gem info of another file.s handle: ENOENT$'
expect_out '^gem info of an unknown handle: ENOENT$'
expect_out '^gem: holding 1048576 bytes, mapped and exported$'
expect_out '^holder killed: 137$'
expect_out '^kmemleak: clean$'
expect_gsp_rm_left_clean 1
expect_clean_log
