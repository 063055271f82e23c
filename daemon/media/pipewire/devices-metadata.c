/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading WirePlumber's default-device metadata values (untrusted JSON)
 * with SPA's bounded JSON tokenizer.
 */
#include "media/pipewire/devices-metadata.h"

#include <stdint.h>
#include <string.h>

#include <spa/utils/json.h>

bool rtc_pw_default_key_kind(const char *key, enum rtc_pw_kind *kind)
{
	static const struct { const char *key; enum rtc_pw_kind kind; } keys[] = {
		{ "default.audio.source", RTC_PW_AUDIOINPUT },
		{ "default.video.source", RTC_PW_VIDEOINPUT },
		{ "default.audio.sink", RTC_PW_AUDIOOUTPUT },
	};

	for (size_t i = 0; key && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key) == 0) {
			*kind = keys[i].kind;
			return true;
		}
	}
	return false;
}

/* A complete JSON string token: quoted at both ends (the tokenizer also
 * hands out bare words and a string cut short by the end of the input). */
static bool complete_string(const char *tok, int len)
{
	if (len < 2 || tok[0] != '"' || tok[len - 1] != '"')
		return false;
	int backslashes = 0;
	for (int i = len - 2; i > 0 && tok[i] == '\\'; i--)
		backslashes++;
	return backslashes % 2 == 0;
}

/* A string token into out (size bytes); -1 unless complete and fitting.
 * SPA's spa_json_get_string is not used: given a string cut short right
 * after a backslash it reads a byte past the input (PipeWire 0.3.65). */
static int read_string(const char *tok, int len, char *out, int size)
{
	/* Unescaped it is at most as long as quoted. */
	if (!complete_string(tok, len) || len >= size)
		return -1;
	return spa_json_parse_stringn(tok, len, out, size) > 0 ? 0 : -1;
}

int rtc_pw_default_name_parse(const char *value, size_t len, char *out, size_t size)
{
	struct spa_json top, obj;
	char key[16], name[RTC_PW_DEFAULT_NAME_MAX + 3];
	const char *tok;
	int n;

	if (!value || size == 0 || len > INT32_MAX)
		return -1;
	spa_json_init(&top, value, len);
	if (spa_json_enter_object(&top, &obj) <= 0)
		return -1;
	/* Keys that are no complete string or longer than key[] end the
	 * search, which is right: "name" is neither. */
	while ((n = spa_json_next(&obj, &tok)) > 0 &&
	       read_string(tok, n, key, sizeof(key)) == 0) {
		if ((n = spa_json_next(&obj, &tok)) <= 0)
			return -1;
		if (strcmp(key, "name") != 0)
			continue;
		if (read_string(tok, n, name, sizeof(name)) < 0)
			return -1;
		size_t name_len = strlen(name);
		if (name_len == 0 || name_len >= size)
			return -1;
		memcpy(out, name, name_len + 1);
		return 0;
	}
	return -1;
}
