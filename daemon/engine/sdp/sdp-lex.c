/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lexical rules of RFC 8866 section 9 that every part of the sdp module
 * checks its fields against.
 */
#include "engine/sdp/sdp-private.h"

#include <string.h>

bool rtc_sdp_is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]", c))
			return false;
	}
	return true;
}

bool rtc_sdp_is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool rtc_sdp_is_text(const char *s)
{
	return !strpbrk(s, "\r\n");
}

int rtc_sdp_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

bool rtc_sdp_is_ice_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

bool rtc_sdp_is_proto(const char *s)
{
	const char *part = s;

	/* proto = token *("/" token) */
	for (;;) {
		size_t len = strcspn(part, "/");

		if (len == 0)
			return false;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)part[i];

			if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<=>?@[\\]", c))
				return false;
		}
		if (!part[len])
			return true;
		part += len + 1;
	}
}

char *rtc_sdp_next_field(char **cursor)
{
	char *field = *cursor, *sp;

	if (!field)
		return NULL;
	sp = strchr(field, ' ');
	if (sp) {
		*sp = '\0';
		*cursor = sp + 1;
	} else {
		*cursor = NULL;
	}
	return field;
}

bool rtc_sdp_is_space(char c)
{
	return c == ' ' || c == '\t';
}

char *rtc_sdp_next_word(char **cursor)
{
	char *word = *cursor, *end;

	if (!word)
		return NULL;
	while (rtc_sdp_is_space(*word))
		word++;
	if (!*word) {
		*cursor = NULL;
		return NULL;
	}
	for (end = word; *end && !rtc_sdp_is_space(*end); end++)
		;
	if (*end)
		*end++ = '\0';
	while (rtc_sdp_is_space(*end))
		end++;
	*cursor = *end ? end : NULL;
	return word;
}

char *rtc_sdp_trim(char *s)
{
	size_t len;

	while (rtc_sdp_is_space(*s))
		s++;
	len = strlen(s);
	while (len && rtc_sdp_is_space(s[len - 1]))
		s[--len] = '\0';
	return s;
}
