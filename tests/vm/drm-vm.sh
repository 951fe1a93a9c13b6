# A file's GPU VA space through the render node (VM_INIT, VM_BIND), every
# resulting translation checked through the emulator's MMU (the control
# port's `translate` probe, which goes through the GPU's TLB, so a missed
# TLB invalidate shows as a stale translation), on the debug kernel:
# - objects whose 4 KiB pages are tagged (handle << 32 | page) mapped,
#   partly unmapped, remapped over and bound in one list; at each step the
#   GPU reads at a set of VAs exactly the tags nvgspctl's model of VM_BIND's
#   semantics says, and faults where it says nothing is mapped;
# - system memory in 4 KiB pages, read-write, coherent; VRAM in 2 MiB,
#   64 KiB and 4 KiB pages as the alignment says, split by partial
#   unmaps, remapped from an unaligned offset;
# - refused ops (unknown handle, another file's handle, misalignment, the
#   kernel's range, past the object, nonzero reserved fields) change
#   nothing and say how many ops took effect; VM_BIND before VM_INIT and a
#   second VM_INIT are refused;
# - a closed handle's object stays mapped until unmapped;
# - a closed file's VA space is gone from GSP-RM (the probe no longer knows
#   it), and a process killed with its objects mapped leaves nothing behind
#   (kmemleak; no RM client left in GSP-RM at unload);
# - the GPU unbound under a file with mappings: its VA space goes with the
#   binding, its VM_BIND fails with ENODEV, and its close is clean;
# - the page table budget (ENOSPC past 64 MiB of tables, given back by
#   unmapping) and the cap of 1024 VA spaces.
. tests/lib.sh
vm --profile debug -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    mount -t debugfs none /sys/kernel/debug 2>/dev/null
    # Room for the files of the VA space cap check.
    ulimit -n 4096
    listing=$(echo /sys/kernel/debug/nvgsp/*/vaspaces)
    emu_query="$NVGSP_TOP/tests/guest/emu-query"
    coproc VM { nvgspctl vm; }
    send() { echo "$*" >&${VM[1]}; IFS= read -r reply <&${VM[0]}; echo "$reply"; }
    # The GPU at each VA of $@ against the model: one line per VA.
    check() {
        local va exp got
        for va in "$@"; do
            exp=$(send expect $va)
            got=$($emu_query translate $client $vaspace $va) || { echo "probe: no answer"; return; }
            got=${got#*: }
            case "$exp" in
                unmapped) [[ $got == "fault "* ]] && echo "gpu $va: unmapped, faults" || echo "gpu $va: MISMATCH model unmapped, gpu $got" ;;
                tag\ *\ vram) t=${exp#tag }; t=${t% vram}
                    [[ $got =~ ^video\ 0x[0-9a-f]+\ page\ (4k|64k|2m)\ rw\ kind\ 0x0\ data\ $t$ ]] && echo "gpu $va: $t in a ${BASH_REMATCH[1]} vram page" || echo "gpu $va: MISMATCH model $exp, gpu $got" ;;
                tag\ *) [[ $got == "sys "*" page 4k rw vol kind 0x0 data ${exp#tag }" ]] && echo "gpu $va: ${exp#tag } in a 4k page" || echo "gpu $va: MISMATCH model $exp, gpu $got" ;;
            esac
        done
    }
    echo "bind before init: $(send map 1 0 0x200000000 0x1000)"
    echo "init: $(send init)"
    echo "init again: $(send init)"
    read -r _ _ client _ vaspace <<<"$(grep "^drm " $listing | tail -n1)"
    echo "listed: drm client $client vaspace $vaspace"
    a=$(send new 0x400000); b=$(send new 0x20000)
    echo "objects: $a, $b"
    V=0x200000000
    # 4 MiB of object 1 at V.
    echo "map: $(send map 1 0 $V 0x400000)"
    check 0x200000000 0x200001000 0x2001ff000 0x200200000 0x2003ff000 0x200400000 0x1ff000000
    # A hole cut in the middle, then a piece of object 2 over another part.
    echo "unmap middle: $(send unmap 0x200100000 0x3000)"
    echo "map over: $(send map 2 0x4000 0x200300000 0x8000)"
    check 0x2000ff000 0x200100000 0x200102000 0x200103000 0x2002ff000 0x200300000 0x200307000 0x200308000
    # One list: remap, unmap across two mappings, map again.
    printf "%s\n" bind "map 2 0 0x200000000 0x2000" "unmap 0x200306000 0x4000" "map 1 0x3ff000 0x200101000 0x1000" end >&${VM[1]}
    IFS= read -r reply <&${VM[0]}; echo "list: $reply"
    check 0x200000000 0x200001000 0x200002000 0x200100000 0x200101000 0x200102000 0x200305000 0x200306000 0x200309000 0x20030a000
    # Refused ops change nothing.
    echo "unknown handle: $(send map 9 0 $V 0x1000)"
    echo "misaligned va: $(send map 1 0 0x200000800 0x1000)"
    echo "misaligned range: $(send map 1 0 $V 0x1800)"
    echo "kernel range: $(send map 1 0 0x100000000 0x1000)"
    echo "past the object: $(send map 2 0x1f000 $V 0x2000)"
    echo "past the va range: $(send unmap 0x7ffffffff000 0x2000)"
    echo "zero range: $(send unmap $V 0)"
    printf "%s\n" bind "unmap 0x200000000 0x1000" "map 1 0 0x200000800 0x1000" "unmap 0x200001000 0x1000" end >&${VM[1]}
    IFS= read -r reply <&${VM[0]}; echo "list with a bad op: $reply"
    check 0x200000000 0x200001000
    # The other file: its own VA space, and this file handles are not its.
    other=$( (printf "%s\n" init "map 1 0 0x200000000 0x1000" quit | nvgspctl vm) | tr "\n" " ")
    echo "other file: $other"
    # VRAM: 2 MiB pages where VA and VRAM allow; a 64 KiB hole splits a
    # 2 MiB page into 64 KiB ones, a 4 KiB hole a 64 KiB page into 4 KiB
    # ones; a mapping from an offset that is not 64 KiB aligned takes
    # 4 KiB pages.
    W=0x300000000
    echo "vram object: $(send newvram 0x400000)"
    echo "vram map: $(send map 3 0 $W 0x400000)"
    check 0x300000000 0x3001ff000 0x300200000 0x3003ff000
    echo "vram unmap 64k: $(send unmap 0x300010000 0x10000)"
    check 0x300000000 0x300010000 0x30001f000 0x300020000 0x300200000
    echo "vram unmap 4k: $(send unmap 0x300021000 0x1000)"
    check 0x300020000 0x300021000 0x300022000 0x300030000
    echo "vram remap: $(send map 3 0x1000 0x300010000 0x10000)"
    check 0x300010000 0x30001f000 0x300020000
    echo "vram unmap: $(send unmap $W 0x400000)"
    check 0x300000000 0x300200000
    # A closed handle: the object stays mapped.
    echo "close: $(send close 2)"
    check 0x200300000
    echo "unmap all: $(send unmap 0x200000000 0x400000)"
    check 0x200300000 0x200101000
    send quit >/dev/null
    wait $VM_PID
    echo "after close: $($emu_query translate $client $vaspace 0x200000000 | sed "s/^[^:]*: //")"
    echo "listed after close: $(grep -c "^drm " $listing)"
    # The page table budget: one page mapped every 2 MiB takes a 4 KiB
    # table each, 64 MiB of them at most (with their directories); then
    # ENOSPC, and what an unmap frees can be mapped again.
    coproc VM { nvgspctl vm; }
    send init >/dev/null; send new 0x1000 >/dev/null
    total=0
    for round in $(seq 6); do
        { echo bind; for i in $(seq 0 4095); do printf "map 1 0 0x%x 0x1000\n" $(( (8 << 30) + ((round - 1) * 4096 + i) * (2 << 20) )); done; echo end; } >&${VM[1]}
        IFS= read -r reply <&${VM[0]}
        case "$reply" in
            "ok 4096") total=$((total + 4096)) ;;
            error*) total=$((total + ${reply##* })); break ;;
        esac
    done
    echo "budget: $reply after $total pages"
    echo "budget unmap: $(send unmap 0x200000000 0x1000000000)"
    echo "budget map again: $(send map 1 0 0x200000000 0x1000)"
    # The device holds at most 1024 VA spaces (this file has one).
    echo "vaspaces: $(send files 1100)"
    send quit >/dev/null
    wait $VM_PID
    # A process killed with its objects mapped.
    coproc VM { nvgspctl vm; }
    send init >/dev/null; send new 0x100000 >/dev/null
    echo "killed holder map: $(send map 1 0 0x200000000 0x100000)"
    kill -9 $VM_PID; wait $VM_PID
    echo "killed: $?"
    # The GPU unbound under a file with mappings: its VA space goes with
    # the binding, its calls then fail, and closing it later is clean.
    coproc VM { nvgspctl vm; }
    send init >/dev/null; send new 0x100000 >/dev/null
    echo "before unbind: $(send map 1 0 0x200000000 0x100000)"
    pci=$(lspci -D -d 10de: | cut -d" " -f1)
    echo $pci >/sys/bus/pci/drivers/nvgsp_core/unbind && echo "unbound with a VA space"
    echo "after unbind: $(send unmap 0x200000000 0x1000)"
    send quit >/dev/null
    wait $VM_PID
    echo "closed after unbind: $?"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^bind before init: error 2 done 0$'
expect_out '^init: va 0x200000000 0x800000000000$'
expect_out '^init again: error 17$'
expect_out '^listed: drm client 0x[0-9a-f]{8} vaspace 0x[0-9a-f]{8}$'
expect_out '^objects: handle 1 size 0x400000, handle 2 size 0x20000$'
for l in 'map: ok' 'unmap middle: ok' 'map over: ok' 'list: ok 3' 'close: ok' 'unmap all: ok'; do
    expect_out "^$l$"
done
expect_no_out 'MISMATCH|probe: no answer'
# The GPU's reads, in order: every mapped VA its tag, every hole a fault.
n_mapped=$(grep -Ec '^gpu 0x[0-9a-f]+: 0x[0-9a-f]+ in a 4k page$' <<<"$VM_OUT") || true
n_faults=$(grep -v '^gpu 0x3' <<<"$VM_OUT" | grep -Ec '^gpu 0x[0-9a-f]+: unmapped, faults$') || true
[ "$n_mapped" = 19 ] && [ "$n_faults" = 11 ] || fail "GPU reads: $n_mapped mapped, $n_faults faults (want 19, 11)"
expect_out '^gpu 0x200000000: 0x100000000 in a 4k page$'
expect_out '^gpu 0x2003ff000: 0x1000003ff in a 4k page$'
expect_out '^gpu 0x200400000: unmapped, faults$'
expect_out '^gpu 0x200100000: unmapped, faults$'
expect_out '^gpu 0x200103000: 0x100000103 in a 4k page$'
expect_out '^gpu 0x200300000: 0x200000004 in a 4k page$'
expect_out '^gpu 0x200308000: 0x100000308 in a 4k page$'
expect_out '^gpu 0x200101000: 0x1000003ff in a 4k page$'
expect_out '^gpu 0x200305000: 0x200000009 in a 4k page$'
expect_out '^gpu 0x200306000: unmapped, faults$'
# VRAM, page sizes as the alignment and the holes say (tags: handle 3).
expect_out '^vram object: handle 3 size 0x400000$'
for l in 'vram map: ok' 'vram unmap 64k: ok' 'vram unmap 4k: ok' 'vram remap: ok' 'vram unmap: ok'; do
    expect_out "^$l$"
done
# The GPU at each VRAM VA checked, in order.
vram_reads=$(grep '^gpu 0x3' <<<"$VM_OUT")
[ "$vram_reads" = "gpu 0x300000000: 0x300000000 in a 2m vram page
gpu 0x3001ff000: 0x3000001ff in a 2m vram page
gpu 0x300200000: 0x300000200 in a 2m vram page
gpu 0x3003ff000: 0x3000003ff in a 2m vram page
gpu 0x300000000: 0x300000000 in a 64k vram page
gpu 0x300010000: unmapped, faults
gpu 0x30001f000: unmapped, faults
gpu 0x300020000: 0x300000020 in a 64k vram page
gpu 0x300200000: 0x300000200 in a 2m vram page
gpu 0x300020000: 0x300000020 in a 4k vram page
gpu 0x300021000: unmapped, faults
gpu 0x300022000: 0x300000022 in a 4k vram page
gpu 0x300030000: 0x300000030 in a 64k vram page
gpu 0x300010000: 0x300000001 in a 4k vram page
gpu 0x30001f000: 0x300000010 in a 4k vram page
gpu 0x300020000: 0x300000020 in a 4k vram page
gpu 0x300000000: unmapped, faults
gpu 0x300200000: unmapped, faults" ] || fail "VRAM reads differ: $vram_reads"
expect_out '^unknown handle: error 2 done 0$'
for l in 'misaligned va' 'misaligned range' 'kernel range' 'past the object' 'past the va range' 'zero range'; do
    expect_out "^$l: error 22 done 0$"
done
expect_out '^list with a bad op: error 22 done 1$'
expect_out '^other file: va 0x200000000 0x800000000000 error 2 done 0 $'
expect_out '^after close: unknown vaspace$'
expect_out '^listed after close: 0$'
# 64 MiB of tables: one 4 KiB table per page mapped every 2 MiB, less
# those its directories take (a PD0 per GiB, the root's PD3, PD2 and PD1).
pages=$(sed -n 's/^budget: error 28 done [0-9]* after \([0-9]*\) pages$/\1/p' <<<"$VM_OUT")
[ -n "$pages" ] && [ "$pages" -gt 15800 ] && [ "$pages" -lt 16384 ] || fail "page table budget: ENOSPC after ${pages:-?} pages (want 15800..16383)"
expect_out '^budget unmap: ok$'
expect_out '^budget map again: ok$'
expect_out '^vaspaces: files 1023 error 28$'
expect_out '^killed holder map: ok$'
expect_out '^before unbind: ok$'
expect_out '^unbound with a VA space$'
expect_out '^after unbind: error 19 done 0$'
expect_out '^closed after unbind: 0$'
expect_out '^killed: 137$'
expect_out '^kmemleak: clean$'
expect_clean_log
expect_gsp_rm_left_clean 1
