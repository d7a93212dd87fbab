/*
 * nft_netlink: the socket, the generation id, and the batch: one buffer,
 * one sendmsg, every answer read and mapped back to what caused it.
 * Never sends anything but what the caller's batch holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71	/* Linux 5.14 */
#endif

#include "mem.h"
#include "nft_netlink_int.h"

/* Replies to one request are read into this; dumps fill up to 32 KiB per skb. */
#define NFN_RECV_SIZE (128 * 1024)

/*
 * Receive room per acknowledged message: an ACK skb costs about 1 KiB of
 * socket memory (truesize), and the kernel doubles what we ask for.
 */
#define NFN_RCV_PER_MSG 1024
#define NFN_RCV_MIN (256 * 1024)

/* Missing ACKs after the queue ran dry: how long to wait, in ms, how often. */
#define NFN_ACK_WAIT_MS 200
#define NFN_ACK_WAIT_TRIES 5

static int nfn_size_buf(struct nft_netlink *nl, int force, int opt, int size)
{
	int fd = mnl_socket_get_fd(nl->sock);

	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) == 0)
		return 0;
	/* Without CAP_NET_ADMIN: as much as net.core.[rw]mem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) == 0)
		return 0;
	return -errno;
}

int nft_netlink_open(struct nft_netlink **out)
{
	struct nft_netlink *nl = NULL;
	int on = 1;
	int ret = -ENOMEM;
	int fd;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		goto out;
	nl->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl->sock) {
		ret = -errno;
		goto out;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	fd = mnl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on)) < 0) {
		ret = -errno;
		goto out;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	nl = NULL;
	ret = 0;
out:
	nft_netlink_close(nl);
	return ret;
}

void nft_netlink_close(struct nft_netlink *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

int nfn_talk(struct nft_netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char *buf = NULL;
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	buf = malloc(NFN_RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, NFN_RECV_SIZE);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (ret < 0) {
			ret = errno ? -errno : -EPROTO;
			goto out;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static int nfn_genid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();
	uint32_t *genid = data;

	if (!gen)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, gen) < 0) {
		nftnl_gen_free(gen);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	*genid = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

int nft_netlink_get_genid(struct nft_netlink *nl, uint32_t *genid)
{
	char buf[512];	/* one small request */
	struct nlmsghdr *nlh;
	uint32_t g = 0;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, nl->seq++);
	ret = nfn_talk(nl, nlh, nfn_genid_cb, &g);
	if (ret < 0)
		return ret;
	*genid = g;
	return 0;
}

static int nfn_ok_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(bool *)data = true;
	return MNL_CB_OK;
}

int nft_netlink_chain_exists(struct nft_netlink *nl, enum ir_family family, const char *table,
			     const char *chain, bool *out)
{
	char buf[512];	/* one small request */
	struct nlmsghdr *nlh;
	int ret;

	*out = false;
	if (strlen(table) > 64 || strlen(chain) > 64)
		return -EINVAL;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, nfn_family(family), NLM_F_ACK, nl->seq++);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
	ret = nfn_talk(nl, nlh, nfn_ok_cb, out);
	if (ret == -ENOENT) {
		*out = false;
		return 0;
	}
	return ret;
}

int nft_netlink_get_instance(struct nft_netlink *nl, char out[NFT_NETLINK_INSTANCE_MAX])
{
	char boot[40] = "";
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	ssize_t n;
	int fd;

	if (getsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_NETNS_COOKIE, &cookie,
		       &len) < 0)
		return -errno;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, boot, sizeof(boot) - 1);
	close(fd);
	if (n < 36)
		return -EIO;
	boot[36] = '\0';
	snprintf(out, NFT_NETLINK_INSTANCE_MAX, "%s/%llu", boot, (unsigned long long)cookie);
	return 0;
}

int nft_netlink_same_generation(struct nft_netlink *nl, uint32_t genid, const char *instance,
				bool *same)
{
	char now[NFT_NETLINK_INSTANCE_MAX];
	uint32_t g = 0;
	int ret;

	*same = false;
	if (!genid || !instance)
		return 0;
	ret = nft_netlink_get_genid(nl, &g);
	if (ret < 0)
		return ret;
	/* An instance the kernel cannot name is never the recorded one. */
	if (g == genid && nft_netlink_get_instance(nl, now) == 0)
		*same = !strcmp(now, instance);
	return 0;
}

uint16_t nfn_family(enum ir_family f)
{
	switch (f) {
	case IR_FAMILY_INET:
		return NFPROTO_INET;
	case IR_FAMILY_IP:
		return NFPROTO_IPV4;
	case IR_FAMILY_IP6:
		return NFPROTO_IPV6;
	}
	return NFPROTO_UNSPEC;
}

/* ---- the batch buffer ---------------------------------------------------- */

/*
 * Room for @room more bytes, cleared: libmnl 1.0.4 leaves attribute padding
 * as it finds it, so what is sent must start as zeros.  Only the room about
 * to be written is cleared, not the whole doubled buffer: at 100 000
 * networks that was 4 MB of fresh memory touched for nothing.
 */
static int nfn_reserve(struct nft_netlink_batch *b, size_t room)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *p;

	if (b->len + room > b->cap) {
		while (cap < b->len + room)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return -ENOMEM;
		b->buf = p;
		b->cap = cap;
	}
	if (b->zeroed < b->len + room) {
		mem_prefault(b->buf + b->zeroed, b->len + room - b->zeroed);
		memset(b->buf + b->zeroed, 0, b->len + room - b->zeroed);
		b->zeroed = b->len + room;
	}
	return 0;
}

int nft_netlink_batch_new(struct nft_netlink *nl, uint32_t genid, const char *site_file,
			  struct nft_netlink_batch **out)
{
	struct nft_netlink_batch *b = calloc(1, sizeof(*b));
	struct nlmsghdr *nlh;

	if (!b || nfn_reserve(b, NFN_MSG_ROOM) < 0) {
		nft_netlink_batch_free(b);
		return -ENOMEM;
	}
	b->seq_begin = nl ? nl->seq : 1;
	b->seq = b->seq_begin + 1;
	b->genid = genid;
	b->site_file = site_file;
	b->next_set_id = 1;
	nlh = nftnl_batch_begin(b->buf, b->seq_begin);
	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	b->len = NLMSG_ALIGN(nlh->nlmsg_len);
	*out = b;
	return 0;
}

void nft_netlink_batch_free(struct nft_netlink_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->recs);
	free(b->set_ids);
	free(b);
}

struct nlmsghdr *nfn_msg_begin(struct nft_netlink_batch *b, uint16_t type, uint16_t family,
			       uint16_t flags, size_t room, unsigned line, const char *fmt, ...)
{
	struct nfn_rec *rec;
	va_list ap;

	if (b->finished || nfn_reserve(b, room) < 0)
		return NULL;
	if (b->n_recs == b->alloc_recs) {
		size_t n = b->alloc_recs ? 2 * b->alloc_recs : 32;
		struct nfn_rec *p = realloc(b->recs, n * sizeof(*p));

		if (!p)
			return NULL;
		b->recs = p;
		b->alloc_recs = n;
	}
	rec = &b->recs[b->n_recs++];
	rec->seq = b->seq;
	rec->line = line;
	va_start(ap, fmt);
	vsnprintf(rec->what, sizeof(rec->what), fmt, ap);
	va_end(ap);
	/* Every message asks for its ACK, so that each is read and accounted for. */
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags | NLM_F_ACK, b->seq++);
}

void nfn_msg_end(struct nft_netlink_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

int nfn_set_id_add(struct nft_netlink_batch *b, const char *name, uint32_t id)
{
	struct nfn_set_id *s;

	if (b->n_set_ids == b->alloc_set_ids) {
		size_t n = b->alloc_set_ids ? 2 * b->alloc_set_ids : 8;
		struct nfn_set_id *p = realloc(b->set_ids, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->set_ids = p;
		b->alloc_set_ids = n;
	}
	s = &b->set_ids[b->n_set_ids++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->id = id;
	return 0;
}

uint32_t nfn_set_id_find(const struct nft_netlink_batch *b, const char *name)
{
	size_t i;

	for (i = b->n_set_ids; i-- > 0;)
		if (strcmp(b->set_ids[i].name, name) == 0)
			return b->set_ids[i].id;
	return 0;
}

size_t nft_netlink_batch_count(const struct nft_netlink_batch *b)
{
	return b->n_recs;
}

int nft_netlink_batch_finish(struct nft_netlink_batch *b, unsigned flags)
{
	struct nlmsghdr *nlh;

	if (b->finished)
		return 0;
	if (!(flags & NFT_NETLINK_CHECK)) {
		if (nfn_reserve(b, 64) < 0)
			return -ENOMEM;
		nlh = nftnl_batch_end(b->buf + b->len, b->seq++);
		b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	b->finished = true;
	return 0;
}

const void *nft_netlink_batch_data(const struct nft_netlink_batch *b, size_t *len)
{
	if (!b->finished)
		return NULL;
	*len = b->len;
	return b->buf;
}

/* ---- sending and reading the answers ------------------------------------- */

struct nfn_answers {
	const struct nft_netlink_batch *b;
	struct diag *d;
	size_t n_acks;		/* ACKs for the batch's own messages */
	int first_err;
	bool batch_err;		/* the kernel answered for the batch as a whole */
};

static int nfn_extack_cb(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

static const struct nfn_rec *nfn_rec_find(const struct nft_netlink_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq_begin - 1;

	/* Records are in sequence order, one per message after BATCH_BEGIN. */
	if (seq == b->seq_begin || i >= b->n_recs || b->recs[i].seq != seq)
		return NULL;
	return &b->recs[i];
}

static void nfn_answer(struct nfn_answers *a, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nft_netlink_batch *b = a->b;
	const struct nfn_rec *rec;
	const char *ext = NULL;
	struct srcloc loc = { .file = b->site_file };
	unsigned off;
	int err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	err = e->error;
	rec = nfn_rec_find(b, nlh->nlmsg_seq);
	if (rec && err == 0) {
		a->n_acks++;
		return;
	}
	if (err == 0)
		return;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
		if (NLMSG_HDRLEN + off < nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, nfn_extack_cb, &ext);
	}
	if (!rec) {
		a->batch_err = true;
		if (err == -ERESTART) {
			err = -ESTALE;
			diag(a->d, NULL, err, "the ruleset changed since it was read (generation %u); "
			     "nothing was applied, run again", b->genid);
		} else {
			diag(a->d, NULL, err, "kernel refused the batch: %s%s%s", strerror(-err),
			     ext ? ": " : "", ext ? ext : "");
		}
	} else {
		loc.line = rec->line;
		diag(a->d, b->site_file ? &loc : NULL, err, "kernel refused %s: %s%s%s", rec->what,
		     strerror(-err), ext ? ": " : "", ext ? ext : "");
		a->n_acks++;
	}
	if (!a->first_err || (a->first_err != -ESTALE && err == -ESTALE))
		a->first_err = err;
}

static int nfn_read_answers(struct nft_netlink *nl, struct nfn_answers *a)
{
	char *buf = malloc(NFN_RECV_SIZE);
	const struct nlmsghdr *nlh;
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	bool lost = false;
	int tries = 0;
	int ret = 0;
	ssize_t n;
	int len;

	if (!buf)
		return -ENOMEM;
	/* Read until the queue is dry, so that nothing is left for the next request. */
	for (;;) {
		n = recv(pfd.fd, buf, NFN_RECV_SIZE, MSG_DONTWAIT);
		if (n < 0) {
			ret = -errno;
			if (ret == -EINTR)
				continue;
			if (ret == -ENOBUFS) {
				lost = true;
				continue;
			}
			if (ret != -EAGAIN)
				break;
			ret = 0;
			if (a->n_acks >= a->b->n_recs || a->batch_err || lost)
				break;
			/*
			 * nfnetlink queues every answer before sendmsg returns;
			 * the short wait only covers a kernel that does not.
			 */
			if (tries++ == NFN_ACK_WAIT_TRIES || poll(&pfd, 1, NFN_ACK_WAIT_MS) < 0)
				break;
			continue;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR)
				nfn_answer(a, nlh);
		}
	}
	free(buf);
	if (ret < 0)
		return ret;
	if (lost || (a->n_acks < a->b->n_recs && !a->batch_err))
		return -ENOBUFS;
	return 0;
}

int nft_netlink_batch_send(struct nft_netlink *nl, struct nft_netlink_batch *b, unsigned flags,
			   struct diag *d)
{
	struct nfn_answers a = { .b = b, .d = d };
	size_t rcv;
	int ret;

	ret = nft_netlink_batch_finish(b, flags);
	if (ret < 0)
		return diag(d, NULL, ret, "cannot build the netlink batch: %s", strerror(-ret));
	if (b->len > INT32_MAX / 2)
		return diag(d, NULL, -EMSGSIZE, "netlink batch of %zu bytes is too large", b->len);
	/* A batch longer than the send buffer fails with EMSGSIZE: size it. */
	if ((int)b->len + 4096 > nl->sndbuf) {
		ret = nfn_size_buf(nl, SO_SNDBUFFORCE, SO_SNDBUF, (int)b->len + 4096);
		if (ret < 0)
			return diag(d, NULL, ret, "cannot size the netlink send buffer to %zu bytes: %s",
				    b->len, strerror(-ret));
		nl->sndbuf = (int)b->len + 4096;
	}
	rcv = b->n_recs * NFN_RCV_PER_MSG + NFN_RCV_MIN;
	if (rcv > INT32_MAX / 2)
		rcv = INT32_MAX / 2;
	if ((int)rcv > nl->rcvbuf) {
		ret = nfn_size_buf(nl, SO_RCVBUFFORCE, SO_RCVBUF, (int)rcv);
		if (ret < 0)
			return diag(d, NULL, ret, "cannot size the netlink receive buffer: %s",
				    strerror(-ret));
		nl->rcvbuf = (int)rcv;
	}
	if (nl->seq < b->seq)
		nl->seq = b->seq;
	if (mnl_socket_sendto(nl->sock, b->buf, b->len) < 0) {
		ret = -errno;
		return diag(d, NULL, ret, "cannot send the netlink batch (%zu bytes): %s", b->len,
			    strerror(-ret));
	}
	ret = nfn_read_answers(nl, &a);
	if (ret == -ENOBUFS)
		return diag(d, NULL, ret, "lost the kernel's answers to the batch: whether it was "
			    "applied is unknown; read the ruleset again");
	if (ret < 0)
		return diag(d, NULL, ret, "cannot read the kernel's answers: %s", strerror(-ret));
	return a.first_err;
}
