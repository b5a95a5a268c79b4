/*
 * bench_core.c [N] - a mix with the character of embedded CPU benchmarks:
 * linked-list processing (find, reverse, merge sort through a comparison
 * function pointer), small-matrix arithmetic, a switch-driven state machine
 * scanning text (switches compiled to jump tables), and a bit-wise CRC-16
 * fed one byte at a time through small calls. N iterations (default 10000);
 * every result is folded into a CRC that is printed with a few checksums.
 */
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

#define NOINLINE __attribute__((noinline))

/* ------------------------------------------------------------------ CRC */

/* CRC-16 (poly 0x8005 reflected) of one byte, bit by bit. */
static NOINLINE uint16_t crc_byte(uint8_t data, uint16_t crc)
{
	for (int i = 0; i < 8; i++) {
		unsigned bit = (data ^ crc) & 1;
		data >>= 1;
		crc >>= 1;
		if (bit)
			crc ^= 0xa001;
	}
	return crc;
}

static NOINLINE uint16_t crc_u16(uint16_t v, uint16_t crc)
{
	crc = crc_byte((uint8_t)v, crc);
	return crc_byte((uint8_t)(v >> 8), crc);
}

static NOINLINE uint16_t crc_u32(uint32_t v, uint16_t crc)
{
	crc = crc_u16((uint16_t)v, crc);
	return crc_u16((uint16_t)(v >> 16), crc);
}

/* ----------------------------------------------------------------- list */

struct item {
	int16_t value;
	int16_t index;
};

struct node {
	struct node *next;
	struct item *info;
};

#define LIST_LEN 40

static struct node nodes[LIST_LEN];
static struct item items[LIST_LEN];

typedef int (*compare_fn)(const struct item *a, const struct item *b, uint16_t *crc);

/* The value an item sorts by: a cheap hash of its value, with a CRC side effect. */
static NOINLINE int16_t item_key(const struct item *it, uint16_t *crc)
{
	int16_t v = it->value;
	int16_t k = (int16_t)(((v & 0x7f) * 37 + (v >> 7)) & 0x3fff);
	*crc = crc_u16((uint16_t)k, *crc);
	return k;
}

static int compare_key(const struct item *a, const struct item *b, uint16_t *crc)
{
	return item_key(a, crc) - item_key(b, crc);
}

static int compare_index(const struct item *a, const struct item *b, uint16_t *crc)
{
	(void)crc;
	return a->index - b->index;
}

static struct node *list_build(uint32_t seed)
{
	for (int i = 0; i < LIST_LEN; i++) {
		items[i].value = (int16_t)(xorshift32(&seed) & 0x7fff);
		items[i].index = (int16_t)i;
		nodes[i].info = &items[i];
		nodes[i].next = i + 1 < LIST_LEN ? &nodes[i + 1] : NULL;
	}
	return &nodes[0];
}

static NOINLINE struct node *list_find(struct node *list, int16_t value, int16_t index)
{
	for (; list; list = list->next) {
		if (index >= 0 ? list->info->index == index : list->info->value == value)
			return list;
	}
	return NULL;
}

static NOINLINE struct node *list_reverse(struct node *list)
{
	struct node *prev = NULL;
	while (list) {
		struct node *next = list->next;
		list->next = prev;
		prev = list;
		list = next;
	}
	return prev;
}

/* Bottom-up merge sort of a singly-linked list. */
static NOINLINE struct node *list_sort(struct node *list, compare_fn cmp, uint16_t *crc)
{
	for (int width = 1;; width *= 2) {
		struct node *p = list, *tail = NULL;
		int merges = 0;
		list = NULL;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0;
			for (int i = 0; i < width && q; i++) {
				psize++;
				q = q->next;
			}
			int qsize = width;
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) {
					e = q, q = q->next, qsize--;
				} else if (qsize == 0 || !q) {
					e = p, p = p->next, psize--;
				} else if (cmp(p->info, q->info, crc) <= 0) {
					e = p, p = p->next, psize--;
				} else {
					e = q, q = q->next, qsize--;
				}
				if (tail)
					tail->next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		if (merges <= 1)
			return list;
	}
}

static NOINLINE uint16_t list_bench(uint32_t seed, uint16_t crc)
{
	struct node *list = list_build(seed);
	int found = 0, missed = 0;
	for (int i = 0; i < 8; i++) {
		struct node *n = list_find(list, (int16_t)(seed >> i & 0x7fff), (int16_t)(i * 5 - 4));
		if (n) {
			found += n->info->value & 0xff;
			list = list_reverse(list);
		} else {
			missed++;
		}
	}
	list = list_sort(list, compare_key, &crc);
	for (struct node *n = list; n; n = n->next)
		crc = crc_u16((uint16_t)n->info->value, crc);
	list = list_sort(list, compare_index, &crc);
	list = list_reverse(list);
	crc = crc_u16((uint16_t)(found * 4 + missed), crc);
	return crc_u16((uint16_t)list->info->index, crc);
}

/* --------------------------------------------------------------- matrix */

#define MAT_N 12

static int16_t mat_a[MAT_N * MAT_N], mat_b[MAT_N * MAT_N];
static int32_t mat_c[MAT_N * MAT_N];

static NOINLINE void mat_add_const(int16_t *a, int16_t v)
{
	for (int i = 0; i < MAT_N * MAT_N; i++)
		a[i] += v;
}

static NOINLINE void mat_mul_const(int32_t *c, const int16_t *a, int16_t v)
{
	for (int i = 0; i < MAT_N * MAT_N; i++)
		c[i] = (int32_t)a[i] * v;
}

static NOINLINE void mat_mul_vec(int32_t *c, const int16_t *a, const int16_t *b)
{
	for (int i = 0; i < MAT_N; i++) {
		int32_t sum = 0;
		for (int j = 0; j < MAT_N; j++)
			sum += a[i * MAT_N + j] * b[j];
		c[i] = sum;
	}
}

static NOINLINE void mat_mul_mat(int32_t *c, const int16_t *a, const int16_t *b)
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			int32_t sum = 0;
			for (int k = 0; k < MAT_N; k++)
				sum += a[i * MAT_N + k] * b[k * MAT_N + j];
			c[i * MAT_N + j] = sum;
		}
	}
}

/* Multiplies, extracting a bit field of each product before the sum. */
static NOINLINE void mat_mul_bits(int32_t *c, const int16_t *a, const int16_t *b)
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			int32_t sum = 0;
			for (int k = 0; k < MAT_N; k++) {
				int32_t t = a[i * MAT_N + k] * b[k * MAT_N + j];
				sum += (t >> 2) & 0xf;
				sum += (t >> 5) & 0x7f;
			}
			c[i * MAT_N + j] = sum;
		}
	}
}

static NOINLINE uint16_t mat_sum(const int32_t *c, int32_t clip, uint16_t crc)
{
	int32_t acc = 0, prev = 0;
	for (int i = 0; i < MAT_N * MAT_N; i++) {
		acc += c[i];
		if (acc > clip) {
			crc = crc_u16(10, crc);
			acc = 0;
		} else {
			crc = crc_u16(acc > prev ? 1 : 0, crc);
		}
		prev = c[i];
	}
	return crc;
}

static NOINLINE uint16_t mat_bench(uint32_t seed, uint16_t crc)
{
	for (int i = 0; i < MAT_N * MAT_N; i++) {
		mat_a[i] = (int16_t)(xorshift32(&seed) & 0xff);
		mat_b[i] = (int16_t)(xorshift32(&seed) & 0xff);
	}
	int16_t v = (int16_t)(seed & 0xf) | 1;
	mat_add_const(mat_a, v);
	mat_mul_const(mat_c, mat_a, v);
	crc = mat_sum(mat_c, 5000, crc);
	mat_mul_vec(mat_c, mat_a, mat_b);
	crc = mat_sum(mat_c, 50000, crc);
	mat_mul_mat(mat_c, mat_a, mat_b);
	crc = mat_sum(mat_c, 500000, crc);
	mat_mul_bits(mat_c, mat_a, mat_b);
	crc = mat_sum(mat_c, 5000, crc);
	mat_add_const(mat_a, (int16_t)-v);
	return crc;
}

/* -------------------------------------------------------- state machine */

enum state {
	S_START,
	S_INT,
	S_SIGN,
	S_DOT,
	S_FRAC,
	S_EXP,
	S_EXP_SIGN,
	S_EXP_INT,
	S_HEX0,
	S_HEX,
	S_INVALID,
	S_COUNT,
};

enum cls { C_DIGIT, C_SIGN, C_DOT, C_E, C_X, C_HEXL, C_SPACE, C_OTHER };

/* The class of a character: a switch gcc turns into a jump table. */
static NOINLINE enum cls classify(char c)
{
	switch (c) {
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return C_DIGIT;
	case '+': case '-':
		return C_SIGN;
	case '.':
		return C_DOT;
	case 'E': case 'e':
		return C_E;
	case 'x': case 'X':
		return C_X;
	case 'a': case 'b': case 'c': case 'd': case 'f':
	case 'A': case 'B': case 'C': case 'D': case 'F':
		return C_HEXL;
	case ' ': case ',': case '\n':
		return C_SPACE;
	default:
		return C_OTHER;
	}
}

/* One transition: a switch on the state, then on the character class. */
static enum state step(enum state s, enum cls c, unsigned *transitions)
{
	switch (s) {
	case S_START:
		switch (c) {
		case C_DIGIT: return S_INT;
		case C_SIGN: return S_SIGN;
		case C_DOT: return S_DOT;
		default: return S_INVALID;
		}
	case S_SIGN:
		transitions[S_SIGN]++;
		return c == C_DIGIT ? S_INT : c == C_DOT ? S_DOT : S_INVALID;
	case S_INT:
		switch (c) {
		case C_DIGIT: return S_INT;
		case C_DOT: transitions[S_INT]++; return S_FRAC;
		case C_E: transitions[S_INT]++; return S_EXP;
		case C_X: return S_HEX0;
		default: return S_INVALID;
		}
	case S_DOT:
		transitions[S_DOT]++;
		return c == C_DIGIT ? S_FRAC : S_INVALID;
	case S_FRAC:
		if (c == C_DIGIT)
			return S_FRAC;
		if (c == C_E) {
			transitions[S_FRAC]++;
			return S_EXP;
		}
		return S_INVALID;
	case S_EXP:
		transitions[S_EXP]++;
		return c == C_SIGN ? S_EXP_SIGN : c == C_DIGIT ? S_EXP_INT : S_INVALID;
	case S_EXP_SIGN:
		return c == C_DIGIT ? S_EXP_INT : S_INVALID;
	case S_EXP_INT:
		return c == C_DIGIT ? S_EXP_INT : S_INVALID;
	case S_HEX0:
	case S_HEX:
		return c == C_DIGIT || c == C_HEXL || c == C_E ? S_HEX : S_INVALID;
	default:
		transitions[S_INVALID]++;
		return S_INVALID;
	}
}

#define TEXT_LEN 200

static char text[TEXT_LEN + 1];

static const char *const words[] = {
	"5012", "1234", "-874", "+122", "0x4af", "-.3e+5", "35.54e-2", "7.1e",
	"-1.", "T0.3e-1F", "-0.x1", ".7", "0XFfe", "4e9", "+", "12,3",
};

static NOINLINE void text_build(uint32_t seed)
{
	int n = 0;
	while (n < TEXT_LEN) {
		const char *w = words[xorshift32(&seed) % 16];
		while (*w && n < TEXT_LEN)
			text[n++] = *w++;
		if (n < TEXT_LEN)
			text[n++] = ',';
	}
	text[TEXT_LEN] = 0;
}

/* Scans the text; counts final states per token and corrupts it slightly for next time. */
static NOINLINE uint16_t state_bench(uint32_t seed, uint16_t crc)
{
	unsigned finals[S_COUNT] = {0}, transitions[S_COUNT] = {0};
	enum state s = S_START;
	for (const char *p = text;; p++) {
		enum cls c = classify(*p);
		if (c == C_SPACE || *p == 0) {
			finals[s]++;
			s = S_START;
			if (*p == 0)
				break;
			continue;
		}
		s = step(s, c, transitions);
	}
	for (int i = 0; i < S_COUNT; i++) {
		crc = crc_u16((uint16_t)finals[i], crc);
		crc = crc_u16((uint16_t)transitions[i], crc);
	}
	/* Corrupt a few characters, as the next iteration would find them. */
	for (int i = 0; i < 4; i++) {
		uint32_t at = xorshift32(&seed) % TEXT_LEN;
		text[at] = "0123456789+-.eEx,"[xorshift32(&seed) % 17];
	}
	return crc;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 10000);
	uint16_t crc = 0, crc_list = 0, crc_mat = 0, crc_state = 0;
	text_build(0x1234);
	uint32_t seed = 0x2545f491;
	for (long i = 0; i < n; i++) {
		xorshift32(&seed);
		crc_list = list_bench(seed, crc_list);
		crc_mat = mat_bench(seed, crc_mat);
		crc_state = state_bench(seed, crc_state);
		crc = crc_u32(seed ^ crc_list ^ ((uint32_t)crc_mat << 16) ^ crc_state, crc);
	}
	printf("iterations %ld\n", n);
	printf("crc list  0x%04x\n", crc_list);
	printf("crc mat   0x%04x\n", crc_mat);
	printf("crc state 0x%04x\n", crc_state);
	printf("crc final 0x%04x\n", crc);
	return 0;
}
