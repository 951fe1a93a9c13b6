# The boot chain failing at each step, one boot each (emulator --fault):
# FWSEC-FRTS reports an error, booter_load rejects the image, the RISC-V
# core never starts, GSP-RM never finishes its init, its CPU sequencer
# program carries an unknown opcode, SEC2-RTOS fails to resume GSP-RM for
# the program's CORE_RESUME, GET_GSP_STATIC_INFO fails. Each failed probe
# logs its reason once, leaves no client device and puts the GPU back
# (FWSEC-SB, booter_unload), so the next bind boots; the eighth bind, with
# no fault left, works. No leak.
. tests/lib.sh
faults=()
for f in fwsec-frts booter-load no-riscv-start no-init-done bad-sequencer resume-fail \
    static-info-error; do
    faults+=(--emu --fault --emu "$f")
done
vm --timeout 400 "${faults[@]}" -- bash -c '
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    for i in 1 2 3 4 5 6 7; do
        echo "boot $i: aux devices $(ls /sys/bus/auxiliary/devices | wc -l)"
        echo $pci >/sys/bus/pci/drivers/nvgsp_core/bind 2>/dev/null
    done
    for _ in $(seq 300); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    nvgspctl info
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
for i in 1 2 3 4 5 6 7; do expect_out "^boot $i: aux devices 0\$"; done
expect_out 'GA102 \(chipset 0x172\) revision A1$'
expect_out '^kmemleak: clean$'
expect_log_count 'FWSEC-FRTS returned error code 0x42' 1
expect_log_count 'booter_load failed with status 0xbad00005' 1
expect_log_count 'GSP RISC-V core did not start' 1
expect_log_count 'GSP-RM did not finish its initialization' 1
expect_log_count 'GSP-RM sent a malformed sequencer program: UnknownOpcode' 1
expect_log_count 'SEC2-RTOS failed to resume GSP-RM \(status 0xbad0000b\)' 1
expect_log_count 'GSP-RM GET_GSP_STATIC_INFO failed: NV_ERR_GENERIC' 1
expect_log_count 'GSP-RM 570\.144 ready' 2
expect_log_count 'nvgsp_core .*: GA102: NVIDIA GeForce RTX 3090' 1
expect_clean_log
