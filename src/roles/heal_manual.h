/* When the heal cannot bring a lab back, what a DBA types to do it by hand: the steps for
 * what is wrong now (no primary, two primaries, a standby that does not stream, barman not
 * streaming: `barman check` fails), each with its host, its user and the exact command with the lab's paths. On
 * a lab pgdrill built, rebuilding it is offered last; on hosts it did not build it is not
 * (there is no `down` for someone else's cluster). */
#ifndef PGDRILL_ROLES_HEAL_MANUAL_H
#define PGDRILL_ROLES_HEAL_MANUAL_H

#include "provider/provider.h"

/* Numbered steps, one per line, indented (owned). `lab_file` names the lab in commands. */
char *heal_manual_procedure(const struct lab_rt *rt, const char *lab_file);

#endif
