# GEM objects in system memory through the render node, on the debug kernel
# (KASAN, lockdep, kmemleak):
# - created, filled through a CPU mapping, read back through another
#   mapping, through a second open file that imported the object as a
#   dma-buf (PRIME) and through the dma-buf's own mapping, 4 KiB and 64 MiB;
# - every malformed request refused with its error, handles per file,
#   another device's dma-buf and dumb buffers refused;
# - a process killed holding a mapped, exported object;
# - the GPU unbound while a process holds an object: its ioctls then fail
#   with ENODEV and its mapping still holds its data; the DRM device's RM
#   client goes at unbind all the same (none is left in GSP-RM when the
#   core unloads it), and the object goes when the process does;
# - the VRAM share GETPARAM gives is the partition's.
# No leak at the end.
. tests/lib.sh
vm --profile debug -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    p=/sys/bus/pci/devices/$pci/partition
    echo "partition drm vram: $(cat $p/drm_vram_limit) bytes, $(cat $p/drm_vram_used) used"
    nvgspctl gem check 1 || exit 1
    nvgspctl gem check $((64 << 20)) || exit 1
    nvgspctl gem errors || exit 1
    # A process killed with its object mapped and exported.
    nvgspctl gem hold $((1 << 20)) >/tmp/hold &
    for _ in $(seq 100); do grep -q holding /tmp/hold && break; sleep 0.1; done
    grep holding /tmp/hold
    kill -9 $! && wait $!
    echo "holder killed: $?"
    # The GPU unbound under a process holding an object, which then uses
    # its file (ENODEV) and its mapping (still its pages).
    mkfifo /tmp/poke
    nvgspctl gem hold $((1 << 20)) </tmp/poke >/tmp/hold2 &
    holder=$!
    exec 3>/tmp/poke
    for _ in $(seq 100); do grep -q holding /tmp/hold2 && break; sleep 0.1; done
    echo "before unbind" >&3
    for _ in $(seq 100); do grep -q "looked again" /tmp/hold2 && break; sleep 0.1; done
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind && echo "unbound while held"
    echo "after unbind" >&3
    for _ in $(seq 100); do [ "$(grep -c "looked again" /tmp/hold2)" = 2 ] && break; sleep 0.1; done
    sed "s/^/second holder: /" /tmp/hold2
    kill -9 $holder && wait $holder
    echo "holder killed after unbind: $?"
    exec 3>&-
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
share=$(sed -n 's/^partition drm vram: \([1-9][0-9]*\) bytes, 0 used$/\1/p' <<<"$VM_OUT")
[ -n "$share" ] || fail "no partition line"
expect_out "^vram share: $share bytes, 0 used$"
# One page for a byte; the four views of each object agree.
expect_out '^gem: system 4096 bytes \(asked 1\), written ([0-9a-f]{16}), read back \1, imported 4096 bytes \1, dma-buf \1$'
expect_out '^gem: system 67108864 bytes \(asked 67108864\), written ([0-9a-f]{16}), read back \1, imported 67108864 bytes \1, dma-buf \1$'
expect_out '^gem: after close: ENOENT$'
expect_out '^gem max size: 4096 MiB$'
expect_out '^gem create zero size: EINVAL$'
expect_out '^gem create max size \+ 1: EINVAL$'
expect_out '^gem create 1 TiB: EINVAL$'
expect_out '^gem create 2\^63: EINVAL$'
expect_out '^gem create no domain: EINVAL$'
expect_out '^gem create two domains: EINVAL$'
expect_out '^gem create flags: EINVAL$'
expect_out '^gem create pad: EINVAL$'
expect_out '^gem create max size: ok$'
expect_out '^gem info of this file.s handle ([0-9]+) in another file: ENOENT$'
expect_out '^gem handles: this file ([0-9]+) ([0-9]+), the other \1 \(8192 bytes, its own\)$'
expect_out '^gem info of an unknown handle: ENOENT$'
expect_out '^gem import of another device.s dma-buf: EINVAL$'
expect_out '^gem dumb buffer on the primary node: ENOSYS$'
expect_out '^gem: holding 1048576 bytes, mapped and exported$'
expect_out '^holder killed: 137$'
expect_out '^second holder: gem: holding 1048576 bytes, mapped and exported$'
expect_out '^second holder: gem: looked again: getparam ok, gem info ok, mapping unchanged$'
expect_out '^unbound while held$'
expect_out '^second holder: gem: looked again: getparam ENODEV, gem info ENODEV, mapping unchanged$'
expect_out '^holder killed after unbind: 137$'
expect_out '^kmemleak: clean$'
expect_gsp_rm_left_clean 1
expect_clean_log
