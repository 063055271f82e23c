/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/dtls/dtls-bio.h"

#include <pthread.h>
#include <string.h>

static BIO_METHOD *datagram_method;
static pthread_once_t datagram_method_once = PTHREAD_ONCE_INIT;

static int datagram_write(BIO *bio, const char *data, int len)
{
	struct rtc_dtls_bio_io *io = BIO_get_data(bio);

	BIO_clear_retry_flags(bio);
	if (len < 0)
		return -1;
	/* A full queue drops the datagram, as a full socket buffer would:
	 * DTLS retransmits handshake flights and the layers above it cope with
	 * loss. Failing the write instead would make OpenSSL fail the
	 * connection. */
	if (rtc_dtls_queue_push(io->out, RTC_DTLS_BIO_DATAGRAM, data, (size_t)len) < 0)
		io->out_dropped++;
	return len;
}

static int datagram_read(BIO *bio, char *buf, int size)
{
	struct rtc_dtls_bio_io *io = BIO_get_data(bio);
	size_t n;

	BIO_clear_retry_flags(bio);
	if (!io->in) {
		BIO_set_retry_read(bio);
		return -1;
	}
	/* Datagram semantics: what does not fit in OpenSSL's buffer is lost,
	 * and never mistaken for the start of the next datagram. */
	n = size < 0 ? 0 : (size_t)size;
	if (n > io->in_len)
		n = io->in_len;
	memcpy(buf, io->in, n);
	io->in = NULL;
	io->in_len = 0;
	return (int)n;
}

static long datagram_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING: {
		struct rtc_dtls_bio_io *io = BIO_get_data(bio);
		return io && io->in ? (long)io->in_len : 0;
	}
	default:
		/* No path MTU discovery (the endpoint sets SSL_OP_NO_QUERY_MTU and
		 * a fixed MTU), no socket timeouts, nothing buffered for writing. */
		return 0;
	}
}

static int datagram_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

static void create_datagram_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "rtcd DTLS datagrams");

	if (!m)
		return;
	if (!BIO_meth_set_write(m, datagram_write) || !BIO_meth_set_read(m, datagram_read) ||
	    !BIO_meth_set_ctrl(m, datagram_ctrl) || !BIO_meth_set_create(m, datagram_create)) {
		BIO_meth_free(m);
		return;
	}
	datagram_method = m;
}

BIO *rtc_dtls_bio_new(struct rtc_dtls_bio_io *io)
{
	BIO *bio;

	pthread_once(&datagram_method_once, create_datagram_method);
	if (!datagram_method)
		return NULL;
	bio = BIO_new(datagram_method);
	if (bio)
		BIO_set_data(bio, io);
	return bio;
}
