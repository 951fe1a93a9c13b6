# GSP-RM misbehaving on the message queue (emulator --fault): a bad
# checksum, a wrong length, an oversized element count, a wrong sequence
# number, an unknown function, no reply, a reply after the timeout and a
# duplicated reply, one call each in that order. Each is rejected with one
# log line; a call whose reply was lost fails with ETIMEDOUT (and says so);
# the next call works.
. tests/lib.sh
faults=()
for f in bad-checksum bad-length oversized-count wrong-sequence unknown-function \
    no-reply late-reply duplicate-sequence; do
    faults+=(--emu --fault --emu "$f")
done
vm --timeout 300 "${faults[@]}" -- bash -c '
    mount -t debugfs none /sys/kernel/debug
    d=$(echo /sys/kernel/debug/nvgsp/*)
    for i in 1 2 3 4 5 6 7 8 9; do
        echo "call $i: $(cut -d" " -f2- $d/rpc_null)"
    done
    sleep 2
    echo "call 10: $(cut -d" " -f2- $d/rpc_null)"
    sed "s/^/stats /" $d/rpc
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
for i in 1 2 3 4 6 7; do expect_out "^call $i: error -110\$"; done
for i in 5 8 9 10; do expect_out "^call $i: ok\$"; done
expect_log_count 'GSP sent a malformed message: BadChecksum' 1
expect_log_count 'GSP sent a malformed message: BadLength' 1
expect_log_count 'GSP sent a malformed message: BadElementCount\(17\)' 1
expect_log_count 'GSP sent a message with unknown function 0x7777' 1
expect_log_count 'GSP sent an unexpected reply GSP_RM_CONTROL \(sequence [0-9]+\): late, duplicated or unknown' 3
expect_log_count 'GSP RPC GSP_RM_CONTROL \(sequence [0-9]+\) timed out' 6
expect_out '^stats timeouts: 6$'
expect_out '^stats unexpected_replies: 3$'
expect_out '^kmemleak: clean$'
expect_clean_log
