// SPDX-License-Identifier: GPL-2.0
/*
 * What libdrm tells a userspace driver about the DRM devices: the list
 * drmGetDevices2() returns (what Mesa's loaders, drm_info and Vulkan's
 * device enumeration start from), then, for each node given on the command
 * line, drmGetDevice2() on an open file and the driver's name.
 *
 *   drm-devices [NODE...]
 *
 * Prints one line per listed device:
 *   device pci DDDD:BB:DD.F VVVV:DDDD nodes: /dev/dri/cardN /dev/dri/renderDM
 * and per node:
 *   node NODE driver NAME pci DDDD:BB:DD.F
 * Exits 1 if libdrm fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#define MAX_DEVICES 16

static void print_bus(const drmDevicePtr d)
{
	if (d->bustype == DRM_BUS_PCI) {
		const drmPciBusInfoPtr b = d->businfo.pci;
		const drmPciDeviceInfoPtr i = d->deviceinfo.pci;

		printf("pci %04x:%02x:%02x.%u %04x:%04x", b->domain, b->bus,
		       b->dev, b->func, i->vendor_id, i->device_id);
	} else {
		printf("bus %d", d->bustype);
	}
}

int main(int argc, char **argv)
{
	drmDevicePtr devices[MAX_DEVICES];
	int n = drmGetDevices2(0, devices, MAX_DEVICES);

	if (n < 0) {
		fprintf(stderr, "drmGetDevices2: %s\n", strerror(-n));
		return 1;
	}
	printf("devices %d\n", n);
	for (int i = 0; i < n; i++) {
		printf("device ");
		print_bus(devices[i]);
		printf(" nodes:");
		for (int t = 0; t < DRM_NODE_MAX; t++)
			if (devices[i]->available_nodes & (1 << t))
				printf(" %s", devices[i]->nodes[t]);
		printf("\n");
	}
	drmFreeDevices(devices, n);

	for (int a = 1; a < argc; a++) {
		drmDevicePtr d;
		drmVersionPtr v;
		int fd = open(argv[a], O_RDWR | O_CLOEXEC);
		int r;

		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		r = drmGetDevice2(fd, 0, &d);
		if (r) {
			fprintf(stderr, "drmGetDevice2 %s: %s\n", argv[a], strerror(-r));
			return 1;
		}
		v = drmGetVersion(fd);
		if (!v) {
			fprintf(stderr, "drmGetVersion %s failed\n", argv[a]);
			return 1;
		}
		printf("node %s driver %s ", argv[a], v->name);
		print_bus(d);
		printf("\n");
		drmFreeVersion(v);
		drmFreeDevice(&d);
		close(fd);
	}
	return 0;
}
