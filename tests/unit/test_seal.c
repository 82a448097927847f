/* Unit tests of row sealing: every change to a sealed row is detected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "seal.h"

static unsigned char	 master[MASTER_KEY_BYTES];

static int
setup(void **state)
{
	randombytes_buf(master, sizeof master);
	*state = seal_create(master);
	return 0;
}

static int
teardown(void **state)
{
	seal_free(*state);
	return 0;
}

static void
test_roundtrip(void **state)
{
	static const char	 pt[] = "sesión del martes";
	unsigned char		 ct[sizeof pt + SEALED_ROW_OVERHEAD];
	unsigned char		 out[sizeof pt];

	seal_row(*state, "slots", 7, pt, sizeof pt, ct);
	assert_int_equal(ct[0], SEALED_ROW_VERSION);
	assert_null(memmem(ct, sizeof ct, "martes", 6));
	assert_int_equal(seal_open_row(*state, "slots", 7, ct, sizeof ct, out),
	    0);
	assert_memory_equal(out, pt, sizeof pt);
}

static void
test_every_bit_flip_detected(void **state)
{
	static const char	 pt[] = "row";
	unsigned char		 ct[sizeof pt + SEALED_ROW_OVERHEAD];
	unsigned char		 out[sizeof pt];
	size_t			 i;
	int			 bit;

	seal_row(*state, "meta", 1, pt, sizeof pt, ct);
	for (i = 0; i < sizeof ct; i++) {
		for (bit = 0; bit < 8; bit++) {
			ct[i] ^= 1 << bit;
			assert_int_equal(seal_open_row(*state, "meta", 1, ct,
			    sizeof ct, out), -1);
			ct[i] ^= 1 << bit;
		}
	}
	assert_int_equal(seal_open_row(*state, "meta", 1, ct, sizeof ct, out),
	    0);
}

static void
test_moved_or_truncated_detected(void **state)
{
	static const char	 pt[] = "row";
	unsigned char		 ct[sizeof pt + SEALED_ROW_OVERHEAD];
	unsigned char		 out[sizeof pt];
	size_t			 n;
	struct seal		*other;
	unsigned char		 k2[MASTER_KEY_BYTES];

	seal_row(*state, "meta", 1, pt, sizeof pt, ct);
	assert_int_equal(seal_open_row(*state, "meta", 2, ct, sizeof ct, out),
	    -1);
	assert_int_equal(seal_open_row(*state, "slots", 1, ct, sizeof ct, out),
	    -1);
	assert_int_equal(seal_open_row(*state, "meta", 1 + (1LL << 32), ct,
	    sizeof ct, out), -1);
	for (n = 0; n < sizeof ct; n++)
		assert_int_equal(seal_open_row(*state, "meta", 1, ct, n, out),
		    -1);
	randombytes_buf(k2, sizeof k2);
	other = seal_create(k2);
	assert_int_equal(seal_open_row(other, "meta", 1, ct, sizeof ct, out),
	    -1);
	seal_free(other);
}

static void
test_nonces_differ(void **state)
{
	unsigned char	 a[1 + SEALED_ROW_OVERHEAD], b[1 + SEALED_ROW_OVERHEAD];

	seal_row(*state, "meta", 1, "x", 1, a);
	seal_row(*state, "meta", 1, "x", 1, b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void
test_blind_index(void **state)
{
	unsigned char	 a[BLIND_INDEX_BYTES], b[BLIND_INDEX_BYTES];
	unsigned char	 c[BLIND_INDEX_BYTES], d[BLIND_INDEX_BYTES];
	unsigned char	 k2[MASTER_KEY_BYTES];
	struct seal	*other;

	seal_index(*state, "cases", "CODE", 4, a);
	seal_index(*state, "cases", "CODE", 4, b);
	seal_index(*state, "slots", "CODE", 4, c);
	assert_memory_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
	randombytes_buf(k2, sizeof k2);
	other = seal_create(k2);
	seal_index(other, "cases", "CODE", 4, d);
	assert_memory_not_equal(a, d, sizeof a);
	seal_free(other);
}

/* A kept index key makes the same tags under another master key; a swap
 * exchanges the keys behind two seals. */
static void
test_index_key_kept_and_swap(void **state)
{
	unsigned char	 a[BLIND_INDEX_BYTES], b[BLIND_INDEX_BYTES];
	unsigned char	 k2[MASTER_KEY_BYTES], ct[1 + SEALED_ROW_OVERHEAD];
	unsigned char	 pt[1];
	struct seal	*next;

	randombytes_buf(k2, sizeof k2);
	next = seal_create(k2);
	seal_index(*state, "cases", "CODE", 4, a);
	seal_set_index_key(next, seal_index_key(*state));
	seal_index(next, "cases", "CODE", 4, b);
	assert_memory_equal(a, b, sizeof a);

	seal_row(next, "meta", 1, "x", 1, ct);
	assert_int_not_equal(seal_open_row(*state, "meta", 1, ct, sizeof ct,
	    pt), 0);
	seal_swap(*state, next);
	assert_int_equal(seal_open_row(*state, "meta", 1, ct, sizeof ct, pt),
	    0);
	assert_int_not_equal(seal_open_row(next, "meta", 1, ct, sizeof ct,
	    pt), 0);
	seal_index(*state, "cases", "CODE", 4, b);
	assert_memory_equal(a, b, sizeof a);
	seal_free(next);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_every_bit_flip_detected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_or_truncated_detected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonces_differ, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_blind_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_index_key_kept_and_swap,
		    setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("seal", tests, NULL, NULL);
}
