/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the table in main.c. argv[0] is the command word. */
#ifndef MPTCPIFY_COMMANDS_H
#define MPTCPIFY_COMMANDS_H

#include <jansson.h>
#include <linux/types.h>

/* The pin directory of this run (--pin-dir, $MPTCPIFY_PIN_DIR or default). */
#define MPTCPIFY_VERSION "0.2.0"

extern const char *pin_dir;

/* Helpers the commands share; each prints its own error line. */
struct cgroup_ref;
struct pins;
int cmd_need_root(void);
int cmd_resolve(const char *arg, char *mount, struct cgroup_ref *ref);
int cmd_open_pins(struct pins *p, int how);
int cmd_check_mode(__u32 mode);

int do_probe(int argc, char **argv);
int do_load(int argc, char **argv);
int do_attach(int argc, char **argv);
int do_detach(int argc, char **argv);
int do_list(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_run(int argc, char **argv);
int do_subflow(int argc, char **argv);
int do_daemon(int argc, char **argv);

/* Subflow profiles as JSON (all, or @only's) and as text, for stats too. */
json_t *subflow_profiles_json(struct pins *p, const char *mount, __u64 only);
void subflow_profiles_plain(json_t *profiles);

#endif
