# The nvgsp-proto parsers under libFuzzer (scripts/fuzz, no VM): every
# target for 5 s (NVGSP_FUZZ_SECONDS overrides) from its seeds; fails on
# any crash or hang, with the path of the input that triggers it.
. tests/lib.sh
out=$(scripts/fuzz --seconds "${NVGSP_FUZZ_SECONDS:-5}" 2>&1) || {
    echo "$out" | tail -n 60 >&2
    fail "scripts/fuzz failed"
}
