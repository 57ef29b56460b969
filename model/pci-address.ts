// A PCI device address as sysfs names it (/sys/bus/pci/devices/DOMAIN:BUS:DEVICE.FUNCTION).

/**
 * DOMAIN:BUS:DEV.FN in hex. The kernel prints the domain with at least four digits (%04x), and
 * domains above 0xffff exist: Intel VMD puts its NVMe drives behind domains such as 10000.
 */
export const pciAddressPattern = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

export function isPciAddress(text: string): boolean {
  return pciAddressPattern.test(text);
}
