#include "util/pgshm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

void pgshm_remove(const char *data_dir)
{
	char *path = xasprintf("%s/postmaster.pid", data_dir), *text = NULL, *line;
	int n = 0, shmid = -1;
	long key;

	if (fs_read_file(path, &text, NULL) == 0) {
		for (line = text; line && n < 6; n++) {
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		if (line && sscanf(line, "%ld %d", &key, &shmid) == 2 && shmid >= 0) {
			struct shmid_ds ds;

			if (shmctl(shmid, IPC_STAT, &ds) == 0 && ds.shm_nattch == 0 &&
			    ds.shm_perm.__key == (key_t)key)
				shmctl(shmid, IPC_RMID, NULL);
		}
	}
	error_clear();
	free(text);
	free(path);
}
