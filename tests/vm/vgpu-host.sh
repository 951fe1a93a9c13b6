# The vGPU host on the minimal host profile (CONFIG_DRM=n): an A10 whose
# GSP-RM runs in SR-IOV mode, 4 virtual functions enabled through the
# core's sriov_configure, two vGPUs of different types created through
# nvgsp_vfio's sysfs files, each opened as a VFIO device by a VMM
# (tools/nvgsp-vmm, on vfio-ioctls) that checks its identity and that it
# cannot see the other's memory, and that a vGPU's memory is cleared when
# its VMM closes or resets it and before a new vGPU gets it; bad requests
# refused; destroyed and made again; GSP-RM left with nothing at unload.
. tests/lib.sh
vm --profile host --vfs 4 --timeout 500 \
    --emu --vram --emu 8G --emu --bar1 --emu 256M -- bash -c '
    set -u
    echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode
    pf=/sys/bus/pci/devices/0000:01:00.0
    echo "totalvfs: $(cat $pf/sriov_totalvfs)"
    echo 4 > $pf/sriov_numvfs && echo "numvfs: $(cat $pf/sriov_numvfs)"
    for l in $pf/virtfn*; do
        d=$(readlink -f $l)
        echo "vf $(basename $d): $(cat $d/vendor):$(cat $d/device) physfn $(basename $(readlink -f $d/physfn)) driver $(basename $(readlink -f $d/driver))"
    done
    v=/sys/bus/pci/devices
    a=0000:01:00.4 b=0000:01:00.5 c=0000:01:00.6
    echo "creatable:"; cat $v/$a/nvidia/creatable_vgpu_types
    echo 590 > $v/$a/nvidia/current_vgpu_type; echo "create a 590: $?"
    echo 591 > $v/$b/nvidia/current_vgpu_type; echo "create b 591: $?"
    echo "current a: $(cat $v/$a/nvidia/current_vgpu_type) b: $(cat $v/$b/nvidia/current_vgpu_type)"
    # Bad requests: an unknown type, a second type on a vGPU.
    echo 12345 > $v/$c/nvidia/current_vgpu_type; echo "create c 12345: $?"
    echo 590 > $v/$a/nvidia/current_vgpu_type; echo "create a twice: $?"
    # The vfio share of VRAM (about 3.7 GiB of 8) holds 1 + 2 GiB, not
    # another 2 GiB.
    echo 591 > $v/$c/nvidia/current_vgpu_type; echo "create c 591: $?"
    echo "current c: $(cat $v/$c/nvidia/current_vgpu_type)"
    for x in $a $b; do nvgsp-vmm info $x | sed "s/^/info $x: /"; done
    # Both open at once, as two running VMs: each filled, then each
    # scanned for the other pattern.
    nvgsp-vmm cross $a 1 $b 2 | sed "s/^/cross: /"
    # Closed, a vGPU memory is cleared: the next VM may be another
    # tenant.
    nvgsp-vmm zero $b | grep "^zero:" | sed "s/^/closed b: /"
    nvgsp-vmm bad $a | sed "s/^/bad a: /"
    # While a VMM holds a open: no destroying it, no disabling SR-IOV.
    nvgsp-vmm hold $a 20 > /tmp/hold.out 2>&1 &
    hold=$!
    sleep 3
    echo 0 > $v/$a/nvidia/current_vgpu_type; echo "destroy a while open: $?"
    echo 591 > $v/$a/nvidia/current_vgpu_type; echo "retype a while open: $?"
    echo 0 > $pf/sriov_numvfs; echo "disable sriov while open: $?"
    kill $hold; wait $hold 2>/dev/null
    # GSP-RM crashes under the vGPUs: the core recovers it, the plugin
    # tasks are started again, and the VMMs see the reset (the error
    # interrupt of the device); their vGPUs work afterwards.
    nvgsp-vmm wait-error $a 60 3 > /tmp/werr.out 2>&1 &
    werr=$!
    for _ in $(seq 300); do grep -q "^error irq: armed" /tmp/werr.out && break; sleep 0.1; done
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    wait $werr
    sed "s/^/crash a: /" /tmp/werr.out
    for _ in $(seq 100); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.2; done
    nvgsp-vmm cross $a 5 $b 4 | grep -E "^(a |b |a for b: |b for a: )(fill|scan):" |
        sed "s/^/after crash: /"
    # A reset (VFIO_DEVICE_RESET, a VM reboot) clears the guest memory.
    nvgsp-vmm reset $b 6 | grep -E "^(fill|reset|zero):" | sed "s/^/reset b: /"
    # GSP-RM lost while b is reset (its open, clear or task start fail
    # then): once recovered, b resets and clears as before.
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    for _ in $(seq 100); do [ "$(dmesg | grep -c "GSP-RM crashed")" -ge 2 ] && break; sleep 0.1; done
    nvgsp-vmm reset $b 8 > /dev/null 2>&1; echo "reset b in recovery: $?"
    for _ in $(seq 150); do [ "$(dmesg | grep -c "GSP-RM recovered")" -ge 2 ] && break; sleep 0.2; done
    nvgsp-vmm reset $b 9 | grep -E "^(fill|reset|zero):" | sed "s/^/reset b after recovery: /"
    # Destroyed and made again, on memory that holds something (as VRAM
    # does before the driver hands it out: its last user data, or
    # garbage after power-on): the new vGPU finds it cleared.
    fb_of() {
        dmesg | sed -n "s/.*$1: vGPU .* created: .* at VRAM \(0x[0-9a-f]*\),.*/\1/p" | tail -n 1
    }
    echo 0 > $v/$a/nvidia/current_vgpu_type; echo "destroy a: $?"
    was=$(fb_of $a)
    q="$NVGSP_TOP/tests/guest/emu-query"
    EMU_QUERY_TIMEOUT=60 "$q" vram-fill $was 0x40000000 0xa5 | sed "s/^.*: /dirty a: /"
    echo 590 > $v/$a/nvidia/current_vgpu_type; echo "create a again: $?"
    echo "same memory: $([ -n "$was" ] && [ "$was" = "$(fb_of $a)" ] && echo yes || echo no)"
    # Before any VMM opened it (each last close clears the memory too):
    # its first and last 64 MiB as the GPU sees them (the last out of
    # BAR1 reach), then all BAR1 shows.
    for at in $was $((was + 0x3c000000)); do
        "$q" vram-sum $at 0x4000000 | sed "s/^.*: /again a sum: /"
    done
    nvgsp-vmm zero $a | grep "^zero:" | sed "s/^/again a: /"
    nvgsp-vmm info $a | grep -E "^(device|subsystem|vf):" | sed "s/^/again a: /"
    echo 0 > $v/$a/nvidia/current_vgpu_type
    # A VF taken from nvgsp_vfio while a VMM holds it (a VF has no remove
    # file; SR-IOV cannot be disabled under a VMM): the unbind waits until
    # the VMM lets go (VFIO asks it to), then the vGPU goes; b carries on.
    echo 590 > $v/$c/nvidia/current_vgpu_type; echo "create c: $?"
    nvgsp-vmm hold $c 4 > /tmp/holdc.out 2>&1 &
    holdc=$!
    sleep 2
    echo $c > /sys/bus/pci/drivers/nvgsp_vfio/unbind
    echo "unbind c while open: $? $([ -e $v/$c/driver ] && echo bound || echo unbound)"
    wait $holdc
    grep "^hold:" /tmp/holdc.out | sed "s/^/c /"
    nvgsp-vmm fill $b 7 | grep "^fill:" | sed "s/^/b after c removed: /"
    echo 0 > $v/$b/nvidia/current_vgpu_type
    echo 0 > $pf/sriov_numvfs; echo "disable sriov: $? numvfs $(cat $pf/sriov_numvfs)"
    rmmod nvgsp_vfio nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'

expect_ok
expect_out '^totalvfs: 4$'
expect_out '^numvfs: 4$'
for f in 4 5 6 7; do
    expect_out "^vf 0000:01:00\\.$f: 0x10de:0x2236 physfn 0000:01:00\\.0 driver nvgsp_vfio\$"
done
expect_out '^590 +: NVIDIA A10-1Q$'
expect_out '^create a 590: 0$'
expect_out '^create b 591: 0$'
expect_out '^current a: 590 b: 591$'
expect_out '^create c 12345: 1$'
expect_log 'no vGPU type 12345'
expect_out '^create a twice: 1$'
expect_out '^create c 591: 1$'
expect_out '^current c: 0$'
expect_log 'cannot create a NVIDIA A10-2Q vGPU: Error\(28\)'
expect_log 'has a vGPU of type 590 already'
for x in 4 5; do
    expect_out "^info 0000:01:00\\.$x: vf: yes\$"
    expect_out "^info 0000:01:00\\.$x: boot0: 0x172000a1\$"
    expect_out "^info 0000:01:00\\.$x: device: 0x2236\$"
    expect_out "^info 0000:01:00\\.$x: bar1 sizes match: yes\$"
done
expect_out '^info 0000:01:00\.4: subsystem: 0x14b8$'
expect_out '^info 0000:01:00\.5: subsystem: 0x14b9$'
for x in a b; do
    expect_out "^cross: $x fill: 67108864 bytes, read back ok\$"
    expect_out "^after crash: $x fill: 67108864 bytes, read back ok\$"
done
for x in 'b for a' 'a for b'; do
    expect_out "^cross: $x: scan: 67108864 bytes, pattern words 0, nonzero words 8388608\$"
    expect_out "^cross: $x: scan elsewhere: 0\$"
    expect_out "^after crash: $x: scan: 67108864 bytes, pattern words 0, nonzero words 8388608\$"
done
expect_out '^closed b: zero: 67108864 bytes, all zero$'
for r in 'bar0 write at end' 'bar0 read across end' 'bar1 write at end' 'bar1 read across end' 'bar1 mmap past end'; do
    expect_out "^bad a: bad: $r: EINVAL\$"
done
expect_out '^destroy a while open: 1$'
expect_out '^retype a while open: 1$'
expect_log 'not destroyed: a VMM holds its VFIO device open'
expect_out '^disable sriov while open: 1$'
expect_log 'cannot disable SR-IOV: 1 virtual functions are assigned'
expect_out '^crash a: error irq: fired$'
expect_out '^crash a: kept: fill: 67108864 bytes, read back ok$'
expect_out '^reset b in recovery: 1$'
expect_log '0000:01:00\.5: vGPU NVIDIA A10-2Q not opened: (it cannot be reset: Error\(11\)|the GPU is being reset)'
expect_out '^reset b after recovery: fill: 67108864 bytes, read back ok$'
expect_out '^reset b after recovery: reset: ok$'
expect_out '^reset b after recovery: zero: 67108864 bytes, all zero$'
expect_out '^destroy a: 0$'
expect_out '^create a again: 0$'
expect_out '^again a: vf: yes$'
expect_out '^reset b: fill: 67108864 bytes, read back ok$'
expect_out '^reset b: reset: ok$'
expect_out '^reset b: zero: 67108864 bytes, all zero$'
expect_out '^dirty a: filled$'
expect_out '^same memory: yes$'
expect_out '^again a: zero: 67108864 bytes, all zero$'
# FNV-1a of 64 MiB of zeroes: the basis times the prime to the 2^26th
# (mod 2^64).
expect_out_count '^again a sum: fnv1a 0x805f256ad4222325$' 2
expect_out '^create c: 0$'
expect_out '^unbind c while open: 0 unbound$'
expect_log '0000:01:00\.6: No device request channel registered, blocked until released by user'
expect_out '^c hold: done$'
expect_out '^b after c removed: fill: 67108864 bytes, read back ok$'
expect_log '0000:01:00\.6: vGPU NVIDIA A10-1Q destroyed'
expect_out '^disable sriov: 0 numvfs 0$'
expect_log 'GSP-RM recovered'
# Every clear finished (a VMM killed while its vGPU is reset on its last
# close included), but those the second crash stopped (EAGAIN: the open
# in the recovery).
expect_log_count 'not reset after its VMM closed it' 0
if grep -E 'cannot clear the guest memory' "$VM_LOG" | grep -qvF 'Error(11)'; then
    fail "a clear failed other than by a GPU reset"
fi
expect_gsp_rm_left_clean 1
expect_clean_log
