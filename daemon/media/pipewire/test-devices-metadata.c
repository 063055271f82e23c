/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default-device metadata values WirePlumber writes, and hostile ones. */
#include <string.h>

#include "check.h"
#include "media/pipewire/devices-metadata.h"

static int parse(const char *json, char *out, size_t size)
{
	return rtc_pw_default_name_parse(json, strlen(json), out, size);
}

static void test_wireplumber_values(void)
{
	char name[64];

	CHECK_INTEQ(parse("{ \"name\": \"alsa_input.pci-0000_00_1f.3.analog-stereo\" }",
			  name, sizeof(name)), 0);
	CHECK_STREQ(name, "alsa_input.pci-0000_00_1f.3.analog-stereo");
	CHECK_INTEQ(parse("{\"other\":{\"a\":[1,2]},\"name\":\"cam\"}", name, sizeof(name)), 0);
	CHECK_STREQ(name, "cam");
}

static void test_refused(void)
{
	char name[8];

	CHECK_INTEQ(parse("", name, sizeof(name)), -1);
	CHECK_INTEQ(parse("[\"name\",\"x\"]", name, sizeof(name)), -1);
	CHECK_INTEQ(parse("{\"nam\":\"x\"}", name, sizeof(name)), -1);
	CHECK_INTEQ(parse("{\"name\":\"\"}", name, sizeof(name)), -1);
	/* Too long for the buffer: refused, not cut. */
	CHECK_INTEQ(parse("{\"name\":\"eightchars\"}", name, sizeof(name)), -1);
	CHECK_INTEQ(parse("{\"name\":\"seven77\"}", name, sizeof(name)), 0);
	CHECK_STREQ(name, "seven77");
	/* Cut right after a backslash, in a key and in the name (SPA's own
	 * string reader would read past the end here). */
	CHECK_INTEQ(rtc_pw_default_name_parse("{\"na\\", 5, name, sizeof(name)), -1);
	CHECK_INTEQ(rtc_pw_default_name_parse("{\"name\":\"a\\", 11, name, sizeof(name)), -1);
	CHECK_INTEQ(parse("{\"name\":\"a\\\"}", name, sizeof(name)), -1);
	/* Not NUL-terminated within len: only len bytes are read. */
	CHECK_INTEQ(rtc_pw_default_name_parse("{\"name\":\"abc\"}", 9, name, sizeof(name)), -1);
}

static void test_keys(void)
{
	enum rtc_pw_kind kind;

	CHECK(rtc_pw_default_key_kind("default.audio.source", &kind) && kind == RTC_PW_AUDIOINPUT);
	CHECK(rtc_pw_default_key_kind("default.video.source", &kind) && kind == RTC_PW_VIDEOINPUT);
	CHECK(rtc_pw_default_key_kind("default.audio.sink", &kind) && kind == RTC_PW_AUDIOOUTPUT);
	CHECK(!rtc_pw_default_key_kind("default.configured.audio.sink", &kind));
	CHECK(!rtc_pw_default_key_kind(NULL, &kind));
}

int main(void)
{
	RUN(test_wireplumber_values);
	RUN(test_refused);
	RUN(test_keys);
	return rtc_test_done();
}
