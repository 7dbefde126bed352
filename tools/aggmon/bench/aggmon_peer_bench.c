// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_peer_bench - what Linux already has for keyed aggregation, timed
 * in the guest that runs the aggmon benchmark module, for make bench's
 * peer table: BPF per-CPU maps and an ftrace hist trigger's hist file.
 *
 * BPF.  A socket filter program, hand-assembled here so that the
 * initramfs needs no libbpf, makes K map updates in a loop, the key
 * cycling as the benchmark module's agg_* rows cycle it;
 * BPF_PROG_TEST_RUN runs it REPEAT times on the calling CPU (the kernel
 * JIT-compiles it: CONFIG_BPF_JIT_ALWAYS_ON) and reports the mean ns per
 * run, which divided by K is the row.  The rows:
 *
 *   bpf_percpu_hash_lookup_add  bpftrace's @[key] = count() on a
 *                               BPF_MAP_TYPE_PERCPU_HASH: a lookup, then
 *                               an add to this CPU's value; 1024 keys, all
 *                               present
 *   bpf_percpu_hash_update      bpf_map_update_elem(BPF_ANY) of the same
 *                               present keys: the bucket's lock, a copy
 *   bpf_percpu_hash_new_key     a lookup that misses, then an update with
 *                               BPF_NOEXIST: every key new (a fresh map
 *                               each round, keys tagged with the CPU)
 *   bpf_percpu_hash_one_key     lookup and add of key 0 only
 *   bpf_percpu_array_lookup_add a BPF_MAP_TYPE_PERCPU_ARRAY of 1024
 *                               slots: no hashing at all
 *
 * each on CPU 0 alone and on every online CPU at once (one thread pinned
 * to each), interleaved over SAMPLES rounds; the median round is
 * reported.  The lookup-and-add rows are checked: the map's values must
 * sum to the number of updates made, and no update may fail.
 *
 * Export.  BPF_MAP_LOOKUP_BATCH of a whole per-CPU hash of EXPORT_KEYS
 * entries (every possible CPU's value of each), the ns per entry: the
 * peer of aggmon_agg_bench's snapshot of as many entries.
 *
 * Hist.  Given the path of a hist file (the benchmark module's peer run
 * leaves one of EXPORT_KEYS entries), read() of it whole, ns per entry.
 *
 * Prints a table and one "aggmon_peer_json:" line per row; never fails on
 * a timing, only on an error.
 * Usage: aggmon_peer_bench [hist-file]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES		11
#define KEYS		1024	/* as BENCH_KEYS of the benchmark module */
#define EXPORT_KEYS	4096	/* as aggmon_agg_bench's table */
#define EXPORT_REPS	100
#define HIST_REPS	20
#define MAX_CPUS	64
#define MAX_INSNS	64

/* Updates per program run, and runs per BPF_PROG_TEST_RUN. */
#define LOOP_K		256
#define REPEAT		200
/* A new key every update: the map must hold every round's keys. */
#define NEW_K		64
#define NEW_REPEAT	100

enum row { HASH_LOOKUP_ADD, HASH_UPDATE, HASH_NEW_KEY, HASH_ONE_KEY,
	   ARRAY_LOOKUP_ADD, NR_ROWS };

static const char * const row_names[NR_ROWS] = {
	[HASH_LOOKUP_ADD]	= "bpf_percpu_hash_lookup_add",
	[HASH_UPDATE]		= "bpf_percpu_hash_update",
	[HASH_NEW_KEY]		= "bpf_percpu_hash_new_key",
	[HASH_ONE_KEY]		= "bpf_percpu_hash_one_key",
	[ARRAY_LOOKUP_ADD]	= "bpf_percpu_array_lookup_add",
};

static int online_cpus[MAX_CPUS], nr_online, nr_possible;

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "aggmon_peer_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* "0-3" or "0,2-3": the CPUs of a sysfs cpu list. */
static int read_cpu_list(const char *path, int *cpus)
{
	char buf[256], *p = buf;
	int n = 0, a, b;
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		fail("%s: %s", path, strerror(errno));
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		a = strtol(p, &p, 10);
		b = a;
		if (*p == '-' && p[1] >= '0' && p[1] <= '9')
			b = strtol(p + 1, &p, 10);
		for (; a <= b && n < MAX_CPUS; a++)
			if (cpus)
				cpus[n++] = a;
			else
				n++;
		if (*p != ',')
			break;
		p++;
	}
	return n;
}

static int map_create(enum bpf_map_type type, unsigned int key_size,
		      unsigned int value_size, unsigned int entries)
{
	union bpf_attr attr = {
		.map_type = type, .key_size = key_size,
		.value_size = value_size, .max_entries = entries,
	};
	int fd = sys_bpf(BPF_MAP_CREATE, &attr);

	if (fd < 0)
		fail("BPF_MAP_CREATE: %s", strerror(errno));
	return fd;
}

/* Every possible CPU's u64 value of a per-CPU map's @key, summed. */
static uint64_t map_sum(int fd, const void *key)
{
	uint64_t values[MAX_CPUS], sum = 0;
	union bpf_attr attr = {
		.map_fd = fd, .key = (uintptr_t)key, .value = (uintptr_t)values,
	};
	int cpu;

	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
		return 0;
	for (cpu = 0; cpu < nr_possible; cpu++)
		sum += values[cpu];
	return sum;
}

/* Set @key to @value on every possible CPU. */
static void map_fill(int fd, const void *key, uint64_t value)
{
	uint64_t values[MAX_CPUS];
	union bpf_attr attr = {
		.map_fd = fd, .key = (uintptr_t)key, .value = (uintptr_t)values,
	};
	int cpu;

	for (cpu = 0; cpu < nr_possible; cpu++)
		values[cpu] = value;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr))
		fail("BPF_MAP_UPDATE_ELEM: %s", strerror(errno));
}

/* A program, assembled one instruction at a time. */
struct prog {
	struct bpf_insn insn[MAX_INSNS];
	int n;
};

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
		.src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_IMM(op, d, i)	INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU_REG(op, d, s)	INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define STX(sz, d, s, o)	INSN(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST_IMM(sz, d, o, i)	INSN(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define LDX(sz, d, s, o)	INSN(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define CALL(f)			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define JMP_IMM(op, d, i)	INSN(BPF_JMP | (op) | BPF_K, d, 0, 0, i)
#define EXIT()			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

static int emit(struct prog *p, struct bpf_insn insn)
{
	if (p->n == MAX_INSNS)
		fail("program too long");
	p->insn[p->n] = insn;
	return p->n++;
}

/* A map's fd into @reg: one instruction of two halves. */
static void emit_map(struct prog *p, int reg, int fd)
{
	emit(p, INSN(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd));
	emit(p, INSN(0, 0, 0, 0, 0));
}

/* Point the jump at @from to the next instruction emitted. */
static void land(struct prog *p, int from)
{
	p->insn[from].off = p->n - from - 1;
}

static void jump_back(struct prog *p, int op, int reg, int imm, int to)
{
	struct bpf_insn insn = JMP_IMM(op, reg, imm);

	insn.off = to - p->n - 1;
	emit(p, insn);
}

/* *(u64 *)r0 += 1, or, if r0 is NULL, the counter at r9 + 8 += 1. */
static void emit_add_one(struct prog *p, int reg, int off)
{
	emit(p, LDX(BPF_DW, R1, reg, off));
	emit(p, ALU_IMM(BPF_ADD, R1, 1));
	emit(p, STX(BPF_DW, reg, R1, off));
}

/*
 * K lookups and adds (or updates) of key r6 & @mask, r6 = 0 .. K - 1;
 * keys of @key_size bytes at fp - 8, the value at fp - 16.
 */
static void build_present(struct prog *p, int map, int key_size, int mask,
			  int update)
{
	int loop, miss;

	emit(p, MOV_IMM(R6, 0));
	loop = emit(p, MOV_REG(R1, R6));
	emit(p, ALU_IMM(BPF_AND, R1, mask));
	emit(p, STX(key_size == 4 ? BPF_W : BPF_DW, R10, R1, -8));
	emit_map(p, R1, map);
	emit(p, MOV_REG(R2, R10));
	emit(p, ALU_IMM(BPF_ADD, R2, -8));
	if (update) {
		emit(p, ST_IMM(BPF_DW, R10, -16, 1));
		emit(p, MOV_REG(R3, R10));
		emit(p, ALU_IMM(BPF_ADD, R3, -16));
		emit(p, MOV_IMM(R4, BPF_ANY));
		emit(p, CALL(BPF_FUNC_map_update_elem));
	} else {
		emit(p, CALL(BPF_FUNC_map_lookup_elem));
		miss = emit(p, JMP_IMM(BPF_JEQ, R0, 0));
		emit_add_one(p, R0, 0);
		land(p, miss);
	}
	emit(p, ALU_IMM(BPF_ADD, R6, 1));
	jump_back(p, BPF_JLT, R6, LOOP_K, loop);
	emit(p, MOV_IMM(R0, 0));
	emit(p, EXIT());
}

/*
 * NEW_K new keys: this CPU's slot 0 of @counter holds the next key
 * (advanced by NEW_K a run) and counts failed updates in its second word;
 * the CPU's number in bits 40 and up keeps CPUs' keys apart.
 */
static void build_new_key(struct prog *p, int map, int counter)
{
	int none, loop, found, added;

	emit(p, ST_IMM(BPF_W, R10, -8, 0));
	emit_map(p, R1, counter);
	emit(p, MOV_REG(R2, R10));
	emit(p, ALU_IMM(BPF_ADD, R2, -8));
	emit(p, CALL(BPF_FUNC_map_lookup_elem));
	none = emit(p, JMP_IMM(BPF_JEQ, R0, 0));
	emit(p, MOV_REG(R9, R0));
	emit(p, LDX(BPF_DW, R7, R9, 0));
	emit(p, MOV_REG(R1, R7));
	emit(p, ALU_IMM(BPF_ADD, R1, NEW_K));
	emit(p, STX(BPF_DW, R9, R1, 0));
	emit(p, CALL(BPF_FUNC_get_smp_processor_id));
	emit(p, ALU_IMM(BPF_LSH, R0, 40));
	emit(p, ALU_REG(BPF_OR, R7, R0));
	emit(p, MOV_IMM(R6, 0));
	loop = emit(p, MOV_REG(R1, R7));
	emit(p, ALU_REG(BPF_ADD, R1, R6));
	emit(p, STX(BPF_DW, R10, R1, -8));
	emit_map(p, R1, map);
	emit(p, MOV_REG(R2, R10));
	emit(p, ALU_IMM(BPF_ADD, R2, -8));
	emit(p, CALL(BPF_FUNC_map_lookup_elem));
	found = emit(p, JMP_IMM(BPF_JNE, R0, 0));
	emit(p, ST_IMM(BPF_DW, R10, -16, 1));
	emit_map(p, R1, map);
	emit(p, MOV_REG(R2, R10));
	emit(p, ALU_IMM(BPF_ADD, R2, -8));
	emit(p, MOV_REG(R3, R10));
	emit(p, ALU_IMM(BPF_ADD, R3, -16));
	emit(p, MOV_IMM(R4, BPF_NOEXIST));
	emit(p, CALL(BPF_FUNC_map_update_elem));
	added = emit(p, JMP_IMM(BPF_JEQ, R0, 0));
	land(p, found);
	/* A key already there or a full map: neither may happen. */
	emit_add_one(p, R9, 8);
	land(p, added);
	emit(p, ALU_IMM(BPF_ADD, R6, 1));
	jump_back(p, BPF_JLT, R6, NEW_K, loop);
	land(p, none);
	emit(p, MOV_IMM(R0, 0));
	emit(p, EXIT());
}

static int prog_load(const struct prog *p)
{
	static char log[65536];
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insns = (uintptr_t)p->insn, .insn_cnt = p->n,
		.license = (uintptr_t)"GPL",
	};
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);

	if (fd >= 0)
		return fd;
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	sys_bpf(BPF_PROG_LOAD, &attr);
	fail("BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
}

/* The maps and the program of one row. */
struct row_setup {
	int map, counter, prog, k, repeat;
};

static void row_setup(enum row row, struct row_setup *s)
{
	struct prog p = { .n = 0 };
	uint64_t key;

	memset(s, 0, sizeof(*s));
	s->counter = -1;
	s->k = LOOP_K;
	s->repeat = REPEAT;
	switch (row) {
	case HASH_LOOKUP_ADD:
	case HASH_UPDATE:
	case HASH_ONE_KEY:
		s->map = map_create(BPF_MAP_TYPE_PERCPU_HASH, 8, 8, KEYS);
		for (key = 0; key < KEYS; key++)
			map_fill(s->map, &key, 0);
		build_present(&p, s->map, 8, row == HASH_ONE_KEY ? 0 : KEYS - 1,
			      row == HASH_UPDATE);
		break;
	case ARRAY_LOOKUP_ADD:
		s->map = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, KEYS);
		build_present(&p, s->map, 4, KEYS - 1, 0);
		break;
	case HASH_NEW_KEY:
		s->k = NEW_K;
		s->repeat = NEW_REPEAT;
		s->map = map_create(BPF_MAP_TYPE_PERCPU_HASH, 8, 8,
				    NEW_K * NEW_REPEAT * nr_online);
		s->counter = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 1);
		build_new_key(&p, s->map, s->counter);
		break;
	default:
		break;
	}
	s->prog = prog_load(&p);
}

/* What the row's updates must have left; 0 if all is well. */
static uint64_t row_check(enum row row, const struct row_setup *s,
			  uint64_t runs)
{
	uint64_t key, sum = 0, values[MAX_CPUS * 2];
	uint32_t slot;
	int cpu;

	switch (row) {
	case HASH_LOOKUP_ADD:
	case HASH_ONE_KEY:
		for (key = 0; key < KEYS; key++)
			sum += map_sum(s->map, &key);
		return sum != runs * s->k;
	case ARRAY_LOOKUP_ADD:
		for (slot = 0; slot < KEYS; slot++)
			sum += map_sum(s->map, &slot);
		return sum != runs * s->k;
	case HASH_NEW_KEY: {
		union bpf_attr attr = {
			.map_fd = s->counter, .key = (uintptr_t)&slot,
			.value = (uintptr_t)values,
		};

		slot = 0;
		if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
			return 1;
		for (cpu = 0; cpu < nr_possible; cpu++)
			sum += values[cpu * 2 + 1];
		return sum;
	}
	default:
		return 0;
	}
}

static void row_teardown(struct row_setup *s)
{
	close(s->prog);
	close(s->map);
	if (s->counter >= 0)
		close(s->counter);
}

/* One thread's BPF_PROG_TEST_RUN on its CPU. */
struct runner {
	pthread_t thread;
	int cpu, prog, repeat;
	pthread_barrier_t *start;
	uint32_t duration;
	int err;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;
	unsigned char packet[64] = { 0 };
	union bpf_attr attr = { 0 };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(r->start);
	if (r->err)
		return NULL;
	attr.test.prog_fd = r->prog;
	attr.test.data_in = (uintptr_t)packet;
	attr.test.data_size_in = sizeof(packet);
	attr.test.repeat = r->repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		r->err = errno;
	r->duration = attr.test.duration;
	return NULL;
}

/* ns per update of @row on @nr CPUs at once (CPU 0 alone for nr = 1). */
static double run_row(enum row row, int nr)
{
	struct runner runners[MAX_CPUS];
	pthread_barrier_t start;
	struct row_setup s;
	double ns = 0;
	int i;

	row_setup(row, &s);
	pthread_barrier_init(&start, NULL, nr);
	for (i = 0; i < nr; i++) {
		runners[i] = (struct runner){ .cpu = online_cpus[i],
			.prog = s.prog, .repeat = s.repeat, .start = &start };
		if (pthread_create(&runners[i].thread, NULL, runner_main,
				   &runners[i]))
			fail("pthread_create");
	}
	for (i = 0; i < nr; i++) {
		pthread_join(runners[i].thread, NULL);
		if (runners[i].err)
			fail("%s on CPU %d: %s", row_names[row], runners[i].cpu,
			     strerror(runners[i].err));
		ns += (double)runners[i].duration / s.k;
	}
	pthread_barrier_destroy(&start);
	if (row_check(row, &s, (uint64_t)nr * s.repeat))
		fail("%s: the map does not hold what %d CPUs added", row_names[row], nr);
	row_teardown(&s);
	return ns / nr;
}

/* The whole map by BPF_MAP_LOOKUP_BATCH, ns per entry. */
static double export_batch(void)
{
	static uint64_t keys[EXPORT_KEYS], values[EXPORT_KEYS * MAX_CPUS];
	double per_entry[EXPORT_REPS];
	uint32_t token;
	uint64_t key;
	int fd, rep;

	fd = map_create(BPF_MAP_TYPE_PERCPU_HASH, 8, 8, EXPORT_KEYS);
	for (key = 0; key < EXPORT_KEYS; key++)
		map_fill(fd, &key, key);
	for (rep = 0; rep < EXPORT_REPS; rep++) {
		uint64_t start = now_ns();
		unsigned int total = 0;
		void *in = NULL;

		for (;;) {
			union bpf_attr attr = { 0 };
			long err;

			attr.batch.map_fd = fd;
			attr.batch.in_batch = (uintptr_t)in;
			attr.batch.out_batch = (uintptr_t)&token;
			attr.batch.keys = (uintptr_t)(keys + total);
			attr.batch.values = (uintptr_t)(values + total * nr_possible);
			attr.batch.count = EXPORT_KEYS - total;
			err = sys_bpf(BPF_MAP_LOOKUP_BATCH, &attr);
			total += attr.batch.count;
			if (err && errno == ENOENT)
				break;
			if (err)
				fail("BPF_MAP_LOOKUP_BATCH: %s", strerror(errno));
			in = &token;
		}
		per_entry[rep] = (double)(now_ns() - start) / EXPORT_KEYS;
		if (total != EXPORT_KEYS)
			fail("BPF_MAP_LOOKUP_BATCH returned %u entries of %d",
			     total, EXPORT_KEYS);
	}
	close(fd);
	return median(per_entry, EXPORT_REPS);
}

/* The hist file read whole, ns per entry; its entries in *@entries. */
static double hist_read(const char *path, int *entries)
{
	static char buf[8 << 20];
	double per_entry[HIST_REPS];
	int rep, fd;
	char *p;

	for (rep = 0; rep < HIST_REPS; rep++) {
		uint64_t start = now_ns();
		size_t len = 0;
		ssize_t n;

		fd = open(path, O_RDONLY);
		if (fd < 0)
			fail("%s: %s", path, strerror(errno));
		while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += n;
		close(fd);
		if (n < 0)
			fail("%s: %s", path, strerror(errno));
		buf[len] = 0;
		*entries = 0;
		for (p = buf; (p = strstr(p, "\n{ key:")); p++)
			(*entries)++;
		per_entry[rep] = (double)(now_ns() - start) / (*entries ?: 1);
	}
	return median(per_entry, HIST_REPS);
}

static void print_export_json(const char *op, int entries, double per_entry)
{
	printf("aggmon_peer_json: {\"op\": \"%s\", \"entries\": %d, ",
	       op, entries);
	printf("\"per_entry\": %.2f, \"unit\": \"ns\"}\n", per_entry);
}

int main(int argc, char **argv)
{
	double ns[NR_ROWS][2][SAMPLES], result[NR_ROWS][2], batch, hist = 0;
	int row, mode, s, hist_entries = 0;

	nr_possible = read_cpu_list("/sys/devices/system/cpu/possible", NULL);
	nr_online = read_cpu_list("/sys/devices/system/cpu/online", online_cpus);
	if (nr_possible > MAX_CPUS || nr_online < 1)
		fail("%d possible CPUs: at most %d", nr_possible, MAX_CPUS);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = 0; s < SAMPLES; s++)
		for (row = 0; row < NR_ROWS; row++)
			for (mode = 0; mode < 2; mode++)
				ns[row][mode][s] = run_row(row, mode ? nr_online : 1);
	for (row = 0; row < NR_ROWS; row++)
		for (mode = 0; mode < 2; mode++)
			result[row][mode] = median(ns[row][mode], SAMPLES);
	batch = export_batch();
	if (argc > 1)
		hist = hist_read(argv[1], &hist_entries);

	printf("aggmon_peer_bench: BPF programs by BPF_PROG_TEST_RUN, ");
	printf("%d updates a run, %d samples (median), %d CPUs, ns/op\n",
	       LOOP_K, SAMPLES, nr_online);
	printf("aggmon_peer_bench: %-28s %10s %10s\n", "operation", "1 CPU", "all CPUs");
	for (row = 0; row < NR_ROWS; row++) {
		printf("aggmon_peer_bench: %-28s %10.2f %10.2f\n", row_names[row],
		       result[row][0], result[row][1]);
		printf("aggmon_peer_json: {\"op\": \"%s\", ", row_names[row]);
		printf("\"one_cpu\": %.2f, \"all_cpus\": %.2f, ",
		       result[row][0], result[row][1]);
		printf("\"cpus\": %d, \"unit\": \"ns/op\"}\n", nr_online);
	}
	printf("aggmon_peer_bench: BPF_MAP_LOOKUP_BATCH of %d entries ",
	       EXPORT_KEYS);
	printf("x %d possible CPUs: %.2f ns per entry\n", nr_possible, batch);
	print_export_json("bpf_map_lookup_batch", EXPORT_KEYS, batch);
	if (argc > 1) {
		printf("aggmon_peer_bench: read of the hist file, %d entries: %.2f ns per entry\n",
		       hist_entries, hist);
		print_export_json("hist_read", hist_entries, hist);
		if (hist_entries != EXPORT_KEYS)
			fail("the hist file has %d entries, not %d", hist_entries,
			     EXPORT_KEYS);
	}
	return 0;
}
