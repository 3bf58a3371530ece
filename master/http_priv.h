/*
 * http_priv.h - what the REST front's plumbing (http.c) and its endpoints (http_routes.c) share:
 * a request's context, the answers, the suspension of a request that waits for its job, and the
 * router table through which the plumbing hands over each request.
 */
#ifndef EXECUTIONER_HTTP_PRIV_H
#define EXECUTIONER_HTTP_PRIV_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include <cjson/cJSON.h>
#include "config.h"

struct reqctx {
	struct buf body;
	struct job *job;             /* while suspended: the job it waits for */
	struct MHD_Connection *conn;
	struct subs_call *call;      /* while suspended: the submission answer it waits for */
	struct judge0_call *j0call;  /* or the Judge0 answer (judge0.c) */
	struct problems_call *pcall; /* while suspended: the problem store's answer */
	int ans_ready, ans_http;     /* that answer, once given (subs_answered) */
	char *ans_body;
	char ans_token[40];
	struct reqctx *prev, *next;  /* list of suspended requests */
	int fd;                      /* its socket, watched for the client going away */
	int too_big;
	int responded;
	char method[12];
	char path[128];
	char client[48];
	char lang[CONF_ID_MAX];
	uint32_t job_id;
	long t0, t_start, t_end; /* admitted, dispatched, answered (ms) */
};

/* The endpoints, given to http_start(): the body cap of a request to url; a request whose body is
 * complete; a request whose declared body is over the cap, refused before it is read. */
struct http_router {
	size_t (*body_max)(const char *url);
	enum MHD_Result (*serve)(struct MHD_Connection *c, const char *url, const char *method,
				 struct reqctx *x);
	enum MHD_Result (*refuse)(struct MHD_Connection *c, const char *url, const char *method,
				  struct reqctx *x);
};

/* Queues a response (body is taken over, NULL: out of memory), with the extra header hk: hv when
 * hk is set; counted and logged for x unless x is NULL. */
enum MHD_Result http_respond_as(struct MHD_Connection *c, struct reqctx *x, int status, char *body,
				const char *type, const char *hk, const char *hv);
/* A JSON answer, with an Allow header when allow is set. */
enum MHD_Result http_respond(struct MHD_Connection *c, struct reqctx *x, int status, char *body,
			     const char *allow);
enum MHD_Result http_respond_json(struct MHD_Connection *c, struct reqctx *x, int status,
				  cJSON *o);
/* The access log's line for x, answered with status. */
void http_access_log(const struct reqctx *x, int status);
/* Suspends c until x's job ends, watching its socket for the client going away. */
void http_suspend(struct MHD_Connection *c, struct reqctx *x);

#endif
