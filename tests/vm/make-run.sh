# make run: boots the full profile and shows the stack at work.
. tests/lib.sh
out=$(make -s run 2>&1) || { echo "$out" | tail -n 40 >&2; fail "make run failed"; }
VM_OUT=$out
expect_out '^nvgsp_core .* 2 nvgsp_(vfio,nvgsp_drm|drm,nvgsp_vfio)$'
expect_out 'nvgsp_core [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: NVIDIA GA102 \(Ampere\), revision A1$'
expect_out 'MSI-X interrupt self-test passed'
expect_out 'Kernel driver in use: nvgsp_core$'
expect_out '^  nvgsp_core\.drm\.[0-9]+ +-> nvgsp_drm\.nvgsp_drm$'
expect_out '^  nvgsp_core\.vfio\.[0-9]+ +-> nvgsp_vfio\.nvgsp_vfio$'
expect_out '^  /dev/dri/renderD128: GA102 \(chipset 0x172\) revision A1$'
expect_out "opened device .nvgsp: NVIDIA GSP-RM GPUs. on driver .nvgsp."
