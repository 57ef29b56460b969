// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_bench: module glue. A PCI driver with no ID table, so it binds only to
 * a device the user names (driver_override, like the kernel's
 * dma_map_benchmark): mapping then goes through that device's real IOMMU
 * domain. debugfs files under /sys/kernel/debug/dma_bench/:
 *
 *   device  read: bound BDF or "none"; write a BDF to bind a driverless
 *           device, or "none" to unbind
 *   run     write one request line; blocks until done, -EINTR on a signal
 *   result  read the last run's result (format in report.c)
 *
 * Locking: db_run_lock serialises runs and is held for a whole run;
 * db_dev_lock guards the bound device. remove() clears the device, raises
 * db_abort and then takes db_run_lock to wait for a run in progress to wind
 * down, so a device never goes away under a mapping. The debugfs files hold
 * a module reference while open, so rmmod cannot start during a run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/hex.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include "dma_bench.h"

#define DB_NAME "dma_bench"

static struct dentry *db_dir;

static DEFINE_MUTEX(db_dev_lock);	/* guards db_pdev, db_old_* */
static struct pci_dev *db_pdev;
static u64 db_old_mask, db_old_coherent_mask;
static unsigned int db_old_max_seg;

static DEFINE_MUTEX(db_run_lock);	/* one run at a time; guards db_req */
/* The request of the run: static, not on the stack, for its cpumask (1 KiB at NR_CPUS=8192). */
static struct dma_bench_request db_req;
static atomic_t db_abort = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(db_wq);

static DEFINE_MUTEX(db_result_lock);	/* guards db_result* */
static char *db_result;
static size_t db_result_len;

static struct pci_driver db_pci_driver;

static const char *db_domain_type(struct device *dev)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev);

	if (!d)
		return "none";
	/* the names /sys/kernel/iommu_groups/N/type uses */
	switch (d->type) {
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "other";
	}
}

static void db_store_result(char *text, size_t len)
{
	mutex_lock(&db_result_lock);
	kvfree(db_result);
	db_result = text;
	db_result_len = text ? len : 0;
	mutex_unlock(&db_result_lock);
}

/* Records a run that never started (bad request, no device) so `result` says why. */
static void db_store_rejection(const struct dma_bench_request *req, bool have_req,
			       const char *bdf, const char *domain, int err, const char *reason)
{
	struct dma_bench_outcome out = {
		.status = DB_STATUS_ERROR, .err = err, .reason = reason,
	};
	size_t len = 0;
	char *text = db_format_result(req, have_req, bdf, domain, &out, &len);

	db_store_result(text, len);
}

static ssize_t db_run_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct dma_bench_request *req = &db_req;
	struct dma_bench_outcome out;
	const char *reason = "none", *domain;
	char bdf[32], *line, *text;
	struct pci_dev *pdev;
	size_t len = 0;
	bool parsed;
	int ret;

	if (count == 0 || count >= DMA_BENCH_REQ_MAX)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);

	/* Do not queue behind a run (or overwrite its result): say busy. */
	if (!mutex_trylock(&db_run_lock)) {
		kfree(line);
		return -EBUSY;
	}

	ret = db_parse_request(line, req, &reason, &parsed);
	kfree(line);
	if (ret) {
		/* a request refused for its values is echoed, so the reader knows the reason is its own */
		db_store_rejection(req, parsed, NULL, NULL, ret, reason);
		goto out_unlock;
	}

	mutex_lock(&db_dev_lock);
	pdev = db_pdev;
	if (pdev) {
		get_device(&pdev->dev);
		atomic_set(&db_abort, 0);
		strscpy(bdf, pci_name(pdev), sizeof(bdf));
		domain = db_domain_type(&pdev->dev);
	}
	mutex_unlock(&db_dev_lock);
	if (!pdev) {
		ret = -ENODEV;
		db_store_rejection(req, true, NULL, NULL, ret, "no_device_bound");
		goto out_unlock;
	}

	ret = db_run(&pdev->dev, req, &db_abort, &db_wq, &out);
	put_device(&pdev->dev);

	text = db_format_result(req, true, bdf, domain, &out, &len);
	kvfree(out.thread);
	db_store_result(text, len);
	if (!text && !ret)
		ret = -ENOMEM;

out_unlock:
	mutex_unlock(&db_run_lock);
	return ret ? ret : count;
}

static ssize_t db_result_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&db_result_lock);
	if (!db_result)
		ret = -ENODATA;
	else
		ret = simple_read_from_buffer(ubuf, count, ppos, db_result, db_result_len);
	mutex_unlock(&db_result_lock);
	return ret;
}

static ssize_t db_device_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char buf[40];
	int len;

	mutex_lock(&db_dev_lock);
	len = scnprintf(buf, sizeof(buf), "%s\n", db_pdev ? pci_name(db_pdev) : "none");
	mutex_unlock(&db_dev_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/*
 * The generic helper (Kbuild refuses kernels without it) guards the override
 * with its own spinlock, never with the device lock, so it may be called with
 * or without device_lock held. "" clears, as its kernel-doc says.
 */
static int db_set_override(struct pci_dev *pdev, const char *name)
{
	return device_set_driver_override(&pdev->dev, name);
}

static int db_unbind_current(void)
{
	struct pci_dev *pdev;

	mutex_lock(&db_dev_lock);
	pdev = pci_dev_get(db_pdev);
	mutex_unlock(&db_dev_lock);
	if (!pdev)
		return 0;
	device_release_driver(&pdev->dev);	/* calls db_remove() */
	db_set_override(pdev, "");
	pci_dev_put(pdev);
	return 0;
}

/* One hex field of @min to @max digits ending in @stop; advances *@s past @stop. */
static int db_hex_field(const char **s, unsigned int min, unsigned int max,
			char stop, u32 *val)
{
	const char *p = *s;
	unsigned int n = 0;
	u32 v = 0;

	for (; n < max && isxdigit(*p); n++, p++)
		v = (v << 4) | hex_to_bin(*p);
	if (n < min || *p != stop)
		return -EINVAL;
	*val = v;
	*s = stop ? p + 1 : p;
	return 0;
}

/*
 * DOMAIN:BUS:DEV.FN as sysfs names devices, the domain 4 to 8 hex digits
 * (Intel VMD's are 10000 and up): the addresses model/pci-address.ts accepts.
 * Also the short BUS:DEV.FN, which means domain 0000. Anything else: -EINVAL.
 */
static int db_parse_bdf(const char *s, u32 *dom, u32 *bus, u32 *devfn)
{
	const char *p = s;
	u32 d = 0, b, slot, fn;
	bool with_domain = strchr(s, ':') != strrchr(s, ':');

	if (with_domain && db_hex_field(&p, 4, 8, ':', &d))
		return -EINVAL;
	if (db_hex_field(&p, 2, 2, ':', &b) || db_hex_field(&p, 2, 2, '.', &slot) ||
	    db_hex_field(&p, 1, 1, '\0', &fn))
		return -EINVAL;
	if (slot > 0x1f || fn > 7)
		return -EINVAL;
	*dom = d;
	*bus = b;
	*devfn = PCI_DEVFN(slot, fn);
	return 0;
}

static bool db_is_ours(struct pci_dev *pdev)
{
	bool ours;

	device_lock(&pdev->dev);
	ours = pdev->dev.driver == &db_pci_driver.driver;
	device_unlock(&pdev->dev);
	return ours;
}

/*
 * The same as the sysfs flow (driver_override, then bind), limited to a
 * device no driver holds: yanking a disk from nvme is the user's decision.
 * The override is set outside the device lock, as sysfs does; if another
 * driver wins the device meanwhile, attach leaves it there and we say busy.
 */
static int db_bind_bdf(const char *s)
{
	u32 dom, bus, devfn;
	struct pci_dev *pdev;
	int ret;

	ret = db_parse_bdf(s, &dom, &bus, &devfn);
	if (ret)
		return ret;
	/* pci_domain_nr() is an int: a larger domain cannot exist */
	if (dom > INT_MAX)
		return -ENODEV;
	pdev = pci_get_domain_bus_and_slot(dom, bus, devfn);
	if (!pdev)
		return -ENODEV;

	device_lock(&pdev->dev);
	if (pdev->dev.driver == &db_pci_driver.driver)
		ret = 1;	/* already ours */
	else if (pdev->dev.driver)
		ret = -EBUSY;
	device_unlock(&pdev->dev);
	if (ret)
		goto out;

	ret = db_set_override(pdev, DB_NAME);
	if (ret)
		goto out;
	ret = device_attach(&pdev->dev);
	if (ret >= 0)	/* 1: a driver is bound, 0: probe refused (we hold another device) */
		ret = db_is_ours(pdev) ? 0 : -EBUSY;
	if (ret)
		db_set_override(pdev, "");
out:
	pci_dev_put(pdev);
	return ret > 0 ? 0 : ret;
}

static ssize_t db_device_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[32], *s;
	int ret;

	if (count == 0 || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	s = strim(buf);
	if (!strcmp(s, "none"))
		ret = db_unbind_current();
	else
		ret = db_bind_bdf(s);
	return ret ? ret : count;
}

static const struct file_operations db_run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = db_run_write,
	.llseek = noop_llseek,
};

static const struct file_operations db_result_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = db_result_read,
	.llseek = default_llseek,
};

static const struct file_operations db_device_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = db_device_read,
	.write = db_device_write,
	.llseek = default_llseek,
};

static int db_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	mutex_lock(&db_dev_lock);
	if (db_pdev) {
		ret = -EBUSY;	/* one device at a time keeps results unambiguous */
		goto out;
	}
	db_old_mask = dma_get_mask(&pdev->dev);
	db_old_coherent_mask = pdev->dev.coherent_dma_mask;
	/* 64-bit like NVMe and RDMA drivers, so IOVAs come from the same space theirs do */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto out;
	/*
	 * And segments as long as NVMe's (nvme-pci sets 0xffffffff): with the PCI
	 * default of 64 KiB, merged ranges and sg entries would be cut where
	 * NVMe's are not.
	 */
	db_old_max_seg = pdev->dev.dma_parms ? pdev->dev.dma_parms->max_segment_size : 0;
	if (pdev->dev.dma_parms)
		dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	db_pdev = pdev;
	pci_info(pdev, "bound, iommu domain %s\n", db_domain_type(&pdev->dev));
out:
	mutex_unlock(&db_dev_lock);
	return ret;
}

static void db_remove(struct pci_dev *pdev)
{
	mutex_lock(&db_dev_lock);
	if (db_pdev != pdev) {
		mutex_unlock(&db_dev_lock);
		return;
	}
	db_pdev = NULL;
	atomic_set(&db_abort, 1);
	mutex_unlock(&db_dev_lock);
	wake_up_all(&db_wq);

	/* wait for a run on this device to stop mapping */
	mutex_lock(&db_run_lock);
	mutex_unlock(&db_run_lock);

	/* the next driver sees the masks it would have seen without us */
	dma_set_mask(&pdev->dev, db_old_mask);
	dma_set_coherent_mask(&pdev->dev, db_old_coherent_mask);
	if (pdev->dev.dma_parms)
		pdev->dev.dma_parms->max_segment_size = db_old_max_seg;
	pci_info(pdev, "unbound\n");
}

static struct pci_driver db_pci_driver = {
	.name = DB_NAME,
	.id_table = NULL,	/* binds only through driver_override */
	.probe = db_probe,
	.remove = db_remove,
};

static int __init db_init(void)
{
	int ret;

	db_dir = debugfs_create_dir(DB_NAME, NULL);
	if (IS_ERR(db_dir))
		return PTR_ERR(db_dir);
	debugfs_create_file("device", 0600, db_dir, NULL, &db_device_fops);
	debugfs_create_file("run", 0200, db_dir, NULL, &db_run_fops);
	debugfs_create_file("result", 0400, db_dir, NULL, &db_result_fops);

	ret = pci_register_driver(&db_pci_driver);
	if (ret)
		debugfs_remove_recursive(db_dir);
	return ret;
}

static void __exit db_exit(void)
{
	debugfs_remove_recursive(db_dir);
	pci_unregister_driver(&db_pci_driver);	/* unbinds: db_remove() */
	kvfree(db_result);
}

module_init(db_init);
module_exit(db_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microbenchmark of DMA mapping APIs (dma_map_sgtable, dma_iova_link, dma_map_phys) through a bound PCI device's IOMMU");
