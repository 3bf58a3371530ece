/*
 * test_judge.c - unit tests of workers/judge.c: judge_compare in every mode ("lines" with its
 * trailing-blank rules, "exact", "tokens", "float" with absolute and relative tolerance) and the
 * precedence of judge_status / judge_verdict over a step's flags, exit, signal, time and memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <string.h>

#include "judge.h"
#include "wire.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

/* judge_compare on NUL-terminated strings (got first, expected second). */
static int cmp(const char *mode, double tol, const char *got, const char *exp)
{
	return judge_compare(mode, tol, got, strlen(got), exp, strlen(exp));
}

#define EQ(mode, tol, got, exp) assert_int_equal(cmp(mode, tol, got, exp), 1)
#define NE(mode, tol, got, exp) assert_int_equal(cmp(mode, tol, got, exp), 0)
/* Both directions: the comparisons must be symmetric for these inputs. */
#define EQ2(mode, tol, a, b) do { EQ(mode, tol, a, b); EQ(mode, tol, b, a); } while (0)
#define NE2(mode, tol, a, b) do { NE(mode, tol, a, b); NE(mode, tol, b, a); } while (0)

/* ---------------------------------------------------------------- lines */

TEST(lines_identical_and_default_mode)
{
	EQ2("lines", 0, "1 2\n3\n", "1 2\n3\n");
	EQ2(NULL, 0, "hello\n", "hello\n"); /* NULL mode is "lines" */
	NE2(NULL, 0, "hello\n", "hellp\n");
	EQ2(NULL, 0, "a \n", "a\n");        /* NULL applies the lines rules */
}

TEST(lines_trailing_whitespace_per_line)
{
	EQ2("lines", 0, "a   \nb\t\n", "a\nb\n");
	EQ2("lines", 0, "a \t \r\nb\r\n", "a\nb\n");
	EQ2("lines", 0, "x y  \n", "x y\n");
	EQ2("lines", 0, "a\n   \nb\n", "a\n\nb\n"); /* a blank-only line equals an empty line */
}

TEST(lines_crlf)
{
	EQ2("lines", 0, "1\r\n2\r\n3\r\n", "1\n2\n3\n");
	EQ2("lines", 0, "1\r\n2", "1\n2\n");
	NE2("lines", 0, "a\rb\n", "a b\n"); /* a CR inside a line is content */
	NE2("lines", 0, "a\rb\n", "ab\n");
}

TEST(lines_trailing_newlines_and_blank_lines)
{
	EQ2("lines", 0, "42", "42\n");
	EQ2("lines", 0, "42\n\n\n", "42\n");
	EQ2("lines", 0, "42\n \n\t\n\r\n", "42");
	EQ2("lines", 0, "a\nb", "a\nb\n\n");
}

TEST(lines_leading_and_inner_whitespace_matter)
{
	NE2("lines", 0, " a\n", "a\n");      /* leading blanks are content */
	NE2("lines", 0, "\na\n", "a\n");     /* a leading blank line is content */
	NE2("lines", 0, "a\n\nb\n", "a\nb\n"); /* an inner blank line is content */
	NE2("lines", 0, "a  b\n", "a b\n");  /* inner spacing is content */
	NE2("lines", 0, "1 2\n", "1\n2\n");  /* line structure matters */
	NE2("lines", 0, "a\tb", "a b");
}

TEST(lines_content_differences)
{
	NE2("lines", 0, "1\n2\n", "1\n2\n3\n");
	NE2("lines", 0, "1\n2\n3\n", "1\n3\n2\n");
	NE2("lines", 0, "abc\n", "abcd\n");
	NE2("lines", 0, "ABC\n", "abc\n"); /* case sensitive */
	NE2("lines", 0, "a\n", "a\nb");
}

TEST(lines_empty)
{
	EQ2("lines", 0, "", "");
	EQ2("lines", 0, "", "\n");
	EQ2("lines", 0, "", "\n\n  \n");
	EQ2("lines", 0, "", "   ");
	NE2("lines", 0, "", "0");
	NE2("lines", 0, "", "\n\nx");
	/* got may be NULL with length 0 (a program that printed nothing) */
	assert_int_equal(judge_compare("lines", 0, "", 0, "", 0), 1);
}

TEST(lines_uses_lengths_not_nul)
{
	/* bytes after the given length are ignored; NUL bytes inside are content */
	assert_int_equal(judge_compare("lines", 0, "42\nGARBAGE", 3, "42\n", 3), 1);
	assert_int_equal(judge_compare("lines", 0, "a\0b\n", 4, "a\0b\n", 4), 1);
	assert_int_equal(judge_compare("lines", 0, "a\0b\n", 4, "a\0c\n", 4), 0);
	assert_int_equal(judge_compare("lines", 0, "a\0b\n", 4, "a\n", 2), 0);
}

/* ---------------------------------------------------------------- exact */

TEST(exact_bytes)
{
	EQ2("exact", 0, "hello\n", "hello\n");
	EQ2("exact", 0, "", "");
	NE2("exact", 0, "hello", "hello\n");   /* no trailing newline forgiveness */
	NE2("exact", 0, "hello \n", "hello\n");
	NE2("exact", 0, "a\r\n", "a\n");
	NE2("exact", 0, "a\n\n", "a\n");
	NE2("exact", 0, "", "\n");
	NE2("exact", 0, "Hello\n", "hello\n");
	NE2("exact", 0, "abc", "abd");
	assert_int_equal(judge_compare("exact", 0, "a\0b", 3, "a\0b", 3), 1);
	assert_int_equal(judge_compare("exact", 0, "a\0b", 3, "a\0c", 3), 0);
	assert_int_equal(judge_compare("exact", 0, "a\0b", 3, "a", 1), 0);
	assert_int_equal(judge_compare("exact", 0, "xyz", 0, "", 0), 1);
}

/* ---------------------------------------------------------------- tokens */

TEST(tokens_whitespace_insensitive)
{
	EQ2("tokens", 0, "1 2 3", "1\n2\n3\n");
	EQ2("tokens", 0, "  1\t\t2\r\n\r\n3   ", "1 2 3");
	EQ2("tokens", 0, "\n\nhello   world\n", "hello world");
	EQ2("tokens", 0, "a\vb\fc", "a b c");
}

TEST(tokens_content)
{
	NE2("tokens", 0, "1 2", "1 2 3");
	NE2("tokens", 0, "12", "1 2");
	NE2("tokens", 0, "1 2", "2 1");
	NE2("tokens", 0, "1.0", "1");      /* no numeric interpretation */
	NE2("tokens", 0, "1.5", "1.50");
	NE2("tokens", 0, "abc", "ABC");
	NE2("tokens", 1.0, "1", "2");      /* the tolerance does not apply */
}

TEST(tokens_empty)
{
	EQ2("tokens", 0, "", "");
	EQ2("tokens", 0, "", " \n\t\r\n");
	NE2("tokens", 0, "", "0");
	NE2("tokens", 0, "   ", "x");
}

/* ---------------------------------------------------------------- float */

TEST(float_absolute_tolerance)
{
	EQ2("float", 1e-6, "1.0000001", "1");
	EQ2("float", 1e-6, "0.333333", "0.3333333333");
	EQ2("float", 1e-6, "3.14159265", "3.141592");
	NE2("float", 1e-6, "1.00001", "1");
	NE2("float", 1e-6, "0.3333", "0.3333333333");
	EQ2("float", 0.01, "2.005", "2");
	NE2("float", 0.01, "2.05", "2");
	/* |d| = 0.015 <= 0.01 * 2: the relative rule applies too */
	EQ("float", 0.01, "2.015", "2");
	EQ2("float", 1e-6, "1.0", "1");
	EQ2("float", 1e-6, "-0", "0");
	EQ2("float", 1e-6, "+1", "1");
	EQ2("float", 1e-6, "1e-3", "0.001");
	EQ2("float", 1e-6, "1E2", "100");
	NE2("float", 1e-6, "-1", "1");
	EQ2("float", 0.5, "1.4", "1");    /* exactly within */
	NE("float", 0.5, "1.6", "1");  /* 0.6 > 0.5 and > 0.5 * 1 */
	NE("float", 0.5, "1", "2.1");  /* 1.1 > 0.5 * 2.1 */
}

TEST(float_relative_tolerance)
{
	/* |a-b| = 100 > 1e-6 but <= 1e-6 * 1e9 */
	EQ("float", 1e-6, "1000000100", "1e9");
	EQ("float", 1e-6, "1e9", "1000000999");
	NE("float", 1e-6, "1000002000", "1e9");
	EQ("float", 1e-3, "-1000.5", "-1000");
	NE("float", 1e-3, "-1002", "-1000");
	EQ("float", 1e-6, "6.02214076e23", "6.0221408e23");
	/* relative to the expected value: got=2, exp=1, tol=0.6 -> |d|=1 > 0.6 and > 0.6*1 */
	NE("float", 0.6, "2", "1");
	/* got=1, exp=2 -> |d|=1 <= 0.6*2: relative to the expected answer */
	EQ("float", 0.6, "1", "2");
}

TEST(float_multiple_tokens_and_layout)
{
	EQ2("float", 1e-6, "1.0000001 2.0000001\n3\n", "1 2 3");
	EQ2("float", 1e-4, "  0.50001\n\n0.25 ", "0.5\n0.25\n");
	NE2("float", 1e-6, "1 2", "1 2 3");
	NE2("float", 1e-6, "1 2.1", "1 2");
	NE2("float", 1e-6, "1 2", "2 1");
}

TEST(float_non_numeric_tokens)
{
	/* non-numbers compare as bytes */
	EQ2("float", 1e-6, "YES 1.0000001", "YES 1");
	NE2("float", 1e-6, "yes 1", "YES 1");
	NE2("float", 1e-6, "abc", "abd");
	NE2("float", 1e-6, "abc", "1");
	NE2("float", 1e6, "x", "1");         /* a huge tolerance does not make text a number */
	NE2("float", 1e-6, "1.0abc", "1.0");   /* a number prefix is not a number */
	NE2("float", 1e-6, "1.0abc", "1.0abd");
	NE2("float", 1e-6, "1,5", "1.5");
	NE2("float", 1e-6, "", "1");
	/* NaN is never within tolerance of anything, not even itself unless the bytes agree */
	EQ2("float", 1e-6, "nan", "nan");
	NE2("float", 1e-6, "nan", "1");
	NE2("float", 1e9, "nan", "0");
	NE2("float", 1e-6, "NaN", "nan");
	EQ2("float", 1e-6, "inf", "inf");
}

/* An infinite expected value must not make every number "within relative tolerance"
 * (|a - inf| = inf <= tol * |inf| = inf). */
TEST(float_infinite_expected)
{
	NE("float", 1e-6, "1e308", "inf");
	NE("float", 1e-6, "0", "inf");
	NE("float", 1e-6, "12345", "inf");
	NE("float", 1e-6, "-inf", "inf");
	NE("float", 1e-6, "inf", "-inf");
	NE("float", 1e-6, "5", "1e400"); /* overflows to inf */
	NE("float", 1e-6, "inf", "1e308");
}

TEST(float_empty)
{
	EQ2("float", 1e-6, "", "");
	EQ2("float", 1e-6, "\n", "  ");
	NE2("float", 1e-6, "", "0");
	NE2("float", 1e-6, "0", "");
}

TEST(unknown_mode_never_matches)
{
	NE("bogus", 0, "a", "a");
	NE("", 0, "a", "a");
	NE("LINES", 0, "a", "a");
}

/* ---------------------------------------------------------------- status / verdict */

static struct step mk(int64_t exit_code, int sig, uint64_t cpu_us, uint64_t rss_kb, uint64_t flags)
{
	struct step s;
	memset(&s, 0, sizeof(s));
	s.exit_code = exit_code;
	s.signal = sig;
	s.cpu_us = cpu_us;
	s.wall_us = cpu_us;
	s.maxrss_kb = rss_kb;
	s.flags = flags;
	return s;
}

#define ST(s, cpu, mem, want) \
	assert_string_equal(judge_status_name(judge_status(&(s), cpu, mem)), want)
#define VD(s, cpu, mem, m, want) \
	assert_string_equal(judge_verdict_name(judge_verdict(&(s), cpu, mem, m)), want)

TEST(status_ok_and_basic)
{
	struct step s = mk(0, 0, 1000, 1000, 0);
	ST(s, 1000, 65536, "ok");
	VD(s, 1000, 65536, 1, "accepted");
	VD(s, 1000, 65536, 0, "wrong_answer");
	s = mk(1, 0, 1000, 1000, 0);
	ST(s, 1000, 65536, "runtime_error");
	VD(s, 1000, 65536, 1, "runtime_error"); /* right output, bad exit */
	VD(s, 1000, 65536, 0, "runtime_error");
	s = mk(255, 0, 0, 0, 0);
	VD(s, 1000, 65536, 1, "runtime_error");
	s = mk(-1, 0, 0, 0, 0);
	VD(s, 1000, 65536, 1, "runtime_error");
	s = mk(0, SIGSEGV, 1000, 1000, 0);
	ST(s, 1000, 65536, "runtime_error");
	VD(s, 1000, 65536, 1, "runtime_error");
	s = mk(0, SIGKILL, 0, 0, 0);
	VD(s, 1000, 65536, 1, "runtime_error");
}

TEST(status_time)
{
	struct step s = mk(0, 0, 1000000, 1000, 0);
	ST(s, 1000, 65536, "ok"); /* exactly at the limit is within it */
	s = mk(0, 0, 1000001, 1000, 0);
	ST(s, 1000, 65536, "timeout");
	VD(s, 1000, 65536, 1, "time_limit_exceeded");
	s = mk(0, 0, 5000000000ull, 1000, 0);
	ST(s, 0, 65536, "ok"); /* no CPU limit */
	s = mk(0, 0, 10, 1000, SF_WALL_TIMEOUT);
	VD(s, 1000, 65536, 1, "time_limit_exceeded");
	s = mk(0, SIGKILL, 10, 1000, SF_WALL_TIMEOUT);
	VD(s, 1000, 65536, 0, "time_limit_exceeded"); /* killed by the wall limit, not an RTE */
	s = mk(0, SIGXCPU, 10, 1000, SF_CPU_TIMEOUT);
	VD(s, 1000, 65536, 0, "time_limit_exceeded");
	s = mk(0, SIGKILL, 10, 1000, SF_CPU_TIMEOUT);
	VD(s, 0, 0, 0, "time_limit_exceeded");
	s = mk(1, 0, 2000000, 1000, 0);
	VD(s, 1000, 65536, 0, "time_limit_exceeded"); /* over the limit beats a bad exit */
}

TEST(status_memory)
{
	struct step s = mk(0, 0, 0, 65536, 0);
	ST(s, 1000, 65536, "ok"); /* exactly at the limit */
	s = mk(0, 0, 0, 65537, 0);
	ST(s, 1000, 65536, "memory_exceeded");
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	s = mk(0, 0, 0, 1 << 30, 0);
	ST(s, 1000, 0, "ok"); /* no memory limit */
	s = mk(0, SIGKILL, 0, 100, SF_OOM);
	VD(s, 1000, 65536, 0, "memory_limit_exceeded"); /* OOM kill is not an RTE */
	s = mk(0, 0, 0, 100, SF_MEM_OVER);
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	s = mk(134, SIGABRT, 0, 100, SF_MEM_OVER); /* std::bad_alloc -> abort */
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	s = mk(1, 0, 0, 100, SF_OOM);
	VD(s, 0, 0, 1, "memory_limit_exceeded");
}

TEST(status_output_limit)
{
	struct step s = mk(0, 0, 0, 0, SF_STDOUT_CAP);
	ST(s, 1000, 65536, "output_limit_exceeded");
	VD(s, 1000, 65536, 1, "output_limit_exceeded"); /* even if the capped output matched */
	s = mk(0, 0, 0, 0, SF_STDERR_CAP);
	VD(s, 1000, 65536, 1, "output_limit_exceeded");
	s = mk(0, SIGKILL, 0, 0, SF_STDOUT_CAP); /* the helper kills a step at the cap */
	VD(s, 1000, 65536, 0, "output_limit_exceeded");
	s = mk(0, SIGPIPE, 0, 0, SF_STDOUT_CAP | SF_STDERR_CAP);
	VD(s, 1000, 65536, 0, "output_limit_exceeded");
}

TEST(precedence)
{
	uint64_t all = SF_WALL_TIMEOUT | SF_CPU_TIMEOUT | SF_OOM | SF_STDOUT_CAP | SF_STDERR_CAP |
		       SF_MEM_OVER;
	/* spawn failure beats everything */
	struct step s = mk(127, 0, 0, 0, all | SF_SPAWN_FAILED);
	ST(s, 1000, 65536, "internal_error");
	VD(s, 1000, 65536, 1, "internal_error");
	/* memory beats time, output and exit */
	s = mk(1, SIGKILL, 5000000, 1 << 20, all);
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	s = mk(0, 0, 5000000, 100, SF_OOM | SF_CPU_TIMEOUT);
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	s = mk(0, 0, 5000000, 1 << 20, 0); /* measured over both limits, no flags */
	VD(s, 1000, 65536, 1, "memory_limit_exceeded");
	/* time beats output and exit */
	s = mk(1, SIGKILL, 5000000, 100, SF_WALL_TIMEOUT | SF_STDOUT_CAP);
	VD(s, 1000, 65536, 1, "time_limit_exceeded");
	s = mk(0, 0, 5000000, 100, SF_STDOUT_CAP);
	VD(s, 1000, 65536, 1, "time_limit_exceeded");
	/* output beats a bad exit */
	s = mk(3, SIGSEGV, 0, 100, SF_STDERR_CAP);
	VD(s, 1000, 65536, 1, "output_limit_exceeded");
	/* runtime error beats the comparison */
	s = mk(0, SIGFPE, 0, 100, 0);
	VD(s, 1000, 65536, 1, "runtime_error");
	/* the comparison only decides a clean run */
	s = mk(0, 0, 999999, 65536, 0);
	VD(s, 1000, 65536, 1, "accepted");
	VD(s, 1000, 65536, 0, "wrong_answer");
}

TEST(status_ignores_error_text_and_output)
{
	struct step s = mk(0, 0, 0, 0, 0);
	strcpy(s.error, "something the helper said");
	VD(s, 1000, 65536, 1, "accepted");
}

TEST(signal_names)
{
	assert_null(judge_signal_name(0));
	assert_string_equal(judge_signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(judge_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(judge_signal_name(SIGABRT), "SIGABRT");
	assert_string_equal(judge_signal_name(SIGXCPU), "SIGXCPU");
	assert_string_equal(judge_signal_name(SIGFPE), "SIGFPE");
	assert_string_equal(judge_signal_name(SIGSYS), "SIGSYS");
	assert_string_equal(judge_signal_name(99), "SIGUNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_identical_and_default_mode),
		cmocka_unit_test(lines_trailing_whitespace_per_line),
		cmocka_unit_test(lines_crlf),
		cmocka_unit_test(lines_trailing_newlines_and_blank_lines),
		cmocka_unit_test(lines_leading_and_inner_whitespace_matter),
		cmocka_unit_test(lines_content_differences),
		cmocka_unit_test(lines_empty),
		cmocka_unit_test(lines_uses_lengths_not_nul),
		cmocka_unit_test(exact_bytes),
		cmocka_unit_test(tokens_whitespace_insensitive),
		cmocka_unit_test(tokens_content),
		cmocka_unit_test(tokens_empty),
		cmocka_unit_test(float_absolute_tolerance),
		cmocka_unit_test(float_relative_tolerance),
		cmocka_unit_test(float_multiple_tokens_and_layout),
		cmocka_unit_test(float_non_numeric_tokens),
		cmocka_unit_test(float_infinite_expected),
		cmocka_unit_test(float_empty),
		cmocka_unit_test(unknown_mode_never_matches),
		cmocka_unit_test(status_ok_and_basic),
		cmocka_unit_test(status_time),
		cmocka_unit_test(status_memory),
		cmocka_unit_test(status_output_limit),
		cmocka_unit_test(precedence),
		cmocka_unit_test(status_ignores_error_text_and_output),
		cmocka_unit_test(signal_names),
	};
	return cmocka_run_group_tests_name("judge", tests, NULL, NULL);
}
