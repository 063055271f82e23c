/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The log's line forms: syslog priority prefixes only when stderr is the
 * journal ($JOURNAL_STREAM naming stderr's device and inode), words for
 * errors and warnings otherwise, and the verbosity filter.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"

static char log_path[] = "/tmp/rtcd-test-log.XXXXXX";
static int saved_stderr = -1;

/* Sends stderr to a fresh, empty log file. */
static void capture_stderr(void)
{
	int fd;

	fflush(stderr);
	fd = open(log_path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	close(fd);
}

/* What was logged since capture_stderr, with stderr given back. */
static char *captured(void)
{
	static char text[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	f = fopen(log_path, "r");
	CHECK(f != NULL);
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	return text;
}

/* $JOURNAL_STREAM as systemd would set it for the log file. */
static void set_journal_stream_to_log_file(void)
{
	struct stat st;
	char value[64];

	CHECK(stat(log_path, &st) == 0);
	snprintf(value, sizeof(value), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
}

static void log_one_of_each(void)
{
	rtc_err("disk on fire");
	rtc_warn("smoke");
	rtc_notice("serving");
	rtc_info("detail");
	rtc_debug("more detail");
}

static void test_terminal_gets_words(void)
{
	unsetenv("JOURNAL_STREAM");
	capture_stderr();
	rtc_log_detect_journal();
	CHECK(!rtc_log_to_journal());
	log_one_of_each();
	CHECK_STREQ(captured(), "error: disk on fire\nwarning: smoke\nserving\n");
}

static void test_journal_gets_prefixes(void)
{
	capture_stderr();
	set_journal_stream_to_log_file();
	rtc_log_detect_journal();
	CHECK(rtc_log_to_journal());
	log_one_of_each();
	CHECK_STREQ(captured(), "<3>disk on fire\n<4>smoke\n<5>serving\n");
}

static void test_verbose_lets_info_and_debug_out(void)
{
	capture_stderr();
	set_journal_stream_to_log_file();
	rtc_log_detect_journal();
	rtc_log_set_verbose(true);
	log_one_of_each();
	rtc_log_set_verbose(false);
	CHECK_STREQ(captured(), "<3>disk on fire\n<4>smoke\n<5>serving\n<6>detail\n<7>more detail\n");
}

/* A parent's journal stream, inherited by a process whose stderr is
 * elsewhere, is not this stderr. */
static void test_other_stream_is_not_the_journal(void)
{
	struct stat st;
	char value[64];

	CHECK(stat(log_path, &st) == 0);
	capture_stderr();
	snprintf(value, sizeof(value), "%ju:%ju", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino + 1);
	setenv("JOURNAL_STREAM", value, 1);
	rtc_log_detect_journal();
	CHECK(!rtc_log_to_journal());
	rtc_err("x");
	CHECK_STREQ(captured(), "error: x\n");
}

static void test_malformed_journal_stream(void)
{
	static const char *const bad[] = { "", ":", "12", "12:", ":34", "12:34x", "-1:2",
					   " 1:2", "1:2:3", "99999999999999999999999:1" };
	char value[80];
	struct stat st;

	CHECK(stat(log_path, &st) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("JOURNAL_STREAM", bad[i], 1);
		rtc_log_detect_journal();
		CHECK(!rtc_log_to_journal());
	}
	/* Trailing garbage after a matching pair is refused too. */
	snprintf(value, sizeof(value), "%ju:%ju ", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	capture_stderr();
	setenv("JOURNAL_STREAM", value, 1);
	rtc_log_detect_journal();
	CHECK(!rtc_log_to_journal());
	captured();
	unsetenv("JOURNAL_STREAM");
}

int main(void)
{
	int fd = mkstemp(log_path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	saved_stderr = dup(STDERR_FILENO);
	RUN(test_terminal_gets_words);
	RUN(test_journal_gets_prefixes);
	RUN(test_verbose_lets_info_and_debug_out);
	RUN(test_other_stream_is_not_the_journal);
	RUN(test_malformed_journal_stream);
	unlink(log_path);
	close(saved_stderr);
	return rtc_test_done();
}
