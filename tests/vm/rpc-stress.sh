# 10,000 RPCs to GSP-RM from 8 threads at once (NV2080_CTRL_CMD_NULL through
# the core's debugfs probe): every one answered, none timed out, no bad or
# unexpected message, and the core's counters agree. Then 200 RPCs of
# 150,000 bytes each way from 4 threads: split over continuation records
# and reassembled, both directions, intact.
. tests/lib.sh
vm --timeout 400 -- bash -c '
    mount -t debugfs none /sys/kernel/debug
    d=$(echo /sys/kernel/debug/nvgsp/*)
    before=$(sed -n "s/^calls: //p" $d/rpc)
    nvgspctl bench $d/rpc_null 8 10000 || exit 1
    after=$(sed -n "s/^calls: //p" $d/rpc)
    echo "rpc calls counted: $((after - before))"
    nvgspctl bench $d/rpc_large 4 200 || exit 1
    sed "s/^/stats /" $d/rpc
'
expect_ok
expect_out 'rpc_null: 10000 calls, 0 errors, 8 threads'
expect_out '^rpc calls counted: 1000[0-9]$'
expect_out 'rpc_large: 200 calls, 0 errors, 4 threads'
expect_out '^stats timeouts: 0$'
expect_out '^stats bad_messages: 0$'
expect_out '^stats unexpected_replies: 0$'
expect_clean_log
