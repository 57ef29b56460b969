// Make QEMU's edu device (1234:11e8) read 8 bytes from an I/O virtual address nothing maps,
// so the emulated Intel IOMMU reports a DMA remapping fault to the guest kernel (a real
// "DMAR: [DMA Read ...] Request device [...] fault addr ..." line, not a printk of ours).
// The device must not be bound to a driver. Lab guests only: it programs a device's BAR.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <dirent.h>

static int read_hex(const char *dir, const char *name, unsigned *out) {
  char p[512]; snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/%s", dir, name);
  FILE *f = fopen(p, "r"); if (!f) return -1;
  int ok = fscanf(f, "%x", out) == 1; fclose(f); return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  uint64_t iova = argc > 1 ? strtoull(argv[1], 0, 0) : 0x1000;
  DIR *d = opendir("/sys/bus/pci/devices"); struct dirent *e; char dev[256] = "";
  while (d && (e = readdir(d))) {
    unsigned v, id;
    if (e->d_name[0] == '.') continue;
    if (read_hex(e->d_name, "vendor", &v) == 0 && read_hex(e->d_name, "device", &id) == 0 && v == 0x1234 && id == 0x11e8) {
      snprintf(dev, sizeof dev, "%s", e->d_name); break;
    }
  }
  if (!dev[0]) { fprintf(stderr, "no edu device\n"); return 2; }
  char p[512];
  snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/config", dev);
  int cfg = open(p, O_RDWR); if (cfg < 0) { perror(p); return 2; }
  uint16_t cmd; if (pread(cfg, &cmd, 2, 4) != 2) { perror("config read"); return 2; }
  cmd |= 0x6; // memory space + bus master
  if (pwrite(cfg, &cmd, 2, 4) != 2) { perror("config write"); return 2; }
  close(cfg);
  snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/resource0", dev);
  int fd = open(p, O_RDWR | O_SYNC); if (fd < 0) { perror(p); return 2; }
  volatile uint8_t *bar = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (bar == MAP_FAILED) { perror("mmap"); return 2; }
  uint32_t ident = *(volatile uint32_t *)(bar + 0);
  *(volatile uint64_t *)(bar + 0x80) = iova;     // DMA source: an IOVA with no mapping
  *(volatile uint64_t *)(bar + 0x88) = 0x40000;  // destination: the device's own buffer
  *(volatile uint64_t *)(bar + 0x90) = 8;        // bytes
  *(volatile uint64_t *)(bar + 0x98) = 1;        // start, RAM -> device, no interrupt
  for (int i = 0; i < 1000 && (*(volatile uint64_t *)(bar + 0x98) & 1); i++) usleep(1000);
  printf("edu %s (id 0x%08x): DMA read of 8 bytes at IOVA 0x%llx issued\n", dev, ident, (unsigned long long)iova);
  return 0;
}
