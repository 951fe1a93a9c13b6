# The C UAPI header userspace compiles against says what the driver's Rust
# mirror (drivers/drm/uapi.rs) and nvgspctl (tools/nvgspctl/src/drm.rs) say:
# the ioctl number, the struct size and the parameter numbers. (The numbers
# below are pinned on the Rust side by nvgspctl's unit tests and by the
# driver's compile-time size check; the full-stack scenario shows the driver
# and the tool agree at run time.)
. tests/lib.sh
tmp="$NVGSP_CACHE/run/uapi-$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/t.c" <<'EOC'
#include <stdio.h>
#include "nvgsp_drm.h"
int main(void)
{
	printf("%#lx %zu %d %d %d %d %d %d %d\n", (unsigned long)DRM_IOCTL_NVGSP_GETPARAM,
	       sizeof(struct drm_nvgsp_getparam), NVGSP_PARAM_CHIPSET, NVGSP_PARAM_REVISION,
	       NVGSP_PARAM_VRAM_SIZE, NVGSP_PARAM_USABLE_VRAM_SIZE, NVGSP_PARAM_GPC_COUNT,
	       NVGSP_PARAM_TPC_PER_GPC, NVGSP_PARAM_ENGINE_MASK);
	return 0;
}
EOC
# Compiled in the toolchain root against its installed UAPI headers
# (linux-libc-dev's /usr/include/drm/drm.h), as userspace would.
scripts/in-root clang -Wall -Werror -I "$NVGSP_TOP/drivers/drm/include/uapi/drm" \
    -I /usr/include/drm -o "$tmp/t" "$tmp/t.c" || fail "the UAPI header does not compile"
got=$(scripts/in-root "$tmp/t")
[ "$got" = "0xc0106440 16 1 2 3 4 5 6 7" ] || fail "C header gives '$got'"
