# GSP-RM boots through the real boot chain (booter_load on SEC2 verifying the
# radix3-mapped GSP-RM image) and the GPU it enumerates is what the emulator
# was configured as, in sysfs, debugfs and the client API. The GSP's
# interrupt comes on the CPU interrupt tree vector GSP-RM's table names
# (here not the default 155), which the core enables.
. tests/lib.sh
vm --emu --vram --emu 1G --emu --gpcs --emu 4 --emu --tpcs-per-gpc --emu 5 \
    --emu --engines --emu gr,ce0,ce1,nvdec0,nvenc0,sec2,sw \
    --emu --gsp-intr-vector --emu 37 -- bash -c '
    cd /sys/bus/pci/devices/*/gsp || exit 1
    for a in chipset name firmware_version vram_size usable_vram_size gpcs tpcs_per_gpc engines; do
        echo "sysfs $a: $(cat $a)"
    done
    mount -t debugfs none /sys/kernel/debug 2>/dev/null
    sed "s/^/debugfs /" /sys/kernel/debug/nvgsp/*/rpc
    # Each reply raises the GSP interrupt, polled for or not: three calls
    # bring three interrupts.
    irqs() { sed -n "s/^interrupts: //p" /sys/kernel/debug/nvgsp/*/rpc; }
    before=$(irqs)
    for i in 1 2 3; do cat /sys/kernel/debug/nvgsp/*/rpc_null >/dev/null; done
    sleep 0.5
    echo "interrupts from 3 calls: $(($(irqs) - before))"
    nvgspctl info
'
expect_ok
expect_out '^sysfs chipset: GA102$'
expect_out '^sysfs name: NVIDIA GeForce RTX 3090$'
expect_out '^sysfs firmware_version: 570\.144$'
expect_out '^sysfs vram_size: 1073741824$'
expect_out '^sysfs gpcs: 4$'
expect_out '^sysfs tpcs_per_gpc: 5$'
expect_out '^sysfs engines: gr ce0 ce1 nvdec0 nvenc0 sec2 sw$'
expect_out '^debugfs calls: [1-9][0-9]*$'
expect_out '^debugfs timeouts: 0$'
expect_out '^debugfs bad_messages: 0$'
expect_out '^debugfs events: 3$'
expect_out '^interrupts from 3 calls: ([3-9]|[1-9][0-9]+)$'
expect_out '^vram: 1024 MiB \([0-9]+ MiB usable\), 4 GPCs x 5 TPCs$'
expect_out '^engines: gr ce0 ce1 nvdec0 nvenc0 sw sec2$'
# The boot chain's steps, driver side and device side.
expect_log 'nvgsp_core .*: GSP firmware 570\.144 loaded'
expect_log 'nvgsp_core .*: FWSEC-FRTS set up WPR2 at 0x[0-9a-f]+\.\.0x[0-9a-f]+'
expect_log 'nvgsp_core .*: booter_load started GSP-RM'
expect_log 'nvgsp_core .*: GSP-RM 570\.144 ready \(boot took [0-9]+ ms\)'
expect_log 'nvgsp_core .*: GA102: NVIDIA GeForce RTX 3090, 1024 MiB VRAM'
expect_log "nvgsp_core .*: GSP interrupt on CPU interrupt tree vector 37 \(GSP-RM's table\): MSI-X interrupt self-test passed"
matches 'SEC2: GSP-RM image \([0-9]+ KiB through radix3\), bootloader and signature verified' "$(dirname "$VM_LOG")/emu.log" ||
    fail "the emulator did not verify the GSP-RM image"
matches 'GSP-RM: the CPU ran the sequencer program; resumed by SEC2-RTOS' "$(dirname "$VM_LOG")/emu.log" ||
    fail "the driver did not run GSP-RM's sequencer program"
matches 'SEC2: SEC2-RTOS resumed GSP-RM \(boot stage 3 handoff\)' "$(dirname "$VM_LOG")/emu.log" ||
    fail "the driver did not resume GSP-RM through SEC2-RTOS (CORE_RESUME)"
matches 'GSP-RM: init done' "$(dirname "$VM_LOG")/emu.log" || fail "GSP-RM did not finish init"
expect_clean_log
