/*
 * main.c - the executioner binary: command line, config, the master's state (struct master, owned
 * here), its single poll loop (HTTP, worker sockets, signals, timers), SIGHUP reload and the
 * graceful stop (drain in-flight jobs, remove this instance's containers, stop workers, exit 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "callbacks.h"
#include "clock.h"
#include "grpc_proc.h"
#include "http.h"
#include "http_routes.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "owner.h"
#include "procs.h"
#include "scheduler.h"
#include "store_proc.h"
#include "problems.h"
#include "subs.h"
#include "judge0.h"
#include "version.h"

#define DRAIN_MS 30000
#define CLEANUP_MS 20000
#define MAX_WORKERS 256 /* poll slots for worker sockets */

/* The master's state: owned here, handed to the modules at init (sched_init, http_start). */
static struct master M;
/* Set by the signal handler; the loop acts on them. */
static volatile sig_atomic_t sig_term, sig_hup, sig_chld;
static int sigpipe_fds[2] = { -1, -1 }; /* the handler's wake-up for poll() */

static const char *conf_path = "executioner.conf";
static int flag_port = -1, flag_workers = -1;
static const char *flag_level;
static int serve_http = 1; /* --mode: which fronts serve (gRPC also needs grpc.port) */
static int serve_grpc = 1;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: executioner [-c FILE] [--port N] [--workers N] [--mode M] [-v]\n"
		"                   [--log-level L]\n"
		"       executioner [-c FILE] --check-config | --list-images\n"
		"Runs untrusted code in hardened Docker containers behind a REST API.\n"
		"  -c, --config FILE   settings file (default executioner.conf)\n"
		"      --port N        override server.port\n"
		"      --workers N     override workers.count\n"
		"      --mode M        http, grpc or both (default): the REST API, the gRPC API\n"
		"                      (on grpc.port), or both\n"
		"  -v                  log at debug level (same as --log-level debug)\n"
		"      --check-config  validate FILE, print the effective settings, exit\n"
		"      --list-images   print \"language image\" per configured language, exit\n"
		"  -h, --help          this text;  -V, --version  the version\n");
}

/* Loads the config file with env and flag overrides; 0 or -1 with the error printed. */
static int load_config(struct config *c)
{
	struct config_error e;
	if (config_load(conf_path, c, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (flag_port >= 0)
		c->port = flag_port;
	if (flag_workers > 0)
		c->workers = flag_workers;
	if (flag_level)
		snprintf(c->log_level, sizeof(c->log_level), "%s", flag_level);
	if (!serve_grpc)
		c->grpc_port = 0;
	if (!serve_http && c->grpc_port == 0) {
		fprintf(stderr, "executioner: --mode grpc needs grpc.port (it is 0)\n");
		return -1;
	}
	return 0;
}

/* The seccomp profile stays as read at start: the workers were forked with it (a respawned one
 * must get the same), so the one just re-read is dropped, with a warning if it differs. */
static void keep_seccomp(struct config *c)
{
	int same = !strcmp(c->seccomp_profile, M.cfg.seccomp_profile) &&
		   !c->seccomp == !M.cfg.seccomp &&
		   (!c->seccomp || !strcmp(c->seccomp, M.cfg.seccomp));
	if (!same)
		log_warnx("SIGHUP: docker.seccomp_profile (\"%s\" -> \"%s\") or its file changed; "
			  "containers keep the profile read at start until a restart",
			  M.cfg.seccomp_profile, c->seccomp_profile);
	free(c->seccomp);
	c->seccomp = M.cfg.seccomp;
	M.cfg.seccomp = NULL; /* now owned by c, which replaces M.cfg */
	snprintf(c->seccomp_profile, sizeof(c->seccomp_profile), "%s", M.cfg.seccomp_profile);
	snprintf(c->seccomp_path, sizeof(c->seccomp_path), "%s", M.cfg.seccomp_path);
}

static void reload(void)
{
	struct config c;
	sig_hup = 0;
	struct config_error e;
	if (config_load(conf_path, &c, &e) < 0) {
		log_errorx("SIGHUP: keeping the old config; the new one is refused: %s", e.msg);
		return;
	}
	c.port = M.cfg.port; /* the listeners and the worker count stay as started */
	c.grpc_port = M.cfg.grpc_port;
	c.workers = M.cfg.workers;
	snprintf(c.docker_socket, sizeof(c.docker_socket), "%s", M.cfg.docker_socket);
	snprintf(c.instance, sizeof(c.instance), "%s", M.cfg.instance);
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", M.cfg.state_dir);
	keep_seccomp(&c);
	if (flag_level)
		snprintf(c.log_level, sizeof(c.log_level), "%s", flag_level);
	config_free(&M.cfg);
	M.cfg = c;
	log_init(log_level_parse(M.cfg.log_level), !strcmp(M.cfg.log_format, "json"), NULL);
	sched_reconfigure();
	admit_reset();
	log_info("SIGHUP: config reloaded from %s (%d languages)", conf_path, M.cfg.nlangs);
}

static void begin_stop(void)
{
	M.stopping = STOP_DRAIN;
	M.stop_deadline = clock_ms() + DRAIN_MS;
	log_info("stopping: no new requests; waiting for %d running jobs", M.running);
	http_stop_accepting();
	jobs_drop_queue(&M.queue, 503, "the service is shutting down");
}

/* Advances the stop sequence (drain the jobs, then remove this instance's containers); returns
 * 1 when the loop may end. */
static int stop_step(void)
{
	/* wait for jobs and for fills in flight, so the cleanup's listing sees every container */
	if (M.stopping == STOP_DRAIN &&
	    ((M.running == 0 && sched_busy() == 0) || clock_ms() > M.stop_deadline)) {
		if (M.running > 0) {
			log_warnx("stopping: %d jobs did not end within %d s; answering them and "
				  "killing their workers", M.running, DRAIN_MS / 1000);
			sched_abort_running("the service stopped before the job ended");
		}
		M.stopping = STOP_CLEANUP;
		M.cleanup_done = 0;
		M.cleanup_pending = 1;
		M.stop_deadline = clock_ms() + CLEANUP_MS;
		log_info("stopping: removing this instance's containers");
	}
	if (M.stopping == STOP_CLEANUP && (M.cleanup_done || clock_ms() > M.stop_deadline)) {
		if (!M.cleanup_done)
			log_warnx("stopping: container cleanup did not finish in time");
		return 1;
	}
	return 0;
}

/* Signal handlers only set flags and poke the self-pipe. */
static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT)
		sig_term = 1;
	else if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGCHLD)
		sig_chld = 1;
	if (sigpipe_fds[1] >= 0) {
		ssize_t w = write(sigpipe_fds[1], "", 1);
		(void)w;
	}
	errno = saved;
}

static void signals_install(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			fatal("sigaction %d", sigs[i]);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal SIGPIPE");
}

static void drain_sigpipe(void)
{
	char b[64];
	while (read(sigpipe_fds[0], b, sizeof(b)) > 0)
		;
}

static void loop_once(void)
{
	struct pollfd pfd[2 + MAX_WORKERS];
	int n = 0;
	pfd[n++] = (struct pollfd){ .fd = sigpipe_fds[0], .events = POLLIN };
	int hfd = http_poll_fd();
	if (hfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = hfd, .events = POLLIN };
	int first_worker = n;
	int nworkers = procs_poll_fds(pfd + n, MAX_WORKERS);
	n += nworkers;
	int timeout = http_timeout_ms();
	if (timeout < 0 || timeout > 250)
		timeout = 250;
	int r = poll(pfd, (nfds_t)n, timeout);
	if (r < 0 && errno != EINTR)
		fatal("poll");
	if (r > 0 && (pfd[0].revents & POLLIN))
		drain_sigpipe();
	if (r > 0)
		procs_poll_done(pfd + first_worker, nworkers);
	http_run();
}

static void serve_turn(void)
{
	if (sig_chld) {
		sig_chld = 0;
		procs_reap(M.stopping != STOP_NONE);
	}
	if (sig_hup && M.stopping == STOP_NONE)
		reload();
	if (sig_term && M.stopping == STOP_NONE)
		begin_stop();
	procs_respawn_due();
	store_proc_timers();
	callbacks_timers();
	subs_timers();
	sched_timers();
	http_sweep_gone();
	sched_kick();
	http_run();
}

static int serve(void)
{
	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		fatal("pipe");
	signals_install();
	if (owner_claim(M.cfg.state_dir, M.cfg.instance, M.owner) < 0)
		return 1;
	log_info("owner id %s (lock in %s)", M.owner, M.cfg.state_dir);
	subs_init(&M);
	judge0_init(&M);
	problems_init(&M);
	if (sched_init(&M) < 0 || procs_start(M.cfg.workers, &M.cfg, &sched_procs_cb) < 0 ||
	    store_proc_start(&M, subs_store_up) < 0 || callbacks_start(&M) < 0 ||
	    grpc_proc_start(&M) < 0)
		return 1;
	if (serve_http && http_start(&M, http_routes(&M)) < 0) {
		procs_stop_all(2000);
		return 1;
	}
	for (;;) {
		serve_turn();
		if (M.stopping != STOP_NONE && stop_step())
			break;
		loop_once();
	}
	procs_stop_all(3000);
	store_proc_stop(); /* answers the requests still waiting for the store */
	callbacks_stop();
	http_run(); /* sends what the last answered jobs resumed: no connection stays suspended */
	http_stop();
	owner_release();
	sched_free();
	config_free(&M.cfg);
	log_info("stopped");
	return 0;
}

static int parse_mode(const char *s)
{
	serve_http = !strcmp(s, "http") || !strcmp(s, "both");
	serve_grpc = !strcmp(s, "grpc") || !strcmp(s, "both");
	if (serve_http || serve_grpc)
		return 0;
	fprintf(stderr, "executioner: --mode must be http, grpc or both, not \"%s\"\n", s);
	return -1;
}

static int list_images(void)
{
	for (int i = 0; i < M.cfg.nlangs; i++)
		printf("%s %s\n", M.cfg.langs[i].id, M.cfg.langs[i].image);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_PORT = 256, O_WORKERS, O_CHECK, O_LIST, O_LEVEL, O_MODE };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, O_PORT },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "check-config", no_argument, NULL, O_CHECK },
		{ "list-images", no_argument, NULL, O_LIST },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int check = 0, list = 0, o;
	while ((o = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c': conf_path = optarg; break;
		case 'v': flag_level = "debug"; break;
		case O_PORT: flag_port = atoi(optarg); break;
		case O_WORKERS: flag_workers = atoi(optarg); break;
		case O_CHECK: check = 1; break;
		case O_LIST: list = 1; break;
		case O_LEVEL:
			if (log_level_parse(optarg) < 0) {
				fprintf(stderr, "executioner: unknown log level \"%s\"\n", optarg);
				return 2;
			}
			flag_level = optarg;
			break;
		case O_MODE:
			if (parse_mode(optarg) < 0)
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("executioner %s\n", EXECUTIONER_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || (flag_port != -1 && (flag_port < 0 || flag_port > 65535))) {
		usage(stderr);
		return 2;
	}
	if (load_config(&M.cfg) < 0)
		return 2;
	if (check) {
		config_print(&M.cfg, stdout);
		printf("# %s: OK\n", conf_path);
		return 0;
	}
	if (list)
		return list_images();
	log_init(log_level_parse(M.cfg.log_level), !strcmp(M.cfg.log_format, "json"), "master");
	log_info("executioner %s starting: %d languages, %d workers, config %s",
		 EXECUTIONER_VERSION, M.cfg.nlangs, M.cfg.workers, conf_path);
	return serve();
}
