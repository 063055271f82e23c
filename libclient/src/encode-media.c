/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The media option structs (constraints, transceiver init, RTP parameters)
 * encoded as the contract's a{sv}. As in encode.c, only what the
 * application set is sent and `size` says which fields it knows.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define V1_SIZE(type, last_field) (offsetof(type, last_field) + sizeof(((type *)0)->last_field))

static bool check_size(const char *what, size_t size, size_t minimum, rtc_error *error)
{
	if (size < minimum) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "struct %s has size %zu, less than %zu: initialise it with its "
			       "RTC_*_INIT macro", what, size, minimum);
		return false;
	}
	return true;
}

static bool check_utf8(const char *what, const char *s, rtc_error *error)
{
	if (s && !dbus_validate_utf8(s, NULL)) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "%s is not valid UTF-8", what);
		return false;
	}
	return true;
}

bool rtc_encode_strv(DBusMessageIter *iter, const char *const *strv, rtc_error *error)
{
	DBusMessageIter array;

	for (const char *const *s = strv; s && *s; s++)
		if (!check_utf8("A stream id", *s, error))
			return false;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		goto oom;
	for (const char *const *s = strv; s && *s; s++)
		if (!dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, s))
			goto oom;
	if (!dbus_message_iter_close_container(iter, &array))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}

/* Whether a field of the other kind is set: sent, it would be the daemon's
 * TypeError; said here, it names the field. */
static bool check_kind_fields(const char *kind, const struct rtc_track_constraints *c,
			      rtc_error *error)
{
	const char *wrong = NULL;

	if (kind && strcmp(kind, "audio") == 0) {
		if (c->width)
			wrong = "width";
		else if (c->height)
			wrong = "height";
		else if (c->frame_rate != 0)
			wrong = "frame_rate";
	} else if (kind) {
		if (c->sample_rate)
			wrong = "sample_rate";
		else if (c->channels)
			wrong = "channels";
	}
	if (wrong) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "%s is no constraint of %s tracks", wrong, kind);
		return false;
	}
	return true;
}

bool rtc_encode_track_constraints(DBusMessageIter *iter, const char *kind,
				  const struct rtc_track_constraints *c, rtc_error *error)
{
	DBusMessageIter dict;

	if (c && (!check_size("rtc_track_constraints", c->size,
			      V1_SIZE(struct rtc_track_constraints, channels), error) ||
		  !check_utf8("device_id", c->device_id, error) ||
		  !check_kind_fields(kind, c, error)))
		return false;
	if (c && c->frame_rate < 0) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "frame_rate %g is negative",
			       c->frame_rate);
		return false;
	}
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto oom;
	if (c && c->device_id &&
	    !rtc_encode_dict_entry(&dict, "device-id", DBUS_TYPE_STRING, &c->device_id))
		goto oom;
	if (c && c->width && !rtc_encode_dict_entry(&dict, "width", DBUS_TYPE_UINT32, &c->width))
		goto oom;
	if (c && c->height &&
	    !rtc_encode_dict_entry(&dict, "height", DBUS_TYPE_UINT32, &c->height))
		goto oom;
	if (c && c->frame_rate > 0 &&
	    !rtc_encode_dict_entry(&dict, "frame-rate", DBUS_TYPE_DOUBLE, &c->frame_rate))
		goto oom;
	if (c && c->sample_rate &&
	    !rtc_encode_dict_entry(&dict, "sample-rate", DBUS_TYPE_UINT32, &c->sample_rate))
		goto oom;
	if (c && c->channels &&
	    !rtc_encode_dict_entry(&dict, "channels", DBUS_TYPE_UINT32, &c->channels))
		goto oom;
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}

/* "audio"/"video": variant b, or variant a{sv} when constraints are given. */
static bool append_kind(DBusMessageIter *dict, const char *kind, bool wanted,
			const struct rtc_track_constraints *c, rtc_error *error)
{
	DBusMessageIter entry, variant;

	if (!c) {
		dbus_bool_t b = wanted;

		if (!wanted)
			return true;
		if (!rtc_encode_dict_entry(dict, kind, DBUS_TYPE_BOOLEAN, &b)) {
			rtc_error_set_oom(error);
			return false;
		}
		return true;
	}
	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
	    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &kind) ||
	    !dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "a{sv}", &variant)) {
		rtc_error_set_oom(error);
		return false;
	}
	if (!rtc_encode_track_constraints(&variant, kind, c, error)) {
		dbus_message_iter_abandon_container(&entry, &variant);
		dbus_message_iter_abandon_container(dict, &entry);
		return false;
	}
	if (!dbus_message_iter_close_container(&entry, &variant) ||
	    !dbus_message_iter_close_container(dict, &entry)) {
		rtc_error_set_oom(error);
		return false;
	}
	return true;
}

bool rtc_encode_media_constraints(DBusMessageIter *iter,
				  const struct rtc_media_constraints *mc, rtc_error *error)
{
	DBusMessageIter dict;

	if (!mc) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS, "No media constraints given");
		return false;
	}
	if (!check_size("rtc_media_constraints", mc->size,
			V1_SIZE(struct rtc_media_constraints, pipewire_fd), error))
		return false;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict)) {
		rtc_error_set_oom(error);
		return false;
	}
	if (!append_kind(&dict, "audio", mc->audio, mc->audio_constraints, error) ||
	    !append_kind(&dict, "video", mc->video, mc->video_constraints, error)) {
		dbus_message_iter_abandon_container(iter, &dict);
		return false;
	}
	if (mc->pipewire_fd >= 0 &&
	    !rtc_encode_dict_entry(&dict, "pipewire-fd", DBUS_TYPE_UNIX_FD, &mc->pipewire_fd)) {
		dbus_message_iter_abandon_container(iter, &dict);
		rtc_error_set_oom(error);
		return false;
	}
	if (!dbus_message_iter_close_container(iter, &dict)) {
		rtc_error_set_oom(error);
		return false;
	}
	return true;
}

bool rtc_encode_transceiver_init(DBusMessageIter *iter,
				 const struct rtc_transceiver_init *init, rtc_error *error)
{
	DBusMessageIter dict, entry, variant;
	const char *key = "stream-ids";

	if (init && (!check_size("rtc_transceiver_init", init->size,
				 V1_SIZE(struct rtc_transceiver_init, stream_ids), error) ||
		     !check_utf8("direction", init->direction, error)))
		return false;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto oom;
	if (init && init->direction &&
	    !rtc_encode_dict_entry(&dict, "direction", DBUS_TYPE_STRING, &init->direction))
		goto oom;
	if (init && init->stream_ids) {
		if (!dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
		    !dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) ||
		    !dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "as", &variant))
			goto oom;
		if (!rtc_encode_strv(&variant, init->stream_ids, error)) {
			dbus_message_iter_abandon_container(&entry, &variant);
			dbus_message_iter_abandon_container(&dict, &entry);
			dbus_message_iter_abandon_container(iter, &dict);
			return false;
		}
		if (!dbus_message_iter_close_container(&entry, &variant) ||
		    !dbus_message_iter_close_container(&dict, &entry))
			goto oom;
	}
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}

bool rtc_encode_rtp_parameters(DBusMessageIter *iter, const struct rtc_rtp_parameters *p,
			       rtc_error *error)
{
	DBusMessageIter dict;

	if (p && !check_size("rtc_rtp_parameters", p->size,
			     V1_SIZE(struct rtc_rtp_parameters, active), error))
		return false;
	if (p && p->max_bitrate > UINT32_MAX) {
		rtc_error_setf(error, DBUS_ERROR_INVALID_ARGS,
			       "max_bitrate %lld is over 2^32 - 1 bit/s", (long long)p->max_bitrate);
		return false;
	}
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto oom;
	if (p && p->max_bitrate >= 0) {
		uint32_t bitrate = (uint32_t)p->max_bitrate;

		if (!rtc_encode_dict_entry(&dict, "max-bitrate", DBUS_TYPE_UINT32, &bitrate))
			goto oom;
	}
	if (p && p->max_framerate >= 0 &&
	    !rtc_encode_dict_entry(&dict, "max-framerate", DBUS_TYPE_DOUBLE, &p->max_framerate))
		goto oom;
	if (p && p->scale_resolution_down_by >= 0 &&
	    !rtc_encode_dict_entry(&dict, "scale-resolution-down-by", DBUS_TYPE_DOUBLE,
				   &p->scale_resolution_down_by))
		goto oom;
	if (p && p->active >= 0) {
		dbus_bool_t active = p->active != 0;

		if (!rtc_encode_dict_entry(&dict, "active", DBUS_TYPE_BOOLEAN, &active))
			goto oom;
	}
	if (!dbus_message_iter_close_container(iter, &dict))
		goto oom;
	return true;
oom:
	rtc_error_set_oom(error);
	return false;
}
