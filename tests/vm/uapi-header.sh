# The C UAPI header compiles as userspace compiles it, and its ioctl macro
# gives the number the Rust side builds from the same header's command
# number and struct (drivers/drm/uapi_bindings.rs, generated from the
# header by scripts/gen-uapi and checked current by make lint; the number
# is pinned on the Rust side by nvgspctl's unit test). The structs and
# parameter numbers have no second copy to compare.
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
	printf("%#lx %zu %#lx %zu %d %d %d %d %d\n", (unsigned long)DRM_IOCTL_NVGSP_GEM_CREATE,
	       sizeof(struct drm_nvgsp_gem_create), (unsigned long)DRM_IOCTL_NVGSP_GEM_INFO,
	       sizeof(struct drm_nvgsp_gem_info), NVGSP_PARAM_VRAM_SHARE,
	       NVGSP_PARAM_VRAM_SHARE_USED, NVGSP_PARAM_GEM_MAX_SIZE, NVGSP_GEM_DOMAIN_SYSTEM,
	       NVGSP_GEM_DOMAIN_VRAM);
	return 0;
}
EOC
# Compiled in the toolchain root against its installed UAPI headers
# (linux-libc-dev's /usr/include/drm/drm.h), as userspace would.
scripts/in-root clang -Wall -Werror -I "$NVGSP_TOP/drivers/drm/include/uapi/drm" \
    -I /usr/include/drm -o "$tmp/t" "$tmp/t.c" || fail "the UAPI header does not compile"
got=$(scripts/in-root "$tmp/t")
[ "$got" = "0xc0106440 16 1 2 3 4 5 6 7
0xc0186441 24 0xc0186442 24 8 9 10 1 2" ] || fail "C header gives '$got'"
