# BAR1 (VRAM) is shared memory between the guest and the emulator: the guest
# reads back what it wrote through a mapping of BAR1, and none of those
# accesses was trapped to the emulator (it logs trapped BAR1 accesses with -v).
. tests/lib.sh
vm --emu -v -- python3 -c '
import glob, mmap, os
dev = glob.glob("/sys/bus/pci/drivers/nvgsp_core/0000:*")[0]
size = os.path.getsize(dev + "/resource1")
print("bar1 size", size >> 20, "MiB")
fd = os.open(dev + "/resource1", os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, 1 << 20)
pattern = bytes(range(256)) * 16
for off in range(0, 1 << 20, 64 << 10):
    m[off:off + len(pattern)] = pattern
ok = all(m[off:off + len(pattern)] == pattern for off in range(0, 1 << 20, 64 << 10))
print("readback", "ok" if ok else "BAD")
'
expect_ok
expect_out '^bar1 size 256 MiB$'
expect_out '^readback ok$'
emu_log="$(dirname "$VM_LOG")/emu.log"
[ -s "$emu_log" ] || fail "no emulator log"
matches 'bar0 read 0x000a00' "$emu_log" || fail "verbose emulator log has no register accesses: is -v working?"
! matches 'bar1 trapped' "$emu_log" || fail "BAR1 accesses were trapped, not shared ($emu_log)"
