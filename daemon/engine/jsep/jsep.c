/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer connection's signalling: the four W3C descriptions, the state
 * machine, implicit descriptions and negotiation-needed.
 *
 * Every operation works in two halves: first everything that can fail
 * (state check, parsing, validation, building the new descriptions) into
 * local variables, then a commit that cannot fail. So a failing call
 * leaves the object exactly as it was.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include "engine/base/rng.h"

#include "engine/jsep/jsep-private.h"

static void description_clear(struct jsep_description *d)
{
	free(d->text);
	rtc_sdp_free(d->sdp);
	*d = (struct jsep_description){ 0 };
}

/* Takes ownership of text on success. */
static int description_parse(enum rtc_sdp_type type, char *text, struct jsep_description *out,
			     struct rtc_error *err)
{
	struct rtc_sdp_session *sdp;

	if (rtc_sdp_parse(text, strlen(text), &sdp, err) < 0)
		return -1;
	*out = (struct jsep_description){ .type = type, .text = text, .sdp = sdp };
	return 0;
}

/* A 63-bit random o= sess-id (RFC 9429 section 5.2.1). */
static int make_session_id(char out[21], struct rtc_error *err)
{
	uint64_t id;

	if (rtc_rng_bytes(&id, sizeof(id)) < 0) {
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "the random generator failed");
	}
	snprintf(out, 21, "%" PRIu64, id & INT64_MAX);
	return 0;
}

/* RFC 7022: a random CNAME per peer connection, 96 bits in base64 form. */
static int make_cname(char out[17], struct rtc_error *err)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t bytes[16];

	if (rtc_rng_bytes(bytes, sizeof(bytes)) < 0) {
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION, "the random generator failed");
	}
	for (size_t i = 0; i < 16; i++)
		out[i] = alphabet[bytes[i] & 63];
	out[16] = '\0';
	return 0;
}

int rtc_jsep_new(const struct rtc_jsep_config *config, struct rtc_jsep **out,
		 struct rtc_error *err)
{
	struct rtc_jsep *jsep = calloc(1, sizeof(*jsep));

	if (!jsep)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	jsep->config = *config;
	jsep->state = RTC_SIGNALING_STABLE;
	if (rtc_cert_generate("rtcd", &jsep->cert, err) < 0 ||
	    rtc_ice_credentials_generate(&jsep->initial_ice, err) < 0 ||
	    make_session_id(jsep->session_id, err) < 0 || make_cname(jsep->cname, err) < 0) {
		rtc_jsep_free(jsep);
		return -1;
	}
	*out = jsep;
	return 0;
}

void rtc_jsep_free(struct rtc_jsep *jsep)
{
	if (!jsep)
		return;
	description_clear(&jsep->current_local);
	description_clear(&jsep->pending_local);
	description_clear(&jsep->current_remote);
	description_clear(&jsep->pending_remote);
	free(jsep->last_offer);
	free(jsep->last_answer);
	jsep_media_free(&jsep->media);
	free(jsep->stable);
	rtc_cert_free(jsep->cert);
	free(jsep);
}

/* ---- negotiation-needed (W3C section 4.7.3) ---- */

static bool data_section_negotiated(const struct rtc_jsep *jsep)
{
	const struct rtc_sdp_session *s = jsep->current_local.sdp;

	for (size_t i = 0; s && i < s->n_media; i++)
		if (jsep_media_is_data(s->media[i]) && s->media[i]->port != 0)
			return true;
	return false;
}

void jsep_update_negotiation_needed(struct rtc_jsep *jsep)
{
	if (jsep->state != RTC_SIGNALING_STABLE)
		return;         /* updated again when the state returns to stable */
	if (!jsep->ice_restart_requested &&
	    (!jsep->data_channel_wanted || data_section_negotiated(jsep)) &&
	    !jsep_transceivers_need_negotiation(jsep)) {
		jsep->negotiation_needed = false;
		return;
	}
	if (jsep->negotiation_needed)
		return;
	jsep->negotiation_needed = true;
	jsep->negotiation_event_due = true;
}

/* After a description brought the state back to stable: a flag still set
 * from before means the earlier event was swallowed by a non-stable state,
 * so it is due again. */
static void returned_to_stable(struct rtc_jsep *jsep)
{
	bool was_needed = jsep->negotiation_needed;

	jsep_update_negotiation_needed(jsep);
	if (was_needed && jsep->negotiation_needed)
		jsep->negotiation_event_due = true;
}

void rtc_jsep_add_data_channel(struct rtc_jsep *jsep)
{
	if (jsep->state == RTC_SIGNALING_CLOSED)
		return;
	if (!jsep->data_channel_wanted)
		jsep->generation++;
	jsep->data_channel_wanted = true;
	jsep_update_negotiation_needed(jsep);
}

/* W3C restartIce(): the next offer gets new credentials, and the app is
 * told to negotiate. */
void rtc_jsep_restart_ice(struct rtc_jsep *jsep)
{
	if (jsep->state == RTC_SIGNALING_CLOSED)
		return;
	jsep->ice_restart_requested = true;
	jsep->generation++;
	jsep_update_negotiation_needed(jsep);
}

/* The W3C task that fires the event checks again when it runs: by then the
 * state may have left stable, or the flag been cleared. */
bool rtc_jsep_take_negotiation_needed(struct rtc_jsep *jsep)
{
	bool due = jsep->negotiation_event_due;

	jsep->negotiation_event_due = false;
	return due && jsep->negotiation_needed && jsep->state == RTC_SIGNALING_STABLE;
}

/* ---- creating descriptions ---- */

/* W3C [[LastCreatedOffer]]/[[LastCreatedAnswer]]: keeps `text` (taken) as
 * the last one created, and gives the caller a copy. */
static int remember_created(struct rtc_jsep *jsep, char *text, char **last,
			    uint64_t *last_generation, char **sdp, struct rtc_error *err)
{
	char *copy = strdup(text);

	if (!copy) {
		free(text);
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	free(*last);
	*last = text;
	*last_generation = jsep->generation;
	*sdp = copy;
	return 0;
}

int rtc_jsep_create_offer(struct rtc_jsep *jsep, const struct rtc_offer_options *options,
			  char **sdp, struct rtc_error *err)
{
	char *text;

	if (jsep->state == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	jsep_propose_mids(jsep);
	if (jsep_create_offer(jsep, (options && options->ice_restart) ||
				    jsep->ice_restart_requested, &text, err) < 0)
		return -1;
	return remember_created(jsep, text, &jsep->last_offer, &jsep->last_offer_generation, sdp,
				err);
}

int rtc_jsep_create_answer(struct rtc_jsep *jsep, char **sdp, struct rtc_error *err)
{
	char *text;

	if (jsep->state == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	if (jsep_create_answer(jsep, &text, err) < 0)
		return -1;
	return remember_created(jsep, text, &jsep->last_answer, &jsep->last_answer_generation,
				sdp, err);
}

/* ---- applying descriptions ---- */

static void rollback(struct rtc_jsep *jsep)
{
	jsep_media_rollback(jsep, &jsep->media);
	description_clear(&jsep->pending_local);
	description_clear(&jsep->pending_remote);
	jsep->state = RTC_SIGNALING_STABLE;
}

/* The text to apply as our own description: the one given, which must be
 * the one we last created (W3C forbids changing it: "SDP munging"), or for
 * an empty one the last created if it still describes the current state,
 * else a new one (W3C setLocalDescription() without a description). */
static int local_text(struct rtc_jsep *jsep, enum rtc_sdp_type type, const char *sdp,
		      char **out, struct rtc_error *err)
{
	const bool offer = type == RTC_SDP_TYPE_OFFER;
	const char *last = offer ? jsep->last_offer : jsep->last_answer;
	uint64_t last_generation = offer ? jsep->last_offer_generation
					 : jsep->last_answer_generation;

	if (sdp && *sdp) {
		if (!last || strcmp(sdp, last) != 0)
			return rtc_error_set(err, RTC_ERROR_INVALID_MODIFICATION,
					     "the SDP is not the %s last created by create%s(); "
					     "modifying it is not supported",
					     offer ? "offer" : "answer", offer ? "Offer" : "Answer");
	} else if (!last || last_generation != jsep->generation) {
		if (offer)
			jsep_propose_mids(jsep);
		return offer ? jsep_create_offer(jsep, jsep->ice_restart_requested, out, err)
			     : jsep_create_answer(jsep, out, err);
	}
	*out = strdup(last);
	if (!*out)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	return 0;
}

/* What applying a description changes besides the descriptions, all
 * prepared before the commit so that the commit cannot fail. */
struct applied {
	struct jsep_media_state media;
	struct jsep_transceiver *stable;        /* new rollback point, or NULL */
	size_t n_stable;
	bool has_session, has_transport;
	struct rtc_jsep_sctp_session session;
	struct rtc_jsep_transport transport;
};

/* Transceivers after sdp, and for an offer that leaves "stable" the point
 * a rollback returns to. */
static int prepare(struct rtc_jsep *jsep, const struct jsep_media_state *from,
		   enum jsep_side side, enum rtc_sdp_type type, const struct rtc_sdp_session *sdp,
		   struct applied *out, struct rtc_error *err)
{
	if (jsep_media_apply(jsep, from, side, type, sdp, &out->media, err) < 0)
		return -1;
	if (type == RTC_SDP_TYPE_OFFER && jsep->state == RTC_SIGNALING_STABLE) {
		out->n_stable = jsep->media.n;
		out->stable = calloc(jsep->media.n ? jsep->media.n : 1, sizeof(*out->stable));
		if (!out->stable) {
			jsep_media_free(&out->media);
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		}
		if (jsep->media.n)
			memcpy(out->stable, jsep->media.v, jsep->media.n * sizeof(*out->stable));
	}
	return 0;
}

/* The common end of applying a description: the transceivers, and an
 * answer or pranswer settles the transport and the data-channel session
 * (has_session false: none, e.g. the section was rejected). */
static void finish_transition(struct rtc_jsep *jsep, enum rtc_sdp_type type,
			      enum rtc_signaling_state next, struct applied *a)
{
	jsep_media_free(&jsep->media);
	jsep->media = a->media;
	if (a->stable) {
		free(jsep->stable);
		jsep->stable = a->stable;
		jsep->n_stable = a->n_stable;
	}
	if (type != RTC_SDP_TYPE_OFFER) {
		jsep->has_sctp_session = a->has_session;
		if (a->has_session)
			jsep->sctp_session = a->session;
		jsep->has_transport = a->has_transport;
		if (a->has_transport)
			jsep->transport = a->transport;
	}
	jsep->state = next;
	jsep->generation++;
	if (next == RTC_SIGNALING_STABLE)
		returned_to_stable(jsep);
}

int rtc_jsep_set_local_description(struct rtc_jsep *jsep, enum rtc_sdp_type type,
				   const char *sdp, struct rtc_error *err)
{
	struct jsep_description d;
	struct applied a = { 0 };
	enum rtc_signaling_state next;
	char *text;

	if (jsep_next_state(jsep->state, JSEP_LOCAL, type, &next, err) < 0)
		return -1;
	if (type == RTC_SDP_TYPE_ROLLBACK) {
		rollback(jsep);
		jsep->generation++;
		returned_to_stable(jsep);
		return 0;
	}
	if (local_text(jsep, type, sdp, &text, err) < 0)
		return -1;
	if (description_parse(type, text, &d, err) < 0) {
		free(text);
		return -1;
	}
	/* An answer created for an earlier remote offer does not fit this one. */
	if (type != RTC_SDP_TYPE_OFFER &&
	    jsep_check_answer_fits_offer(jsep->pending_remote.sdp, d.sdp, err) < 0) {
		description_clear(&d);
		return -1;
	}
	if (type != RTC_SDP_TYPE_OFFER) {
		a.has_session = jsep_read_sctp_session(jsep->pending_remote.sdp, d.sdp, false,
						       &a.session);
		a.has_transport = jsep_read_transport(jsep->pending_remote.sdp, d.sdp, false,
						      &a.transport);
	}
	if (prepare(jsep, &jsep->media, JSEP_LOCAL, type, d.sdp, &a, err) < 0) {
		description_clear(&d);
		return -1;
	}

	/* Commit. */
	if (type == RTC_SDP_TYPE_OFFER && jsep->ice_restart_requested) {
		struct rtc_ice_credentials before;
		const char *ufrag = NULL;

		jsep_local_ice(jsep, &before);
		for (size_t i = 0; i < d.sdp->n_media && !ufrag; i++)
			ufrag = rtc_sdp_ice_ufrag(d.sdp, d.sdp->media[i]);
		/* W3C: the restart is done once an offer with new credentials
		 * is our description. */
		if (ufrag && strcmp(ufrag, before.ufrag) != 0)
			jsep->ice_restart_requested = false;
	}
	switch (type) {
	case RTC_SDP_TYPE_OFFER:
	case RTC_SDP_TYPE_PRANSWER:
		description_clear(&jsep->pending_local);
		jsep->pending_local = d;
		break;
	case RTC_SDP_TYPE_ANSWER:
		description_clear(&jsep->current_local);
		description_clear(&jsep->current_remote);
		description_clear(&jsep->pending_local);
		jsep->current_local = d;
		jsep->current_remote = jsep->pending_remote;
		jsep->pending_remote = (struct jsep_description){ 0 };
		break;
	case RTC_SDP_TYPE_ROLLBACK:
		break;
	}
	finish_transition(jsep, type, next, &a);
	return 0;
}

/* Before parsing: a text with more candidate lines than all of its
 * sections may hold is refused at the cost of one pass over it, not of
 * parsing thousands of candidates (check_candidate_count() has the exact
 * count per section). */
static int precount_candidates(const char *sdp, struct rtc_error *err)
{
	size_t candidates = 0, sections = 0;

	for (const char *p = sdp; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (strncmp(p, "m=", 2) == 0)
			sections++;
		else if (strncmp(p, "a=candidate:", 12) == 0)
			candidates++;
	}
	if (candidates > RTC_JSEP_MAX_REMOTE_CANDIDATES * (sections ? sections : 1))
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "%zu candidates in %zu media sections: at most %d per section",
				     candidates, sections, RTC_JSEP_MAX_REMOTE_CANDIDATES);
	return 0;
}

int rtc_jsep_set_remote_description(struct rtc_jsep *jsep, enum rtc_sdp_type type,
				    const char *sdp, struct rtc_error *err)
{
	enum rtc_signaling_state state = jsep->state, next;
	struct jsep_media_state rolled = { 0 };
	struct jsep_description d;
	struct applied a = { 0 };
	char *text;
	int ret;

	/* W3C: a remote offer that collides with our own rolls ours back
	 * first ("perfect negotiation"); if the offer then fails, the
	 * rollback does not happen either. */
	if (type == RTC_SDP_TYPE_OFFER && state == RTC_SIGNALING_HAVE_LOCAL_OFFER)
		state = RTC_SIGNALING_STABLE;
	if (jsep_next_state(state, JSEP_REMOTE, type, &next, err) < 0)
		return -1;
	if (type == RTC_SDP_TYPE_ROLLBACK) {
		rollback(jsep);
		jsep->generation++;
		returned_to_stable(jsep);
		return 0;
	}
	if (!sdp || !*sdp)
		return rtc_error_set(err, RTC_ERROR_TYPE, "a remote %s needs its SDP",
				     rtc_sdp_type_name(type));
	if (precount_candidates(sdp, err) < 0)
		return -1;
	text = strdup(sdp);
	if (!text)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	if (description_parse(type, text, &d, err) < 0) {
		free(text);
		return -1;
	}
	if (jsep_validate_remote(jsep, type, d.sdp, err) < 0) {
		description_clear(&d);
		return -1;
	}
	if (type != RTC_SDP_TYPE_OFFER) {
		a.has_session = jsep_read_sctp_session(jsep->pending_local.sdp, d.sdp, true,
						       &a.session);
		a.has_transport = jsep_read_transport(jsep->pending_local.sdp, d.sdp, true,
						      &a.transport);
	}
	/* The implicit rollback of our offer, on a copy until the commit. */
	if (type == RTC_SDP_TYPE_OFFER && jsep->state == RTC_SIGNALING_HAVE_LOCAL_OFFER) {
		if (jsep_media_copy(&jsep->media, 0, &rolled, err) < 0) {
			description_clear(&d);
			return -1;
		}
		jsep_media_rollback(jsep, &rolled);
	}
	ret = prepare(jsep, rolled.v ? &rolled : &jsep->media, JSEP_REMOTE, type, d.sdp, &a, err);
	jsep_media_free(&rolled);
	if (ret < 0) {
		description_clear(&d);
		return -1;
	}

	/* Commit. */
	switch (type) {
	case RTC_SDP_TYPE_OFFER:
		description_clear(&jsep->pending_local);        /* the implicit rollback */
		description_clear(&jsep->pending_remote);
		jsep->pending_remote = d;
		break;
	case RTC_SDP_TYPE_PRANSWER:
		description_clear(&jsep->pending_remote);
		jsep->pending_remote = d;
		break;
	case RTC_SDP_TYPE_ANSWER:
		description_clear(&jsep->current_local);
		description_clear(&jsep->current_remote);
		description_clear(&jsep->pending_remote);
		jsep->current_local = jsep->pending_local;
		jsep->pending_local = (struct jsep_description){ 0 };
		jsep->current_remote = d;
		break;
	case RTC_SDP_TYPE_ROLLBACK:
		break;
	}
	finish_transition(jsep, type, next, &a);
	return 0;
}

/* ---- reading the state ---- */

enum rtc_signaling_state rtc_jsep_signaling_state(const struct rtc_jsep *jsep)
{
	return jsep->state;
}

static bool pending_or_current(const struct jsep_description *pending,
			       const struct jsep_description *current, enum rtc_sdp_type *type,
			       const char **sdp)
{
	const struct jsep_description *d = pending->text ? pending : current;

	if (!d->text)
		return false;
	if (type)
		*type = d->type;
	if (sdp)
		*sdp = d->text;
	return true;
}

bool rtc_jsep_local_description(const struct rtc_jsep *jsep, enum rtc_sdp_type *type,
				const char **sdp)
{
	return pending_or_current(&jsep->pending_local, &jsep->current_local, type, sdp);
}

bool rtc_jsep_remote_description(const struct rtc_jsep *jsep, enum rtc_sdp_type *type,
				 const char **sdp)
{
	return pending_or_current(&jsep->pending_remote, &jsep->current_remote, type, sdp);
}

bool rtc_jsep_can_trickle_ice_candidates(const struct rtc_jsep *jsep)
{
	const struct jsep_description *d =
		jsep->pending_remote.text ? &jsep->pending_remote : &jsep->current_remote;

	/* RFC 8840: "a=ice-options:trickle", at session level or in the
	 * media sections (Chromium puts it in each). */
	if (!d->sdp)
		return false;
	if (rtc_sdp_has_ice_option(d->sdp, NULL, "trickle"))
		return true;
	for (size_t i = 0; i < d->sdp->n_media; i++)
		if (rtc_sdp_has_ice_option(d->sdp, d->sdp->media[i], "trickle"))
			return true;
	return false;
}

enum rtc_sdp_type rtc_jsep_implicit_type(const struct rtc_jsep *jsep)
{
	switch (jsep->state) {
	case RTC_SIGNALING_STABLE:
	case RTC_SIGNALING_HAVE_LOCAL_OFFER:
	case RTC_SIGNALING_HAVE_REMOTE_PRANSWER:
		return RTC_SDP_TYPE_OFFER;
	default:
		return RTC_SDP_TYPE_ANSWER;
	}
}

void rtc_jsep_close(struct rtc_jsep *jsep)
{
	jsep->state = RTC_SIGNALING_CLOSED;
	jsep->negotiation_needed = false;
	jsep->negotiation_event_due = false;
}

const char *rtc_jsep_fingerprint_algorithm(const struct rtc_jsep *jsep)
{
	return rtc_cert_fingerprint_algorithm(jsep->cert);
}

const char *rtc_jsep_fingerprint(const struct rtc_jsep *jsep)
{
	return rtc_cert_fingerprint(jsep->cert);
}

const struct rtc_cert *rtc_jsep_certificate(const struct rtc_jsep *jsep)
{
	return jsep->cert;
}

bool rtc_jsep_transport(const struct rtc_jsep *jsep, struct rtc_jsep_transport *out)
{
	if (!jsep->has_transport)
		return false;
	*out = jsep->transport;
	return true;
}

bool rtc_jsep_sctp_session(const struct rtc_jsep *jsep, struct rtc_jsep_sctp_session *out)
{
	if (!jsep->has_sctp_session)
		return false;
	*out = jsep->sctp_session;
	return true;
}
