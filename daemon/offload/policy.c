/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/log.h"
#include "offload/policy.h"

struct rtc_offload_policy {
	enum rtc_offload_mode mode;
	struct rtc_offload_backend backend;
	int has_backend;
	int *attached;		/* fds attached through us */
	size_t n_attached, cap_attached;
};

static const char *const mode_names[] = {
	[RTC_OFFLOAD_OFF] = "off",
	[RTC_OFFLOAD_AUTO] = "auto",
	[RTC_OFFLOAD_ON] = "on",
};

int rtc_offload_mode_parse(const char *text, enum rtc_offload_mode *out)
{
	for (size_t i = 0; text && i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(text, mode_names[i]) == 0) {
			*out = (enum rtc_offload_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rtc_offload_mode_name(enum rtc_offload_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode]
									    : "?";
}

int rtc_offload_policy_new(enum rtc_offload_mode mode, const struct rtc_offload_backend *backend,
			   int reason, struct rtc_offload_policy **out)
{
	if ((unsigned)mode > RTC_OFFLOAD_ON)
		return -EINVAL;
	if (mode == RTC_OFFLOAD_ON && !backend)
		return reason < 0 ? reason : -ENOENT;
	struct rtc_offload_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->mode = mode;
	if (backend && mode != RTC_OFFLOAD_OFF) {
		p->backend = *backend;
		p->has_backend = 1;
	} else if (backend && backend->destroy) {
		backend->destroy(backend->ctx);
	}
	*out = p;
	return 0;
}

static int kernel_attach(void *ctx, int fd, uint32_t mark)
{
	return rtc_offload_kernel_attach(ctx, fd, mark);
}

static int kernel_detach(void *ctx, int fd)
{
	return rtc_offload_kernel_detach(ctx, fd);
}

static int kernel_add_stream(void *ctx, int fd, const struct rtc_offload_stream *s)
{
	int err = rtc_offload_kernel_add_stream(ctx, fd, s);

	if (err)
		rtc_debug("srtp offload: stream %08x refused: %s (%s)", s->ssrc, strerror(-err),
			  rtc_offload_kernel_error(ctx));
	return err;
}

static int kernel_del_stream(void *ctx, int fd, uint32_t ssrc, enum rtc_offload_direction d)
{
	return rtc_offload_kernel_del_stream(ctx, fd, ssrc, d);
}

static void kernel_destroy(void *ctx)
{
	rtc_offload_kernel_close(ctx);
}

int rtc_offload_policy_open(enum rtc_offload_mode mode, struct rtc_offload_policy **out)
{
	struct rtc_offload_kernel *k = NULL;
	int err = 0;

	if (mode != RTC_OFFLOAD_OFF)
		err = rtc_offload_kernel_open(&k);
	if (err && mode == RTC_OFFLOAD_AUTO)
		rtc_info("srtp offload: kernel module not available (%s); using libsrtp2",
			 strerror(-err));
	if (!k)
		return rtc_offload_policy_new(mode, NULL, err, out);

	const struct rtc_offload_backend backend = {
		.ctx = k,
		.attach = kernel_attach,
		.detach = kernel_detach,
		.add_stream = kernel_add_stream,
		.del_stream = kernel_del_stream,
		.destroy = kernel_destroy,
	};
	err = rtc_offload_policy_new(mode, &backend, 0, out);
	if (err)
		rtc_offload_kernel_close(k);
	return err;
}

void rtc_offload_policy_free(struct rtc_offload_policy *p)
{
	if (!p)
		return;
	if (p->has_backend && p->backend.destroy)
		p->backend.destroy(p->backend.ctx);
	free(p->attached);
	free(p);
}

int rtc_offload_policy_active(const struct rtc_offload_policy *p)
{
	return p->has_backend;
}

static ssize_t attached_index(const struct rtc_offload_policy *p, int fd)
{
	for (size_t i = 0; i < p->n_attached; i++)
		if (p->attached[i] == fd)
			return (ssize_t)i;
	return -1;
}

static int ensure_attached(struct rtc_offload_policy *p, int fd)
{
	if (attached_index(p, fd) >= 0)
		return 0;
	if (p->n_attached == p->cap_attached) {
		size_t cap = p->cap_attached ? 2 * p->cap_attached : 8;
		int *grown = realloc(p->attached, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->attached = grown;
		p->cap_attached = cap;
	}
	int err = p->backend.attach(p->backend.ctx, fd, RTC_OFFLOAD_MARK);
	if (err)
		return err;
	p->attached[p->n_attached++] = fd;
	return 0;
}

int rtc_offload_policy_place_stream(struct rtc_offload_policy *p, int fd,
				    const struct rtc_offload_stream *stream,
				    enum rtc_srtp_engine *where)
{
	*where = RTC_SRTP_IN_USERSPACE;
	if (!p->has_backend)
		return 0;
	/* Before anything reaches the kernel: a master its UAPI cannot carry. */
	const char *refused = rtc_offload_kernel_refuses(stream->master);

	if (refused) {
		if (p->mode == RTC_OFFLOAD_ON) {
			rtc_err("srtp offload: kernel cannot take SSRC %08x: %s", stream->ssrc,
				refused);
			return -EPROTONOSUPPORT;
		}
		rtc_info("srtp offload: SSRC %08x stays with libsrtp2: %s", stream->ssrc, refused);
		return 0;
	}
	int err = ensure_attached(p, fd);
	if (!err)
		err = p->backend.add_stream(p->backend.ctx, fd, stream);
	if (!err) {
		*where = RTC_SRTP_IN_KERNEL;
		return 0;
	}
	if (p->mode == RTC_OFFLOAD_ON) {
		rtc_err("srtp offload: kernel refused SSRC %08x: %s", stream->ssrc, strerror(-err));
		return err;
	}
	rtc_info("srtp offload: SSRC %08x stays with libsrtp2: %s", stream->ssrc, strerror(-err));
	return 0;
}

int rtc_offload_policy_remove_stream(struct rtc_offload_policy *p, int fd, uint32_t ssrc,
				     enum rtc_offload_direction direction)
{
	if (!p->has_backend || attached_index(p, fd) < 0)
		return -ENOENT;
	return p->backend.del_stream(p->backend.ctx, fd, ssrc, direction);
}

void rtc_offload_policy_release_socket(struct rtc_offload_policy *p, int fd)
{
	ssize_t i = attached_index(p, fd);

	if (i < 0)
		return;
	int err = p->backend.detach(p->backend.ctx, fd);
	if (err)
		rtc_debug("srtp offload: detach fd %d: %s", fd, strerror(-err));
	p->attached[i] = p->attached[--p->n_attached];
}
