#include "scratch_host.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/fsutil.h"
#include "util/strbuf.h"

int scratch_host_init(char *dir, struct lab_host *def, struct lab_host_rt *host,
                      struct lab_rt *rt)
{
	if (!mkdtemp(dir))
		return -1;
	memset(host, 0, sizeof(*host));
	host->def = def;
	host->host_root = xasprintf("%s/root", dir);
	host->log_dir = xasprintf("%s/logs", dir);
	host->netns_path = xstrdup("/proc/self/ns/net");
	rt->ops = &provider_netns;
	rt->hosts = host;
	rt->nhosts = 1;
	if (mkdir(host->host_root, 0755) < 0 || mkdir(host->log_dir, 0755) < 0)
		return -1;
	return 0;
}

void scratch_host_free(const char *dir, struct lab_host_rt *host)
{
	fs_remove_tree(dir);
	free(host->host_root);
	free(host->log_dir);
	free(host->netns_path);
	memset(host, 0, sizeof(*host));
}
