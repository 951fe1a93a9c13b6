# make run: boots the full profile and shows the stack at work.
. tests/lib.sh
out=$(make -s run 2>&1) || { echo "$out" | tail -n 40 >&2; fail "make run failed"; }
VM_OUT=$out
expect_out '^nvgsp_core .* 2 nvgsp_(vfio,nvgsp_drm|drm,nvgsp_vfio)$'
expect_out 'nvgsp_core [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: NVIDIA GA102 \(Ampere\), revision A1$'
expect_out 'MSI-X interrupt self-test passed'
# The boot chain's steps and the enumerated GPU.
expect_out 'GSP firmware 570\.144 loaded'
expect_out 'FWSEC-FRTS set up WPR2 at'
expect_out 'booter_load started GSP-RM'
expect_out 'GSP-RM 570\.144 ready \(boot took [0-9]+ ms\)'
expect_out 'GA102: NVIDIA GeForce RTX 3090, 256 MiB VRAM'
expect_out '^  engines +gr ce0 ce1 ce2 nvdec0 nvdec1 nvenc0 sec2 sw$'
expect_out '^  calls: [1-9]'

expect_out 'Kernel driver in use: nvgsp_core$'
expect_out '^  nvgsp_core\.drm\.[0-9]+ +-> nvgsp_drm\.nvgsp_drm$'
expect_out '^  nvgsp_core\.vfio\.[0-9]+ +-> nvgsp_vfio\.nvgsp_vfio$'
expect_out '^  /dev/dri/renderD128: GA102 \(chipset 0x172\) revision A1$'
expect_out "opened device .nvgsp: NVIDIA GSP-RM GPUs. on driver .nvgsp."
