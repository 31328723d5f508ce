/* A command on a host reached over SSH, attached to this process's standard streams
 * (pgdrill exec): a shell or psql there works as it would in a terminal of the host. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "remote/ssh_link.h"
#include "util/error.h"
#include "util/proc.h"

static volatile sig_atomic_t resized;

static void on_resize(int sig)
{
	(void)sig;
	resized = 1;
}

/* This terminal's size; 80x24 when it does not say. */
static void terminal_size(int *cols, int *rows)
{
	struct winsize ws = {0};

	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	*cols = ws.ws_col ? ws.ws_col : 80;
	*rows = ws.ws_row ? ws.ws_row : 24;
}

/* Writes all of buf to fd (a terminal or a pipe of this process's); a reader that went
 * away loses the rest, as it would with a local command. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* What the command wrote on one stream, passed on at once; -1 on a broken channel. */
static int pump_out(ssh_channel ch, int is_stderr, int fd)
{
	char buf[16384];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), is_stderr)) > 0)
		write_all(fd, buf, (size_t)n);
	return n == SSH_ERROR ? -1 : 0;
}

/* What is typed (or piped) here, to the command: 1 while there is more to come, 0 once
 * input ended (the command is told), -1 with the error set. */
static int pump_in(struct ssh_link *l, ssh_channel ch)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	ssize_t done = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		ssh_channel_send_eof(ch);
		return 0;
	}
	while (done < n) {
		int w = ssh_channel_write(ch, buf + done, (uint32_t)(n - done));

		if (w == SSH_ERROR)
			return error_set("%s: cannot pass the input on: %s", l->where,
			                 ssh_get_error(l->s));
		done += w;
	}
	return 1;
}

/* Opens the channel, with a terminal of this one's size when `tty`, and starts it. */
static int start(struct ssh_link *l, ssh_channel ch, const char *command, int timeout_ms,
                 bool tty)
{
	char *wrapped = ssh_link_guarded(command, timeout_ms, tty);
	const char *term = getenv("TERM");
	int cols, rows, rc = 0;

	terminal_size(&cols, &rows);
	if (ssh_channel_open_session(ch) != SSH_OK ||
	    (tty && ssh_channel_request_pty_size(ch, term && *term ? term : "xterm", cols, rows) !=
	                SSH_OK) ||
	    ssh_channel_request_exec(ch, wrapped) != SSH_OK)
		rc = error_set("%s: cannot start '%s': %s", l->where, command, ssh_get_error(l->s));
	free(wrapped);
	return rc;
}

int ssh_link_attached(struct ssh_link *l, const char *command, int timeout_ms, int *status)
{
	bool tty = isatty(STDIN_FILENO), input = true, raw = false;
	long long deadline = proc_now_ms() + timeout_ms;
	struct sigaction on_winch = {.sa_handler = on_resize}, before;
	struct termios saved;
	ssh_channel ch = ssh_channel_new(l->s);
	int rc = -1;

	*status = -1;
	ssh_link_set_timeout(l, 20000);
	if (!ch) {
		error_set("%s: cannot open a channel: %s", l->where, ssh_get_error(l->s));
		return -1;
	}
	if (start(l, ch, command, timeout_ms, tty) < 0)
		goto out;
	if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios t = saved;

		/* Keys go to the remote terminal as typed: Ctrl-C interrupts the command there. */
		cfmakeraw(&t);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
		sigaction(SIGWINCH, &on_winch, &before);
	}
	for (;;) {
		struct pollfd fds[2] = {{.fd = input ? STDIN_FILENO : -1, .events = POLLIN},
		                        {.fd = ssh_get_fd(l->s), .events = POLLIN}};
		long long left = deadline - proc_now_ms();

		if (pump_out(ch, 0, STDOUT_FILENO) < 0 || pump_out(ch, 1, STDERR_FILENO) < 0) {
			error_set("%s: '%s': the connection broke: %s", l->where, command,
			          ssh_get_error(l->s));
			goto out;
		}
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			break;
		if (left <= 0) {
			error_set("%s: '%s' did not finish within %d s", l->where, command,
			          timeout_ms / 1000);
			goto out;
		}
		if (resized) {
			int cols, rows;

			resized = 0;
			terminal_size(&cols, &rows);
			ssh_channel_change_pty_size(ch, cols, rows);
		}
		if (poll(fds, 2, left < 1000 ? (int)left : 1000) < 0 && errno != EINTR) {
			error_set("%s: poll: %s", l->where, strerror(errno));
			goto out;
		}
		if (input && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			int more = pump_in(l, ch);

			if (more < 0)
				goto out;
			input = more > 0;
		}
	}
	pump_out(ch, 0, STDOUT_FILENO);
	pump_out(ch, 1, STDERR_FILENO);
	*status = ssh_channel_get_exit_status(ch);
	if (*status < 0)
		error_set("%s: '%s' reported no exit status (killed by a signal, or the connection "
		          "ended): its outcome is unknown",
		          l->where, command);
	else
		rc = 0;
out:
	if (raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		sigaction(SIGWINCH, &before, NULL);
	}
	if (ssh_channel_is_open(ch))
		ssh_channel_close(ch);
	ssh_channel_free(ch);
	return rc;
}
