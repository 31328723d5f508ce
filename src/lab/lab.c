#include "lab/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/yamltree.h"
#include "util/strbuf.h"

static const struct {
	const char *name;
	long port;
	int target;
	int check;
} default_listeners[] = {
    {"write_tcp", 5000, TARGET_PRIMARY, CHECK_TCP},
    {"write_agent", 5001, TARGET_PRIMARY, CHECK_HTTP_AGENT},
    {"write_pgsql", 5002, TARGET_PRIMARY, CHECK_PGSQL},
    {"read", 5010, TARGET_REPLICA, CHECK_TCP},
};

static bool address_taken(const struct lab *lab, uint32_t addr)
{
	size_t i;

	for (i = 0; i < lab->hosts.count; i++)
		if (LAB_HOST(lab, i)->address == addr)
			return true;
	return false;
}

void lab_resolve(struct lab *lab)
{
	uint32_t next = lab->provider.subnet.network + 11;
	uint32_t last = lab->provider.subnet.network | ~subnet_mask(lab->provider.subnet.prefix);
	size_t i;

	for (i = 0; i < lab->hosts.count; i++) {
		struct lab_host *h = LAB_HOST(lab, i);

		if (h->address != 0)
			continue;
		while (next < last && address_taken(lab, next))
			next++;
		if (next < last)
			h->address = next++;
	}
	if (lab->haproxy.listeners.count == 0 && lab_host_by_role(lab, ROLE_PROXY)) {
		for (i = 0; i < sizeof(default_listeners) / sizeof(default_listeners[0]); i++) {
			struct lab_listener *l =
			    schema_list_append(&lab_listener_schema, &lab->haproxy.listeners);

			l->name = xstrdup(default_listeners[i].name);
			l->port = default_listeners[i].port;
			l->target = default_listeners[i].target;
			l->check = default_listeners[i].check;
		}
	}
}

/* "key.path=value" of a --matrix (or NULL) over the file's tree. */
static int load(struct lab *lab, const char *data, size_t len, const char *set,
                struct diag_list *dl)
{
	struct ynode *root;
	size_t before = dl->count;
	struct src_loc none = {0, 0};

	schema_init_record(&lab_schema, lab);
	root = yamltree_parse(data, len, dl);
	if (!root) {
		lab_free(lab);
		return -1;
	}
	if (set) {
		const char *eq = strchr(set, '=');
		char *key = eq ? xasprintf("%.*s", (int)(eq - set), set) : NULL, err[160];

		if (!key || yamltree_set(root, key, eq + 1, none, err, sizeof(err)) < 0)
			diag_add(dl, none, "cannot set %s: %s", set,
			         key ? err : "expected KEY=VALUE");
		free(key);
	}
	/* Validate even after field errors (fields keep their defaults), so that one run
	 * reports every problem. */
	schema_load_record(&lab_schema, lab, root, dl);
	lab_resolve(lab);
	lab_validate(lab, dl);
	yamltree_free(root);
	if (dl->count > before) {
		diag_sort(dl);
		lab_free(lab);
		return -1;
	}
	return 0;
}

int lab_load_buffer(struct lab *lab, const char *data, size_t len, struct diag_list *dl)
{
	return load(lab, data, len, NULL, dl);
}

int lab_load_file(struct lab *lab, const char *path, struct diag_list *dl)
{
	return lab_load_file_set(lab, path, NULL, dl);
}

int lab_load_file_set(struct lab *lab, const char *path, const char *set, struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	struct src_loc none = {0, 0};
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd, rc;

	memset(lab, 0, sizeof(*lab)); /* lab_free() is safe on it until loading starts */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_add(dl, none, "cannot read the lab file: %s", strerror(errno));
		lab_free(lab);
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		diag_add(dl, none, "is a directory; give a lab file such as labs/tutorial.yaml");
		close(fd);
		lab_free(lab);
		return -1;
	}
	/* Read one byte past the limit so the parser can say the file is too large. */
	while (sb.len <= YAMLTREE_MAX_BYTES && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			diag_add(dl, none, "cannot read the lab file: %s", strerror(errno));
			close(fd);
			strbuf_free(&sb);
			lab_free(lab);
			return -1;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	rc = load(lab, strbuf_str(&sb), sb.len, set, dl);
	if (rc == 0 && set)
		strbuf_printf(&sb, "\n# --matrix: %s\n", set);
	if (rc == 0)
		lab->source = strbuf_detach(&sb);
	strbuf_free(&sb);
	return rc;
}

void lab_free(struct lab *lab)
{
	free(lab->source);
	lab->source = NULL;
	schema_free_record(&lab_schema, lab);
}
