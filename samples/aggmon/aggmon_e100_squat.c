// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon_e100_squat - not a sample but a test fixture, built into test
 * kernels only (those with the aggmon KUnit tests): the e100 driver's
 * error path.
 *
 * e100's init creates its kernel aggregation, net.e100.xmit_ns, before it
 * registers its PCI driver, and must destroy it if the registration
 * fails.  Booted with aggmon_e100_squat.on=1 (make check's kmemleak job
 * is), this file registers a PCI driver named "e100" that matches no
 * device, at subsys_initcall, before e100's device_initcall: e100's
 * pci_register_driver() then fails with -EBUSY, and the job checks that
 * the aggregation is gone and nothing leaked.  Without the parameter it
 * does nothing.
 */

#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

static bool on;
module_param(on, bool, 0444);
MODULE_PARM_DESC(on, "Take the PCI driver name e100 before the e100 driver");

static const struct pci_device_id aggmon_e100_squat_ids[] = {
	{ }
};

static struct pci_driver aggmon_e100_squat_driver = {
	.name = "e100",
	.id_table = aggmon_e100_squat_ids,
};

static int __init aggmon_e100_squat_init(void)
{
	return on ? pci_register_driver(&aggmon_e100_squat_driver) : 0;
}
subsys_initcall(aggmon_e100_squat_init);
