# VRAM GEM objects through the render node, mapped by the CPU through
# BAR1, on the debug kernel, with 512 MiB of VRAM and a 16 MiB BAR1
# (smaller than VRAM, as on real boards, and than the DRM share, so BAR1
# fills up first; BAR1 offsets are not VRAM offsets). Objects are small:
# the emulator traps every BAR1 access, and its BAR1 writes drain at a few
# MB/s (`make bench`), behind which every other access of the driver
# waits:
# - an object of 2 MiB + 64 KiB is created from the DRM share, filled
#   through one mapping, its ends read back through another; the
#   emulator's GPU, asked where BAR1 puts the object (the control port's
#   `translate bar1` probe), finds the object's VRAM range (debugfs
#   `bar1`) and in it the first and last words written, in 2 MiB and
#   64 KiB pages, and VRAM's hash of the range (`vram-sum`) is the hash of
#   all that was written; the same words through the file's GPU VA space
#   (VM_BIND), and in 4 KiB pages where the VA says so;
# - a new object reads zeroes, not what a freed one held;
# - what VRAM objects refuse: private writable mappings, export;
# - the share filled until ENOSPC; BAR1 filled until mmap gets ENOSPC, and
#   a freed object's range used again; closing gives everything back;
# - a process killed with a VRAM object mapped leaves nothing behind;
# - GSP-RM crashes under a mapped VRAM object: while the GPU is reset an
#   access waits (no BAR1 access reaches the unbound BAR1), and afterwards
#   the mapping reaches the same VRAM (BAR1 taken back by the core, at
#   the page where the rebooted GSP-RM put its PD3 this time);
# - the GPU unbound under a process with a VRAM object mapped: its next
#   access raises SIGBUS (the memory is gone, and no stale page is reached);
# - BAR1 is the core's: no BAR1 access faulted, the driver never wrote
#   GSP-RM's BAR1 binding or reserved memory (the emulator's counters), and
#   GSP-RM gets its BAR1 page directory back at unload.
# No leak at the end.
. tests/lib.sh
vm --profile debug --emu --vram --emu 512M --emu --bar1 --emu 16M -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    mount -t debugfs none /sys/kernel/debug 2>/dev/null
    bar1=$(echo /sys/kernel/debug/nvgsp/*/bar1)
    emu_query="$NVGSP_TOP/tests/guest/emu-query"
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    echo "bar1: $(head -n1 $bar1)"
    pdb=$(head -n1 $bar1 | cut -d" " -f4)
    # One object of 2 MiB + 64 KiB (2 MiB aligned), held while the GPU is
    # asked about it: through BAR1 and through the VA space of its file.
    "$NVGSP_TOP/tests/guest/vram-object" $(((2 << 20) + (64 << 10)))
    nvgspctl gem vram-limits || exit 1
    # A process killed with a VRAM object mapped.
    nvgspctl gem vram-hold $((128 << 10)) </dev/null >/tmp/hold &
    for _ in $(seq 300); do grep -q holding /tmp/hold && break; sleep 0.1; done
    kill -9 $! && wait $!
    echo "holder killed: $? ($(grep -c "^va " $bar1) mappings left)"
    # GSP-RM crashes under a mapped VRAM object: the mapping is taken
    # away while the core resets the GPU (an access waits), and maps the
    # same VRAM again once the core holds BAR1 again.
    mkfifo /tmp/poke3
    nvgspctl gem vram-hold $((128 << 10)) </tmp/poke3 >/tmp/hold3 &
    holder3=$!
    exec 4>/tmp/poke3
    for _ in $(seq 300); do grep -q holding /tmp/hold3 && break; sleep 0.1; done
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    echo >&4
    for _ in $(seq 600); do dmesg | grep -q "GSP-RM recovered" && break; sleep 0.1; done
    echo >&4
    for _ in $(seq 300); do [ "$(grep -c "looked again" /tmp/hold3)" = 2 ] && break; sleep 0.1; done
    sed "s/^/recovered holder: /" /tmp/hold3
    echo "bar1 after recovery: $(grep -c "^va " $bar1) mappings"
    [ "$(head -n1 $bar1 | cut -d" " -f4)" != "$pdb" ] && echo "bar1 after recovery: GSP-RM moved its PD3, the core followed"
    kill -9 $holder3; wait $holder3
    exec 4>&-
    # The GPU unbound under a mapped VRAM object.
    mkfifo /tmp/poke
    nvgspctl gem vram-hold $((128 << 10)) </tmp/poke >/tmp/hold2 &
    holder=$!
    exec 3>/tmp/poke
    for _ in $(seq 300); do grep -q holding /tmp/hold2 && break; sleep 0.1; done
    echo >&3
    for _ in $(seq 300); do grep -q "looked again" /tmp/hold2 && break; sleep 0.1; done
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind && echo "unbound while held"
    echo >&3
    wait $holder
    echo "holder after unbind: exit $?"
    exec 3>&-
    sed "s/^/second holder: /" /tmp/hold2
    echo "emulator: $($emu_query bar1)"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^bar1: size 0x1000000 pdb 0x[0-9a-f]+ tables 0x[0-9a-f]+$'
expect_out '^gem vram: bar1 14 MiB$'
expect_vram_object 2162688
expect_out '^gem vram-limits: share [0-9]+ MiB: 8 objects of [0-9]+ KiB, then ENOSPC$'
expect_out '^gem vram-limits: bar1 14 MiB: 3 objects of 3648 KiB mapped, then ENOSPC$'
expect_out '^gem vram-limits: after one was freed: ok, reads zeroes$'
expect_out '^gem vram-limits: share used at the end 0$'
expect_out '^holder killed: 137 \(0 mappings left\)$'
expect_out '^second holder: gem vram-hold: looked again: gem info ok, mapping unchanged$'
expect_out '^recovered holder: gem vram-hold: looked again: gem info ok, mapping unchanged$'
[ "$(grep -c '^recovered holder: gem vram-hold: looked again: gem info ok, mapping unchanged$' <<<"$VM_OUT")" = 2 ] ||
    fail "the holder did not read its VRAM twice across the recovery"
expect_out '^bar1 after recovery: 1 mappings$'
expect_out '^bar1 after recovery: GSP-RM moved its PD3, the core followed$'
expect_log 'GSP-RM recovered'
expect_out '^unbound while held$'
expect_out '^holder after unbind: exit 135$'
expect_out '^emulator: bar1: size 0x1000000 .*faults 0 sparse 0 defects 0$'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
