# The devices of the patched qemu-system-x86_64 (scripts/qemu configures it
# with --without-default-devices and this list): only what scripts/vm uses.
# Changing a line here changes the patched QEMU's cache key.

# -M q35 (with its LPC bridge, ISA bus, ACPI and fw_cfg for -kernel)
CONFIG_Q35=y
# -device pcie-root-port
CONFIG_PCIE_PORT=y
# -device vfio-user-pci (the emulated GPU, its PF and VFs)
CONFIG_VFIO_PCI=y
CONFIG_VFIO_USER=y
# -virtfs (virtio-9p-pci, the guest's root file system)
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_9P=y
# -serial (isa-serial, 8250)
CONFIG_SERIAL_ISA=y
# The HPET, as with the root's QEMU (q35 implies it): the same platform
# for the guest
CONFIG_HPET=y
# Not used, but QEMU 10.2 does not link without them: q35's ACPI selects
# ACPI_CXL, whose hw/acpi/cxl.c calls into hw/cxl, whose stubs lack what
# it calls, and hw/cxl then needs the CXL memory device; CXL depends on
# the PCIe expander bridge.
CONFIG_PXB=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
