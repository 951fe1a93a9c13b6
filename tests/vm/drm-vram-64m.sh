# A VRAM object of 64 MiB + 64 KiB through the render node, on the debug
# kernel, with 512 MiB of VRAM and a 128 MiB BAR1: created from the DRM
# share, cleared by the core through BAR1 before its first mapping, filled
# by the CPU through BAR1 (a MiB at a time, each MiB's last word read
# back), read back through another mapping (its first and last 64 KiB and
# a word of every 64 KiB page), and found whole in VRAM by the emulator's
# GPU: its hash of the object's VRAM is the hash of what was written, and
# its first and last words are where BAR1 and the file's VA space put
# them, in 2 MiB pages and, at the end, a 64 KiB page. The core's clear
# and the CPU's writes, 64 MiB each through the emulator's trapped BAR1,
# take about a minute (`make bench` measures its rate; reading all of it
# back would take minutes more). No BAR1 fault, no defect counted by the
# emulator, and no leak at the end.
. tests/lib.sh
vm --profile debug --emu --vram --emu 512M --emu --bar1 --emu 128M -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    mount -t debugfs none /sys/kernel/debug 2>/dev/null
    "$NVGSP_TOP/tests/guest/vram-object" $(((64 << 20) + (64 << 10)))
    echo "emulator: $("$NVGSP_TOP/tests/guest/emu-query" bar1)"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^gem vram: bar1 126 MiB$'
expect_vram_object $(((64 << 20) + (64 << 10)))
expect_out '^emulator: bar1: size 0x8000000 .*faults 0 sparse 0 defects 0$'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
