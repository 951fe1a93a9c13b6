# The minimal vGPU host: CONFIG_DRM=n, core and vfio only, no DRM anywhere.
. tests/lib.sh
vm --profile host -- bash -c '
    lsmod
    echo "drm-class: $(ls /sys/class/drm 2>&1 | head -n1)"
    for m in nvgsp_core nvgsp_vfio; do echo "$m depends: [$(modinfo -F depends $m)]"; done
    ls -1 /sys/bus/auxiliary/devices
'
expect_ok
expect_out '^nvgsp_core '
expect_out '^nvgsp_vfio '
expect_no_out '^(nvgsp_drm|drm[a-z_]*) '
expect_out '^drm-class: ls: cannot access'
expect_out '^nvgsp_core depends: \[\]$'
expect_out '^nvgsp_vfio depends: \[nvgsp_core\]$'
expect_out '^nvgsp_core\.vfio\.[0-9]+$'
expect_no_out '^nvgsp_core\.drm'
expect_log 'nvgsp_vfio .*: vGPU host client bound to GA102'
expect_clean_log
