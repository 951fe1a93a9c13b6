# The full profile: the three modules bound through the auxiliary bus, the
# chip identity read through the DRM render node by nvgspctl.
. tests/lib.sh
vm --profile full -- bash -c '
    lsmod
    for d in /sys/bus/auxiliary/devices/*; do
        echo "aux $(basename "$d") -> $(basename "$(readlink "$d/driver")")"
    done
    ls -1 /dev/dri
    nvgspctl info
    modinfo -F depends nvgsp_drm | sed "s/^/drm-depends: /"
    modinfo -F depends nvgsp_vfio | sed "s/^/vfio-depends: /"
    echo "core-depends: [$(modinfo -F depends nvgsp_core)]"
    modinfo -F alias nvgsp_drm nvgsp_vfio
'
expect_ok
expect_out '^nvgsp_drm '
expect_out '^nvgsp_vfio '
expect_out '^nvgsp_core '
expect_out '^aux nvgsp_core\.drm\.[0-9]+ -> nvgsp_drm.nvgsp_drm$'
expect_out '^aux nvgsp_core\.vfio\.[0-9]+ -> nvgsp_vfio.nvgsp_vfio$'
expect_out '^renderD128$'
expect_out '^/dev/dri/renderD128: GA102 \(chipset 0x172\) revision A1$'
# The configuration GSP-RM reports, through the DRM GETPARAM interface.
expect_out '^vram: 256 MiB \([0-9]+ MiB usable\), 7 GPCs x 6 TPCs$'
expect_out '^engines: gr ce0 ce1 ce2 nvdec0 nvdec1 nvenc0 sw sec2$'
expect_out '^drm-depends: nvgsp_core$'
expect_out '^vfio-depends: nvgsp_core$'
expect_out '^core-depends: \[\]$'
expect_out '^auxiliary:nvgsp_core\.drm$'
expect_out '^auxiliary:nvgsp_core\.vfio$'
expect_log 'nvgsp_core .*: NVIDIA GA102 \(Ampere\), revision A1'
expect_log 'nvgsp_vfio .*: vGPU host client bound to GA102 \(chipset 0x172, revision a1\)'
expect_log 'nvgsp_vfio .*: 256 MiB VRAM, 9 engines \(mask 0x4408180e02\)'
expect_log 'nvgsp_drm .*: DRM device registered for GA102'
expect_clean_log
